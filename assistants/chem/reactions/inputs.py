"""Reading the reactants or the target a user types (SMILES, reaction SMILES, names) with one clear
line for each way it can be wrong."""

from __future__ import annotations

from assistants.chem.reactions.answer import MAX_REACTANTS


class BadReactionInput(ValueError):
    """Input that names no usable reaction; the message is shown to the user as it is."""


def molecule_input(part: str) -> str:
    """A SMILES, or a name resolved by the compound store and OPSIN, as canonical SMILES."""
    from assistants.chem.molecule import InvalidSmiles, canonical_smiles, parse_smiles
    from assistants.chem.resolve import MoleculeRecord, resolve_names
    from assistants.chem.store import get_store

    try:
        parse_smiles(part)
        return canonical_smiles(part)
    except InvalidSmiles as exc:
        smiles_error = str(exc)
    if any(ch in part for ch in "=#()[]@"):
        raise BadReactionInput(smiles_error)
    found = resolve_names([part], get_store())[0]
    if isinstance(found, MoleculeRecord):
        return found.smiles
    raise BadReactionInput(f"'{part}' is neither valid SMILES nor a known molecule name: {found.message}")


def _parts(text: str, separator: str) -> list[str]:
    return [p.strip() for p in text.split(separator) if p.strip()]


def reactant_input(text: str) -> tuple[list[str], list[str]]:
    """Reactants and any agents given as `A.B`, `A + B`, `A.B>>` or `A.B>agents>`."""
    text = text.strip()
    if not text:
        raise BadReactionInput("no reactants were given")
    agents: list[str] = []
    if ">" in text:
        sides = text.split(">")
        if len(sides) != 3:
            raise BadReactionInput(f"'{text}' is not reaction SMILES: it needs reactants>agents>products (or reactants>>)")
        if sides[2].strip():
            raise BadReactionInput("the reaction already names its products; give the reactants only (A.B>>) to predict them")
        text, agents = sides[0], _parts(sides[1], ".")
    parts = _parts(text, " + ") if " + " in text else _parts(text, ".")
    if not parts:
        raise BadReactionInput("no reactants were given before '>>'")
    if len(parts) + len(agents) > MAX_REACTANTS:
        raise BadReactionInput(f"{len(parts) + len(agents)} molecules were given; a reaction is read with at most {MAX_REACTANTS}")
    return [molecule_input(p) for p in parts], [molecule_input(a) for a in agents]


def target_input(text: str) -> str:
    """One target molecule (SMILES or name) to make."""
    text = text.strip()
    if ">" in text:
        raise BadReactionInput("a reaction was given; retrosynthesis needs the one target molecule to make")
    if not text:
        raise BadReactionInput("no target molecule was given")
    if "." in text and not any(ch.isspace() for ch in text):
        raise BadReactionInput("several molecules were given; retrosynthesis needs the one target molecule to make")
    return molecule_input(text)
