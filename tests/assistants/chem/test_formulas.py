"""One reading of a formula's element counts: a written charge is dropped whole, digits before a sign are counts."""

from __future__ import annotations

import pytest

from assistants.chem.formulas import element_counts, formula_counts, typed_formula_counts


@pytest.mark.parametrize(
    ("written", "counts"),
    [("C2H6O", {"C": 2, "H": 6, "O": 1}), ("NH4+", {"H": 4, "N": 1}), ("SO4-2", {"O": 4, "S": 1}),
     ("SO4--", {"O": 4, "S": 1}), ("Fe++", {"Fe": 1}), ("Fe+3", {"Fe": 1}), ("N3-", {"N": 3}),
     (" Ca(OH)2 ", {"Ca": 1, "H": 2, "O": 2}), ("xyz", None)],
)
def test_the_charge_is_dropped_whole(written: str, counts: dict[str, int] | None) -> None:
    assert formula_counts(written) == counts


def test_a_typed_ion_is_also_read_as_charged() -> None:
    assert typed_formula_counts("Fe3+") == [{"Fe": 3}, {"Fe": 1}]


def test_element_counts_add_up_one_side_of_a_reaction() -> None:
    assert element_counts(["CCO", "O"]) == {"C": 2, "H": 8, "O": 2}
