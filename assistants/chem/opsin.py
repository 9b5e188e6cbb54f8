"""IUPAC name → SMILES with OPSIN (via py2opsin), batched: one JVM start per list of names."""

from __future__ import annotations

import os
import tempfile
import warnings
from pathlib import Path


class OpsinUnavailable(RuntimeError):
    """OPSIN could not run (no Java, or py2opsin missing)."""


def _clean(name: str) -> str:
    """One name per line for OPSIN: newlines inside a name would smuggle in extra names."""
    return " ".join(name.split())


def opsin_smiles(names: list[str]) -> list[str | None]:
    """SMILES per name in the casing given (OPSIN is case-sensitive on locants); None where it fails."""
    if not names:
        return []
    try:
        from py2opsin import py2opsin
    except ImportError as exc:  # the chem extra is not installed
        raise OpsinUnavailable("OPSIN is not installed (pip install py2opsin).") from exc
    handle, path = tempfile.mkstemp(prefix="opsin-", suffix=".txt")
    os.close(handle)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = py2opsin([_clean(n) for n in names], output_format="SMILES", tmp_fpath=path)
    except (OSError, ValueError) as exc:
        raise OpsinUnavailable(f"OPSIN could not run: {exc}") from exc
    finally:
        Path(path).unlink(missing_ok=True)
    if out is False or not isinstance(out, list) or len(out) != len(names):
        raise OpsinUnavailable("OPSIN returned no usable output (is Java 8+ installed?).")
    return [smiles or None for smiles in out]
