"""Readers for benchmark files as they are published, each turning one layout into a Suite."""
