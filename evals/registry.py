"""Suites by name: the shipped YAML files, the loaders that read a user's local copy, or a file path."""

from __future__ import annotations

import difflib
from pathlib import Path

from evals.suite import Suite, SuiteError, load_suite_file

SUITES_DIR = Path(__file__).parent / "suites"
# suites read from data the user provides (given with --data)
EXTERNAL: dict[str, str] = {
    "breakout-footprint": "BreakGPT footprint chain on user-provided samples (--data: folder or JSONL)",
    "chembench": "ChemBench4K multiple choice from a local copy (--data: folder with test/ and dev/, or one file)",
}


def shipped() -> dict[str, Path]:
    return {p.stem: p for p in sorted(SUITES_DIR.glob("*.yaml"))}


def suite_names() -> dict[str, str]:
    """Every suite name with its one-line description."""
    names = {name: load_suite_file(path).description for name, path in shipped().items()}
    return {**names, **EXTERNAL}


def load_suite(name: str, data: Path | None = None, shots: int = 0) -> Suite:
    """A suite by name or YAML path; external suites need `data`. SuiteError says what is missing."""
    if name in EXTERNAL:
        if data is None:
            raise SuiteError(f"the {name} suite reads your local copy: give its location with --data")
        if name == "chembench":
            from evals.chembench import load_chembench

            return load_chembench(data, shots=shots)
        from evals.footprint import load_footprint_suite

        return load_footprint_suite(data)
    files = shipped()
    if name in files:
        return load_suite_file(files[name])
    path = Path(name).expanduser()
    if path.suffix in (".yaml", ".yml") and path.is_file():
        return load_suite_file(path)
    close = difflib.get_close_matches(name, [*files, *EXTERNAL], n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise SuiteError(f"unknown suite {name!r}{hint} (see `tristage eval --list`)")
