"""Candidate names → structures with OPSIN in one batch, salts written the PubChem way included.

PubChem writes salts and mixtures as "A;B" ("…-amine;hydrochloride", "sodium;… sulfate",
"methanethiol;…oxazole"), which OPSIN does not read. Each such name is asked two ways in the same
batch: with the parts as separate words (OPSIN reads "X hydrochloride", "sodium X sulfate") and part
by part; the whole wins, else every part must parse and the structure is their mixture.
"""

from __future__ import annotations

import re
from collections.abc import Callable

Opsin = Callable[[list[str]], list[str | None]]
# Parts whose word carries its own count ("dihydrochloride", "pentahydrate").
_COUNTED_PART = re.compile(r"^(?:mono|di|tri|tetra|penta|hexa)?(?:hydro(?:chloride|bromide|iodide|fluoride)|hydrate)$", re.IGNORECASE)


def _asked(name: str) -> list[str]:
    if ";" not in name:
        return [name]
    parts = [p.strip() for p in name.split(";") if p.strip()]
    return [" ".join(parts), *parts]


def parse_names(names: list[str], opsin: Opsin) -> dict[str, str]:
    """SMILES for each name OPSIN can read (one call for all of them); names it cannot are left out."""
    asked = list(dict.fromkeys(a for name in names for a in _asked(name)))
    if not asked:
        return {}
    smiles = dict(zip(asked, opsin(asked), strict=True))
    parsed: dict[str, str] = {}
    for name in names:
        whole, *parts = _asked(name)
        if smiles.get(whole):
            parsed[name] = str(smiles[whole])
        elif parts and all(smiles.get(p) for p in parts):
            parsed[name] = ".".join(str(smiles[p]) for p in parts)
    return parsed


def ratio_unstated(name: str, smiles: str) -> bool:
    """Whether a PubChem "A;B" name leaves the number of each component open: PubChem writes two
    trifluoroacetic acids once ("X;2,2,2-trifluoroacetic acid"), so a mixture read from such a name
    is certain only when its ions balance and its other neutral parts are counted words ("hydrochloride")."""
    from rdkit import Chem

    from assistants.chem.molecule import parse_smiles

    parts = [p.strip() for p in name.split(";") if p.strip()]
    if len(parts) < 2 or "." not in smiles:
        return False
    charges = [Chem.GetFormalCharge(parse_smiles(component)) for component in smiles.split(".")]
    if sum(charges) != 0:
        return True
    neutral = sum(1 for c in charges if c == 0)
    return neutral > 1 and not all(_COUNTED_PART.match(p) for p in parts[1:])
