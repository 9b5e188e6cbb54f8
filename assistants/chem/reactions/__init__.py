"""Reactions: a template library from atom-mapped USPTO reactions, forward prediction, one-step
retrosynthesis, and the checks that hold a reaction claim to them."""
