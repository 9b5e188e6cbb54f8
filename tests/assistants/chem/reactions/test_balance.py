"""Element balance of reaction claims: atoms from nowhere, and the by-products that explain a loss."""

from __future__ import annotations

from assistants.chem.reactions.balance import balance


def test_an_esterification_releases_water() -> None:
    result = balance(["CC(=O)O", "OCC"], ["CC(=O)OCC"])
    assert result.explained and result.by_products == ["water"]


def test_a_base_that_contributes_nothing_is_a_spectator() -> None:
    result = balance(["CC(=O)Cl", "NCC", "CCN(CC)CC"], ["CC(=O)NCC"])
    assert result.by_products == ["hydrogen chloride"] and result.unused == ["CCN(CC)CC"]


def test_atoms_from_nowhere_are_named() -> None:
    result = balance(["CC(=O)Cl"], ["CC(=O)NCC"])
    assert result.from_nowhere == {"C": 2, "N": 1} and not result.explained


def test_named_by_products_must_account_for_the_loss() -> None:
    assert balance(["CC(=O)Cl", "NCC"], ["CC(=O)NCC"], named=["Cl"]).explained
    assert not balance(["CC(=O)Cl", "NCC"], ["CC(=O)NCC"], named=["O"]).explained
