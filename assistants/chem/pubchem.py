"""PubChem online name lookup: off by default, short timeout, a clear message when offline."""

from __future__ import annotations

from urllib.parse import quote

import httpx

PUG_URL = "https://pubchem.ncbi.nlm.nih.gov/rest/pug/compound/name/{name}/property/SMILES/JSON"


class PubChemUnavailable(RuntimeError):
    """PubChem could not be reached; the message is safe to show."""


def pubchem_smiles(name: str, timeout_s: float = 5.0) -> str | None:
    """The SMILES PubChem gives for a name; None when PubChem does not know it."""
    url = PUG_URL.format(name=quote(" ".join(name.split()), safe=""))
    try:
        response = httpx.get(url, timeout=timeout_s)
    except httpx.HTTPError as exc:
        raise PubChemUnavailable(f"PubChem is unreachable ({type(exc).__name__}); working offline.") from exc
    if response.status_code == 404:
        return None
    if response.status_code != 200:
        raise PubChemUnavailable(f"PubChem answered HTTP {response.status_code}.")
    try:
        props = response.json()["PropertyTable"]["Properties"][0]
    except (ValueError, KeyError, IndexError) as exc:
        raise PubChemUnavailable("PubChem's answer could not be read.") from exc
    smiles = props.get("SMILES") or props.get("IsomericSMILES") or props.get("CanonicalSMILES")
    return str(smiles) if smiles else None
