"""The template library: one retro template per precedent reaction, counted and with example reactions,
plus the precedents' fingerprints that forward prediction and retrosynthesis rank by, and unmapped
precedents (reactants and product without atom maps, so no template) that rank candidates too.

The library is built once into the cache dir (written to a temporary file and renamed, rebuilt when
its sources, this version or RDKit/rdchiral change) and loaded in about a second afterwards; the
shipped reactions' templates are read from the table `extracted.py` ships, a user's are extracted.
The shipped USPTO reactions are the default source; `tristage reactions build --source FILE` adds a user's mapped reactions and makes that library current.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

import numpy as np

from assistants.chem.reactions.chemistry import FINGERPRINT_BITS, canonical, canonical_set, packed_fingerprint
from assistants.chem.reactions.extracted import retro_template, stored_templates
from assistants.chem.reactions.shipped import UnmappedPair
from assistants.chem.reactions.sources import MappedReaction, ReadReport, read_source
from stages.atomic import atomic_path, write_text
from stages.config import get_settings
from stages.cores import usable_cores

LIBRARY_VERSION = 2
EXAMPLES_PER_TEMPLATE = 3
REAGENT_RATIO = 3
CURRENT_POINTER = "reactions-current.json"
Progress = Callable[[int, int], None]
Item, Out = TypeVar("Item"), TypeVar("Out")


@dataclass
class Unmapped:
    """Precedents without a template, row-aligned: they rank candidates but give none."""

    ids: list[str] = field(default_factory=list)
    reactants: list[str] = field(default_factory=list)
    products: list[str] = field(default_factory=list)
    product_fps: np.ndarray = field(default_factory=lambda: np.zeros((0, FINGERPRINT_BITS // 8), dtype=np.uint8))
    reactant_fps: np.ndarray = field(default_factory=lambda: np.zeros((0, FINGERPRINT_BITS // 8), dtype=np.uint8))

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class ReactionLibrary:
    """Templates (retro SMARTS, counts, example precedents) and precedents, row-aligned arrays."""

    templates: list[str]
    template_counts: np.ndarray
    template_examples: list[list[int]]
    ids: list[str]
    reactants: list[str]
    products: list[str]
    reagents: list[tuple[str, ...]]
    classes: list[int | None]
    template_of: np.ndarray
    product_fps: np.ndarray
    reactant_fps: np.ndarray
    reagent_roles: dict[str, tuple[int, int]] = field(default_factory=dict)
    unmapped: Unmapped = field(default_factory=Unmapped)
    meta: dict[str, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ids)

    def precedent_text(self, row: int) -> str:
        return f"{self.reactants[row]}>>{self.products[row]}"

    def is_reagent(self, smiles: str) -> bool:
        """A molecule the precedents use as a reagent (solvent, base, catalyst) over three times as often as
        a reactant: water, DCM or triethylamine are, while acetic acid (140 to 70) or DMF, which react often, are not."""
        aside, used = self.reagent_roles.get(smiles, (0, 0))
        return aside > REAGENT_RATIO * used


def _versions() -> str:
    from importlib.metadata import version

    return f"v{LIBRARY_VERSION}-rdkit{version('rdkit')}-rdchiral{version('rdchiral')}"


def source_digest(paths: Sequence[Path]) -> str:
    digest = hashlib.sha256(_versions().encode())
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def library_path(cache_dir: Path, digest: str) -> Path:
    return cache_dir / "chem" / f"reactions-v{LIBRARY_VERSION}-{digest}.pkl"


def _row(reaction: MappedReaction) -> tuple[str | None, str, str, np.ndarray, np.ndarray]:
    """One precedent's template, canonical sides and fingerprints (run in worker processes)."""
    reactants, product = canonical_set(reaction.reactants), canonical(reaction.product)
    return retro_template(reaction), reactants, product, packed_fingerprint(product), packed_fingerprint(reactants)


def _pair_fingerprints(pair: UnmappedPair) -> tuple[np.ndarray, np.ndarray]:
    return packed_fingerprint(pair.product), packed_fingerprint(pair.reactants)


def _in_workers(work: Callable[[Item], Out], items: Sequence[Item], progress: Progress) -> list[Out]:
    """`work` over `items` in up to four forked processes, in order, with progress every 250 items."""
    import multiprocessing

    workers = min(usable_cores(), 4)
    out: list[Out] = []
    context = multiprocessing.get_context("fork")
    with context.Pool(workers) as pool:
        for row in pool.imap(work, items, chunksize=32):
            out.append(row)
            if len(out) % 250 == 0 or len(out) == len(items):
                progress(len(out), len(items))
    return out


def _unmapped(pairs: Sequence[UnmappedPair], progress: Progress) -> Unmapped:
    if not pairs:
        return Unmapped()
    fingerprints = _in_workers(_pair_fingerprints, pairs, progress)
    return Unmapped(ids=[p.id for p in pairs], reactants=[p.reactants for p in pairs], products=[p.product for p in pairs],
                    product_fps=np.stack([f[0] for f in fingerprints]), reactant_fps=np.stack([f[1] for f in fingerprints]))


