"""Chemistry as people type it, made plain before entities are read: formulas typeset for exams
(\\ce{KMnO4}), states written against a formula ("H2O(l)"), formulas typed in lower case ("2 mol
nacl"), and quantities or units that are never a molecule's name."""

from __future__ import annotations

import re

from assistants.chem.store import CompoundStore


def plain_chemistry(text: str, store: CompoundStore) -> str:
    """The text with typeset formulas plain, states apart from their formulas and lower-case formulas cased."""
    return cased_formulas(_STATE.sub(r" \1", _LATEX_CE.sub(r"\1", text)), store)


def cased_formulas(text: str, store: CompoundStore) -> str:
    """The text with formulas typed in lower case ("2 mol nacl", "c6h12o6", "balance ch4 + o2 -> co2 + h2o")
    written as the store writes them, where one reading of the letters is a compound the store holds
    (co2: CO2, not Co2); other words are left alone."""
    from chemicals.elements import periodic_table

    symbols = sorted({e.symbol for e in periodic_table}, key=len, reverse=True)

    def cased(token: str) -> str:
        if _is_smiles(token):  # "c1ccccc1" is benzene as written, not a formula to case
            return token
        for reading in _readings(token, symbols):
            if _known_formula(reading, store):
                return reading
        return token

    text = _DIGIT_TOKEN.sub(lambda m: cased(m.group(0)), text)
    return _AFTER_AMOUNT.sub(lambda m: m.group(0)[:m.start(1) - m.start(0)] + cased(m.group(1)), text)


_DIGIT_TOKEN = re.compile(r"(?:(?<=\s)|^)(?=[a-z]*\d)[a-z][a-z0-9]{1,15}(?=[\s?.,!;:]|$)")  # "c6h12o6", "h2o": whole words
_AFTER_AMOUNT = re.compile(r"\d\s*(?:mols?|moles?|mmol|g|gms?|grams?)\s+(?:of\s+)?([a-z]{2,8})\b")  # "2 mol nacl"


def _readings(token: str, symbols: list[str]) -> list[str]:
    """Every way to read lower-case letters and digits as element symbols with counts."""
    if not token:
        return [""]
    out = []
    for symbol in symbols:
        if token.startswith(symbol.lower()):
            rest = token[len(symbol):]
            digits = re.match(r"\d*", rest).group(0)  # type: ignore[union-attr]
            out += [symbol + digits + tail for tail in _readings(rest[len(digits):], symbols)]
    return out


_UNIT = r"(?:k?j|mol|moles?|mmol|g|grams?|kg|mg|k|l|ml|m|s|atm|pa|kpa|mmhg|°c)(?:\^?-?\d)?"
# A quantity or a unit ("1.5 moles", "mol^-1", "0.25"): never a molecule's name, so never "unresolved".
NOT_A_NAME = re.compile(rf"[-+]?\d+(?:[.,]\d+)?(?:\s*{_UNIT}(?:[\s/·*]+{_UNIT})*)?|{_UNIT}(?:[\s/·*]+{_UNIT})*", re.IGNORECASE)
_LATEX_CE = re.compile(r"\\ce\{([^{}]*)\}")
_STATE = re.compile(r"(?<=[A-Za-z0-9\]])(\((?:s|l|g|aq)\))")


def _known_formula(reading: str, store: CompoundStore) -> bool:
    """Whether a reading of typed letters is the formula of a compound the store holds."""
    from chemicals.elements import serialize_formula

    try:
        return bool(store.by_formula(serialize_formula(reading)))
    except (ValueError, KeyError, IndexError):
        return False


def _is_smiles(token: str) -> bool:
    from assistants.chem.molecule import InvalidSmiles, cached_mol

    try:
        cached_mol(token)
    except InvalidSmiles:
        return False
    return True
