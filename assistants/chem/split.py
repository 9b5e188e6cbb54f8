"""The held-out split: a compound is held out for evaluation by a hash of its InChIKey.

Dataset builders skip held-out compounds and the benchmark draws only from them, so the same
compound never appears in both, whatever order or sample either side uses.
"""

from __future__ import annotations

import hashlib

HELDOUT_PERCENT = 10


def heldout(inchikey: str) -> bool:
    """True for the ~10% of compounds reserved for evaluation (by the InChIKey's connectivity block,
    so stereoisomers and salts of one skeleton fall on the same side)."""
    block = inchikey.strip().upper()[:14]
    digest = hashlib.sha256(f"tristage-chem-split:{block}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 100 < HELDOUT_PERCENT