def build_library(reactions: Sequence[MappedReaction], path: Path, meta: dict[str, str], progress: Progress | None = None,
                  unmapped: Sequence[UnmappedPair] = ()) -> ReactionLibrary:
    """Extract every template, fingerprint the unmapped precedents, write the library to `path`
    atomically, and return it."""
    say = progress or (lambda _done, _total: None)
    template_index: dict[str, int] = {}
    templates: list[str] = []
    counts: Counter[int] = Counter()
    examples: dict[int, list[int]] = {}
    kept: list[tuple[MappedReaction, str, str, int, np.ndarray, np.ndarray]] = []
    stored_templates()  # read once here, inherited by the forked workers
    for reaction, (retro, reactants, product, product_fp, reactant_fp) in zip(reactions, _in_workers(_row, reactions, say), strict=True):
        if retro is None or not reactants or not product:
            continue
        index = template_index.setdefault(retro, len(templates))
        if index == len(templates):
            templates.append(retro)
        counts[index] += 1
        row = len(kept)
        if len(examples.setdefault(index, [])) < EXAMPLES_PER_TEMPLATE:
            examples[index].append(row)
        kept.append((reaction, reactants, product, index, product_fp, reactant_fp))
    if not kept:
        raise ValueError("no template could be extracted from these reactions")
    roles: Counter[tuple[str, int]] = Counter()
    for reaction, reactants, *_ in kept:
        roles.update((smiles, 0) for smiles in set(reaction.reagents))
        roles.update((smiles, 1) for smiles in set(reactants.split(".")))
    reagent_roles = {s: (roles[(s, 0)], roles[(s, 1)]) for s in {s for s, _ in roles}}
    library = ReactionLibrary(
        templates=templates,
        template_counts=np.array([counts[i] for i in range(len(templates))], dtype=np.int32),
        template_examples=[examples[i] for i in range(len(templates))],
        ids=[k[0].id for k in kept],
        reactants=[k[1] for k in kept],
        products=[k[2] for k in kept],
        reagents=[k[0].reagents for k in kept],
        classes=[k[0].reaction_class for k in kept],
        template_of=np.array([k[3] for k in kept], dtype=np.int32),
        product_fps=np.stack([k[4] for k in kept]),
        reactant_fps=np.stack([k[5] for k in kept]),
        reagent_roles=reagent_roles,
        unmapped=_unmapped(unmapped, say),
        meta={**meta, "precedents": str(len(kept)), "templates": str(len(templates)), "read": str(len(reactions)),
              "unmapped_precedents": str(len(unmapped))},
    )
    _write(library, path)
    return library


def _write(library: ReactionLibrary, path: Path) -> None:
    with atomic_path(path) as temp, temp.open("wb") as handle:
        pickle.dump(library, handle, protocol=pickle.HIGHEST_PROTOCOL)


def _stderr_progress(label: str) -> Progress:
    def say(done: int, total: int) -> None:
        print(f"{label}: {done:,}/{total:,} reactions", file=sys.stderr, flush=True)

    return say


def shipped_library_path(cache_dir: Path) -> Path:
    from assistants.chem.reactions.shipped import shipped_files

    return library_path(cache_dir, source_digest(shipped_files()))


def _shipped_sources() -> tuple[list[MappedReaction], list[UnmappedPair]]:
    """The shipped template source and the shipped unmapped precedents not already in it."""
    from assistants.chem.reactions.shipped import training_reactions, unmapped_precedents

    reactions = list(training_reactions())
    return reactions, list(unmapped_precedents({r.id for r in reactions}))


def build_shipped(cache_dir: Path, progress: Progress | None = None) -> ReactionLibrary:
    """The library of the shipped training reactions (held-out reactions never enter it)."""
    reactions, pairs = _shipped_sources()
    meta = {"source": "shipped USPTO-15K train + USPTO-50K valid (training part) + USPTO-50K train", "digest": shipped_library_path(cache_dir).stem}
    return build_library(reactions, shipped_library_path(cache_dir), meta, progress or _stderr_progress("reaction templates"), pairs)


def build_from_source(source: Path, cache_dir: Path, include_shipped: bool = True, progress: Progress | None = None) -> tuple[ReactionLibrary, ReadReport]:
    """A library from a user's mapped reactions (plus the shipped ones), made the current library.

    The whole source is read before anything is written, so a bad source (SourceError) leaves the cache as it was.
    """
    from assistants.chem.reactions.shipped import shipped_files

    report = ReadReport()
    reactions = list(read_source(source, report))
    paths = [source, *(shipped_files() if include_shipped else [])]
    path = library_path(cache_dir, source_digest(paths))
    pairs: list[UnmappedPair] = []
    if include_shipped:
        shipped, pairs = _shipped_sources()
        reactions += shipped
    meta = {"source": f"{source.name}" + (" + shipped USPTO training reactions" if include_shipped else ""), "digest": path.stem}
    library = build_library(reactions, path, meta, progress, pairs)
    pointer = cache_dir / "chem" / CURRENT_POINTER
    write_text(pointer, json.dumps({"path": path.name, "source": str(source)}))
    return library, report


def current_path(cache_dir: Path) -> Path:
    """The library a user build made current, else the shipped one."""
    pointer = cache_dir / "chem" / CURRENT_POINTER
    if pointer.is_file():
        try:
            named = cache_dir / "chem" / str(json.loads(pointer.read_text())["path"])
        except (ValueError, KeyError):
            named = None
        if named is not None and named.is_file() and named.name.startswith(f"reactions-v{LIBRARY_VERSION}-"):
            return named
    return shipped_library_path(cache_dir)


def load_library(cache_dir: Path | None = None) -> ReactionLibrary:
    """The current library, built (under a file lock, one build for concurrent processes) when missing."""
    import fcntl

    base = cache_dir if cache_dir is not None else get_settings().cache_dir
    path = current_path(base)
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path.with_name(".reactions.lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                if not path.is_file():
                    return build_shipped(base)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
    with open(path, "rb") as handle:
        library = pickle.load(handle)  # noqa: S301 - a file this package wrote into the user's cache
    if not isinstance(library, ReactionLibrary):
        raise ValueError(f"{path} is not a reaction library")
    return library


@lru_cache(maxsize=1)
def get_library() -> ReactionLibrary:
    """The process-wide library in the configured cache dir."""
    return load_library()


