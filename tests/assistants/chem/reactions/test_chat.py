"""Reaction questions through the real chem pipeline, store, RDKit and template library; the model is
scripted so each path (tool answer, supported draft, unsupported draft, no template) is known."""

from __future__ import annotations

from assistants.chem.assistant import ChemAssistant
from assistants.chem.store import CompoundStore
from stages.backends.scripted import ScriptedBackend
from stages.messages import ask
from stages.pipeline import Pipeline
from stages.reply import Reply, Status


def run(text: str, store: CompoundStore, replies: list[str] | None = None) -> Reply:
    phrasing = "model" if replies is not None else "template"
    return Pipeline(ChemAssistant(phrasing=phrasing, store=store), ScriptedBackend(replies or ["(unused)"])).run(ask(text))


def test_reaction_smiles_gets_the_product_first_with_its_precedent(store: CompoundStore) -> None:
    reply = run("CC(=O)Cl.CCN>>", store)
    assert reply.status is Status.UNVERIFIED, reply.text  # a template's ranked guess, not a recorded reaction
    assert "Not checked by any tool: whether CCNC(C)=O is the main product: a template prediction" in reply.text
    assert reply.text.startswith("Product: CCNC(C)=O\nAnswer: The main product is CCNC(C)=O")
    assert "precedents, e.g. " in reply.text and "By-products: hydrogen chloride" in reply.text
    assert "do not predict" not in reply.text


def test_reactants_by_name_are_resolved_one_by_one(store: CompoundStore) -> None:
    reply = run("What is the product of acetyl chloride and ethylamine?", store)
    assert reply.text.startswith("Product: CCNC(C)=O"), reply.text
    assert reply.status in (Status.VERIFIED, Status.UNVERIFIED)
    assert "Rebuilt from tool facts" not in reply.text


def test_an_unknown_name_is_named_and_nothing_is_predicted(store: CompoundStore) -> None:
    reply = run("What is the product of flubbergaster and ethanol?", store)
    assert reply.status is Status.UNVERIFIED
    assert "'flubbergaster' is neither valid SMILES nor a known molecule name" in reply.text
    assert "Product:" not in reply.text


def test_how_to_make_gives_reactants_rechecked_forward(store: CompoundStore) -> None:
    reply = run("How can I make N-ethylacetamide?", store)
    assert reply.status is Status.UNVERIFIED, reply.text
    assert reply.text.startswith("Reactants: ") and "re-checked forward" in reply.text
    assert "a template prediction" in reply.text


def test_a_recorded_reaction_is_verified(store: CompoundStore) -> None:
    from assistants.chem.reactions.library import get_library

    library = get_library()
    reactants, product = library.precedent_text(5).split(">>")
    reply = run(f"{reactants}>>", store)
    assert reply.status is Status.VERIFIED, reply.text
    assert reply.text.startswith(f"Product: {product}")


def test_a_draft_with_the_supported_product_passes_its_checks_but_stays_a_prediction(store: CompoundStore) -> None:
    draft = "Product: CCNC(C)=O\nAnswer: N-ethylacetamide, CCNC(C)=O, with HCl released."
    reply = run("CC(=O)Cl.CCN>>", store, [draft])
    assert reply.status is Status.UNVERIFIED and reply.text.startswith(draft)
    checks = [c for r in reply.trace for c in r.checks]
    assert {"reaction_supported", "reaction_conservation"} <= {c.name for c in checks}
    assert all(c.passed for c in checks), [c.name for c in checks if not c.passed]


def test_a_draft_with_an_unsupported_product_is_corrected_never_verified(store: CompoundStore) -> None:
    bad = "Product: CCOC(C)=O\nAnswer: the product is CCOC(C)=O."
    reply = run("CC(=O)Cl.CCN>>", store, [bad, bad, bad])
    assert reply.status in (Status.CORRECTED, Status.UNVERIFIED)
    assert reply.status is not Status.VERIFIED
    assert "CCNC(C)=O" in reply.text
