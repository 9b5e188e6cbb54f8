"""Retrieval inside a pipeline run: passages in the prompt and the trace, citations checked and
repaired, switched off per request, and a Chroma server that is down costs nothing but the passages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistants.general.assistant import GeneralAssistant
from assistants.knowledge.bases import build_docs
from assistants.knowledge.chroma import KnowledgeBase, KnowledgeConfig, MultiRetriever
from stages.backends.scripted import ScriptedBackend
from stages.messages import Message, RunOptions, ask
from stages.pipeline import Pipeline
from stages.reply import CheckResult, Reply, Status
from stages.retrieval import FIELD, Retrieval, Retriever, citations_retrieved, gather, with_passages
from stages.stage import Draft, RunContext

STORAGE = "# Storage\n\nStore sodium metal under mineral oil, away from water.\n\n# Disposal\n\nQuench small amounts of sodium with isopropanol before disposal.\n"


class RagAssistant(GeneralAssistant):
    """The general assistant with the retrieval wiring every domain assistant uses."""

    def __init__(self, retriever: Retriever, k: int = 2) -> None:
        self.retriever = retriever
        self.k = k

    def reason(self, ctx: RunContext) -> Draft:
        retrieval = gather(self.retriever, ctx.request.last_user_text, self.k, ctx.request.options.retrieval)
        completion = ctx.call_model(with_passages(self.prompt(ctx), retrieval), self.params)
        fields = {"finish_reason": completion.finish_reason, FIELD: retrieval.model_dump(mode="json")}
        return Draft(raw=completion.text.strip(), fields=fields)

    def verify(self, draft: Draft, ctx: RunContext) -> list[CheckResult]:
        return [*super().verify(draft, ctx), citations_retrieved(draft.raw, Retrieval.of(draft).passages)]


def _cite_first_passage(messages: list[Message]) -> str:
    found = re.search(r"^\[(doc:[^\]]+)\]", messages[-1].content, re.MULTILINE)
    return f"Quench it with isopropanol [{found.group(1)}]." if found else "Quench it with isopropanol."


def _reason_record(reply: Reply, attempt: int = 0) -> dict:
    return next(r for r in reply.trace if r.stage == "reason" and r.attempt == attempt).data["fields"][FIELD]


@pytest.fixture
def docs(make_kb, tmp_path: Path) -> KnowledgeBase:
    base = make_kb("testdocs")
    (tmp_path / "storage.md").write_text(STORAGE)
    build_docs(base, tmp_path / "storage.md")
    return base


@pytest.mark.slow
def test_a_cited_passage_verifies_and_the_trace_shows_what_was_retrieved(docs: KnowledgeBase) -> None:
    backend = ScriptedBackend(_cite_first_passage)
    reply = Pipeline(RagAssistant(docs), backend).run(ask("How do I dispose of sodium?"))
    assert reply.status is Status.UNVERIFIED and "citations_retrieved" not in reply.reason, reply.reason
    shown = _reason_record(reply)["passages"]
    assert shown[0]["text"].startswith("Disposal\n") and shown[0]["source"].endswith("storage.md")
    assert f"[{shown[0]['id']}]" in reply.text
    assert "Retrieved passages" in backend.calls[0][-1].content


@pytest.mark.slow
def test_an_invented_citation_is_repaired_with_the_allowed_ids(docs: KnowledgeBase) -> None:
    backend = ScriptedBackend(["Use water [doc:made-up-00000000:0].", "Quench it with isopropanol."])
    reply = Pipeline(RagAssistant(docs), backend).run(ask("How do I dispose of sodium?"))
    assert reply.status is Status.UNVERIFIED and reply.text.startswith("Quench it with isopropanol.\n\nNot checked")
    feedback = backend.calls[1][0].content  # repair notes: system message
    assert "[doc:made-up-00000000:0], which is not a retrieved passage" in feedback
    assert _reason_record(reply, 0)["passages"][0]["id"] in feedback


@pytest.mark.slow
def test_retrieval_switched_off_leaves_the_prompt_alone(docs: KnowledgeBase) -> None:
    backend = ScriptedBackend(["Quench it with isopropanol."])
    reply = Pipeline(RagAssistant(docs), backend).run(ask("How do I dispose of sodium?", options=RunOptions(retrieval=False)))
    assert reply.status is Status.UNVERIFIED  # general chat: no tool checks it
    assert "Retrieved passages" not in backend.calls[0][-1].content
    assert _reason_record(reply) == {"passages": [], "note": "retrieval is off for this request"}


def test_a_server_that_is_down_leaves_the_answer_to_the_tools(dead_server_url: str, tmp_path: Path) -> None:
    config = KnowledgeConfig(url=dead_server_url, path=tmp_path)
    backend = ScriptedBackend(["Quench it with isopropanol."])
    reply = Pipeline(RagAssistant(KnowledgeBase("docs", config)), backend).run(ask("How do I dispose of sodium?"))
    assert reply.status is Status.UNVERIFIED and reply.text.startswith("Quench it with isopropanol.\n\nNot checked")
    note = _reason_record(reply)["note"]
    assert note.startswith(f"Chroma server {config.url}: ") and "failed" in note
    assert "Retrieved passages" not in backend.calls[0][-1].content


def test_a_malformed_server_url_is_said_plainly(tmp_path: Path) -> None:
    config = KnowledgeConfig(url="localhost:8000", path=tmp_path)
    got = gather(KnowledgeBase("docs", config), "q", 2)
    assert got.passages == [] and "the Chroma URL must look like http://host:port" in got.note


def test_with_no_store_built_the_assistant_answers_without_creating_one(tmp_path: Path) -> None:
    config = KnowledgeConfig(path=tmp_path / "chroma")
    backend = ScriptedBackend(["Quench it with isopropanol."])
    reply = Pipeline(RagAssistant(MultiRetriever([KnowledgeBase("docs", config)])), backend).run(ask("Sodium?"))
    assert reply.status is Status.UNVERIFIED  # general chat: no tool checks it
    assert "run `tristage kb build docs`" in _reason_record(reply)["note"]
    assert not config.path.exists()
