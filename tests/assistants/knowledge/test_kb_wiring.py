"""Retrieval in the chem and breakout assistants: passages in the prompt, citations checked,
retrieval off per request, and no knowledge base (or a dead server) leaves the tools in charge."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from assistants.chem.assistant import ChemAssistant
from assistants.chem.store import get_store
from assistants.knowledge.cases import case_passages
from assistants.knowledge.chem import compound_passages
from assistants.knowledge.chroma import KnowledgeBase, KnowledgeConfig, MultiRetriever
from assistants.market.assistant import BreakoutAssistant
from assistants.market.samples import sample_ohlcv
from stages.backends.scripted import ScriptedBackend
from stages.messages import Message, RunOptions, ask
from stages.pipeline import Pipeline
from stages.reply import Reply, Status
from stages.retrieval import FIELD

ETHANOL = "SMILES: CCO\nName: ethanol\nFormula: C2H6O\nAnswer: Ethanol is CCO."
AAPL = "Was the last breakout of AAPL from 2010-01-04 to 2010-06-30 real?"


def _retrieved(reply: Reply) -> dict:
    return next(r for r in reply.trace if r.stage == "reason").data["fields"][FIELD]


def _chem(retriever: MultiRetriever, script: list[str], **options: object) -> tuple[Reply, ScriptedBackend]:
    backend = ScriptedBackend(script)
    request = ask("What is the SMILES of grain alcohol?", options=RunOptions(**options)) if options else ask(
        "What is the SMILES of grain alcohol?")
    return Pipeline(ChemAssistant(phrasing="model", store=get_store(), retriever=retriever), backend).run(request), backend


@pytest.fixture
def chem_kb(make_kb) -> MultiRetriever:
    store = get_store()
    compounds = [c for c in (store.by_name(n) for n in ("ethanol", "methanol", "propan-1-ol")) if c is not None]
    base = make_kb("testchemwire")
    base.build(compound_passages(store, compounds))
    return MultiRetriever([base])


@pytest.mark.slow
def test_chem_cites_a_retrieved_record_and_is_verified(chem_kb: MultiRetriever) -> None:
    reply, backend = _chem(chem_kb, [ETHANOL.replace("CCO.", "CCO [chem:64-17-5].")])
    assert reply.status is Status.VERIFIED, reply.reason
    assert "[chem:64-17-5]" in backend.calls[0][-1].content
    assert "chem:64-17-5" in [p["id"] for p in _retrieved(reply)["passages"]]


@pytest.mark.slow
def test_chem_invented_citation_is_repaired(chem_kb: MultiRetriever) -> None:
    reply, backend = _chem(chem_kb, [ETHANOL.replace("CCO.", "CCO [chem:7732-18-5]."), ETHANOL])
    assert reply.status is Status.VERIFIED and len(backend.calls) == 2
    assert "[chem:7732-18-5], which is not a retrieved passage" in backend.calls[1][0].content  # repair notes: system message


@pytest.mark.slow
def test_chem_retrieval_off_per_request(chem_kb: MultiRetriever) -> None:
    reply, backend = _chem(chem_kb, [ETHANOL], retrieval=False)
    assert reply.status is Status.VERIFIED
    assert "Retrieved passages" not in backend.calls[0][-1].content
    assert _retrieved(reply)["note"] == "retrieval is off for this request"


def test_chem_with_a_dead_server_answers_from_the_tools(dead_server_url: str, tmp_path: Path) -> None:
    down = MultiRetriever([KnowledgeBase("chem", KnowledgeConfig(url=dead_server_url, path=tmp_path))])
    reply, backend = _chem(down, [ETHANOL])
    assert reply.status is Status.VERIFIED
    assert "Could not connect" in _retrieved(reply)["note"]
    assert "Retrieved passages" not in backend.calls[0][-1].content


def _cite_first_case(messages: list[Message]) -> str:
    if "Retrieved passages" not in messages[-1].content:
        return "x"
    found = re.search(r"^\[(case:[^\]]+)\]", messages[-1].content, re.MULTILINE)
    assert found is not None
    return f"Like [{found.group(1)}]. Answer: {{verdict}} breakout"


@pytest.mark.slow
def test_breakout_shows_similar_cases_to_the_last_stage(make_kb) -> None:
    library = make_kb("testcaseswire")
    library.build([p for p in case_passages({"bokeh/IBM": sample_ohlcv("bokeh/IBM")}) if p.metadata["direction"] == "upward"][:30])
    assistant = BreakoutAssistant(cases=library)
    probe = Pipeline(assistant, ScriptedBackend(["x"])).run(ask(AAPL, options=RunOptions(max_model_calls=3)))
    facts = probe.result["facts"]
    verdict = "true" if facts.get("call", facts["evidence_true"]) else "false"
    level = f"{facts['level']:.2f}"
    script = [f"Answer: upward, {level}, 2010-06-16", f"Answer: {facts['confirmations']} of 3 confirm"]
    backend = ScriptedBackend(lambda m: script[len(backend.calls) - 1] if len(backend.calls) <= 2
                              else _cite_first_case(m).format(verdict=verdict))
    reply = Pipeline(assistant, backend).run(ask(AAPL, options=RunOptions(max_model_calls=3)))
    # what is tested here is that the cases reach the last stage; the call itself is the calibrated model's
    assert reply.status is not Status.ERROR, reply.reason
    assert "Retrieved passages" in backend.calls[2][-1].content
    assert "Retrieved passages" not in backend.calls[0][-1].content
    shown = _retrieved(reply)["passages"]
    assert shown and all(p["id"].startswith("case:bokeh-IBM:") for p in shown)


@pytest.mark.slow
def test_a_breakout_is_shown_only_cases_decided_before_its_bar(make_kb) -> None:
    bars = sample_ohlcv("bokeh/IBM")
    library = make_kb("testcasestime")
    cases = case_passages({"bokeh/IBM": bars})
    library.build(cases)
    event = next(p for p in cases if p.metadata["date"].startswith("2006"))
    asked = f"Was the bar on {event.metadata['date']} of IBM from 2005-06-01 to 2007-12-31 a breakout?"
    reply = Pipeline(BreakoutAssistant(cases=library), ScriptedBackend(["x"])).run(ask(asked))
    assert reply.result["facts"]["date"] == event.metadata["date"]
    shown = _retrieved(reply)["passages"]
    assert shown and all(p["metadata"]["decided_s"] < pd.Timestamp(event.metadata["date"]).timestamp() for p in shown)
    assert event.id not in {p["id"] for p in shown}


def test_breakout_without_a_case_library_is_unchanged(tmp_path: Path) -> None:
    assistant = BreakoutAssistant(cases=KnowledgeBase("breakout", KnowledgeConfig(path=tmp_path / "none")))
    backend = ScriptedBackend(["x"])
    reply = Pipeline(assistant, backend).run(ask(AAPL, options=RunOptions(max_model_calls=3)))
    assert "run `tristage kb build breakout`" in _retrieved(reply)["note"]
    assert backend.calls and all("Retrieved passages" not in call[-1].content for call in backend.calls)
