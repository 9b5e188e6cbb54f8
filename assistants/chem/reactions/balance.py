"""Element balance of a reaction claim: atoms the products use that no reactant supplies, and the
by-products that account for what the reactants lose (water, HCl, an alcohol, ...)."""

from __future__ import annotations

from collections import Counter
from functools import lru_cache
from itertools import combinations, combinations_with_replacement

from pydantic import BaseModel, Field

from assistants.chem.formulas import element_counts


MAX_BY_PRODUCTS = 3
# Small molecules template reactions typically release, by the name an answer gives them.
COMMON_BY_PRODUCTS: tuple[tuple[str, str], ...] = (
    ("water", "O"), ("hydrogen chloride", "Cl"), ("hydrogen bromide", "Br"), ("hydrogen iodide", "I"),
    ("hydrogen fluoride", "F"), ("hydrogen", "[H][H]"), ("methanol", "CO"), ("ethanol", "CCO"),
    ("tert-butanol", "CC(C)(C)O"), ("acetic acid", "CC(=O)O"), ("carbon dioxide", "O=C=O"), ("nitrogen", "N#N"),
    ("ammonia", "N"), ("isobutene", "C=C(C)C"), ("toluene", "Cc1ccccc1"), ("benzyl alcohol", "OCc1ccccc1"),
    ("trifluoroacetic acid", "O=C(O)C(F)(F)F"), ("methanesulfonic acid", "CS(=O)(=O)O"),
    ("p-toluenesulfonic acid", "Cc1ccc(S(=O)(=O)O)cc1"), ("boric acid", "OB(O)O"), ("hydrogen sulfide", "S"),
    ("sulfur dioxide", "O=S=O"), ("N-hydroxysuccinimide", "O=C1CCC(=O)N1O"), ("imidazole", "c1c[nH]cn1"),
)


class Balance(BaseModel):
    """Products minus reactants, element by element, and what accounts for the difference."""

    from_nowhere: dict[str, int] = Field(default_factory=dict, description="elements the products use beyond the reactants")
    lost: dict[str, int] = Field(default_factory=dict, description="elements the reactants lose to by-products")
    by_products: list[str] | None = Field(default=None, description="named by-products that account for `lost`; None if none found")
    unused: list[str] = Field(default_factory=list, description="reactants that contribute no atom (spectators)")

    @property
    def explained(self) -> bool:
        return not self.from_nowhere and self.by_products is not None


def _key(counts: Counter[str]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted((+counts).items()))


@lru_cache(maxsize=1)
def _combinations() -> dict[tuple[tuple[str, int], ...], list[str]]:
    """Every mix of up to MAX_BY_PRODUCTS common by-products by its atom counts, the fewest kept."""
    table = [(name, Counter(element_counts([smiles]))) for name, smiles in COMMON_BY_PRODUCTS]
    found: dict[tuple[tuple[str, int], ...], list[str]] = {(): []}
    for size in range(1, MAX_BY_PRODUCTS + 1):
        for combo in combinations_with_replacement(range(len(table)), size):
            total: Counter[str] = Counter()
            for index in combo:
                total.update(table[index][1])
            found.setdefault(_key(total), [table[index][0] for index in combo])
    return found


def balance(reactants: list[str], products: list[str], named: list[str] | None = None) -> Balance:
    """How the products' atoms relate to the reactants' (SMILES lists; InvalidSmiles if one fails).

    `named`: by-products (SMILES) the claim itself gives; then they alone must account for the loss.
    Otherwise common by-products are searched, with any whole reactant allowed to be a spectator.
    """
    left = Counter(element_counts(reactants))
    right = Counter(element_counts(products + (named or [])))
    from_nowhere = {e: n - left[e] for e, n in right.items() if e != "H" and n > left[e]}
    lost = left - right
    result = Balance(from_nowhere=from_nowhere, lost=dict(sorted(lost.items())))
    if from_nowhere:
        return result
    if named:
        result.by_products = named if not +lost else None
        return result
    best: tuple[int, list[str], list[str]] | None = None
    for size in range(len(reactants)):
        for unused in combinations(reactants, size):
            rest = lost.copy()
            rest.subtract(Counter(element_counts(list(unused))))
            found = None if any(n < 0 for n in rest.values()) else _combinations().get(_key(rest))
            if found is not None and (best is None or size + len(found) < best[0]):
                best = (size + len(found), found, list(unused))
    if best is not None:
        result.by_products, result.unused = best[1], best[2]
    return result
