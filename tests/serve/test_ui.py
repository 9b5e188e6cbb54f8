"""The UI's turn handler in-process: steps, badge, history, depictions, stop, JSONL export."""

from __future__ import annotations

import json
import threading
import time
from html import escape
from pathlib import Path
from typing import Any

import gradio as gr
import pytest

from serve.pipelines import Pipelines
from serve.ui import ChatTab, build_ui, conversation
from stages.backends.scripted import ScriptedBackend
from stages.config import BackendConfig, Settings
from stages.messages import Message


def tab(name: str, replies: list[str], token_delay_s: float = 0.0) -> tuple[ChatTab, ScriptedBackend]:
    backend = ScriptedBackend(replies, token_delay_s=token_delay_s)
    settings = Settings(backend=BackendConfig(kind="scripted"))
    return ChatTab(Pipelines(settings, names=[name], backend_factory=lambda _config: backend), name), backend


def turn(handler: ChatTab, text: str, turns: list[dict[str, Any]] | None = None, session: str = "s1",
         file_path: str | None = None) -> list[tuple[Any, ...]]:
    """Every update of one turn, with the chat copied as it was when yielded."""
    updates = handler.respond(text, file_path, [], turns or [], "configured", 0.0, 2, gr.Request(session_hash=session))
    return [(list(update[0]), *update[1:]) for update in updates]


def content(message: Any) -> Any:
    return message.content if isinstance(message, gr.ChatMessage) else message["content"]


def test_a_turn_shows_pending_then_done_steps_then_the_answer_and_badge() -> None:
    handler, _ = tab("general", ["Water is H2O."])
    updates = turn(handler, "What is water?")
    pending = [m for update in updates for m in update[0] if m.metadata.get("status") == "pending"]
    assert pending, "stages are shown while they run"
    history, turns, badge, box, download = updates[-1]
    steps = [m.metadata["title"] for m in history if m.metadata.get("title")]
    assert steps == ["detect", "reason", "verify"]
    assert all(m.metadata["status"] == "done" for m in history if m.metadata.get("title"))
    verify = next(m for m in history if m.metadata.get("title") == "verify")
    assert "✓ non_empty" in verify.content
    reason = next(m for m in history if m.metadata.get("title") == "reason")
    assert "draft: Water is H2O." in reason.content
    assert content(history[-1]).startswith("Water is H2O.") and history[-1].role == "assistant"
    assert "unverified" in badge and box == ""
    assert [t["role"] for t in turns] == ["user", "assistant"] and turns[1]["status"] == "unverified"
    lines = Path(download).read_text().splitlines()
    assert [json.loads(line)["role"] for line in lines] == ["user", "assistant"]
    assert json.loads(lines[1])["trace"][0]["stage"] == "detect"


def test_the_next_turn_sends_earlier_answers_but_not_failed_turns() -> None:
    turns = [
        {"role": "user", "content": "first"}, {"role": "assistant", "content": "one", "status": "verified"},
        {"role": "user", "content": " "}, {"role": "assistant", "content": "empty", "status": "error"},
    ]
    assert conversation(turns, "next") == [
        Message(role="user", content="first"), Message(role="assistant", content="one"),
        Message(role="user", content="next"),
    ]
    handler, backend = tab("general", ["Sure."])
    turn(handler, "next", turns)
    sent = backend.calls[0]
    assert [m.content for m in sent if m.role != "system"] == ["first", "one", "next"]


def test_an_empty_question_asks_for_one_without_running() -> None:
    handler, backend = tab("general", ["unused"])
    (history, turns, badge, _box, _download), = turn(handler, "   ")
    assert history == [] and turns == [] and "Type a question" in badge and backend.calls == []


def test_only_the_operators_named_backends_can_be_picked() -> None:
    settings = Settings(backend=BackendConfig(kind="scripted"),
                        serve={"backends": {"big": BackendConfig(kind="scripted", options={"replies": ["From big."]})}})
    handler = ChatTab(Pipelines(settings, names=["general"]), "general")
    request = gr.Request(session_hash="x")
    history, _turns, badge, *_ = list(handler.respond("hi", None, [], [], "http://127.0.0.1:9999/v1", 0.0, 2, request))[-1]
    assert "unknown backend" in content(history[-1]) and "named backends: big" in content(history[-1])
    assert "error" in badge
    history, turns, badge, *_ = list(handler.respond("hi", None, [], [], "big", 0.0, 2, request))[-1]
    assert content(history[-1]).startswith("From big.") and turns[1]["status"] == "unverified"


def test_a_backend_that_cannot_start_reveals_no_host_or_path() -> None:
    settings = Settings(backend=BackendConfig(kind="openai", base_url="http://10.9.8.7:1234/v1", model="m"))
    handler = ChatTab(Pipelines(settings, names=["general"], backend_factory=_unreachable), "general")
    history, _turns, badge, *_ = list(handler.respond("hi", None, [], [], "configured", 0.0, 2,
                                                     gr.Request(session_hash="x")))[-1]
    assert "backend is unavailable" in content(history[-1]) and "10.9.8.7" not in content(history[-1])
    assert "1234" not in badge


def _unreachable(config: BackendConfig) -> ScriptedBackend:
    raise ConnectionError(f"cannot reach {config.base_url}: Connection refused")


def test_budgets_above_the_servers_caps_are_refused() -> None:
    handler, backend = tab("general", ["unused"])
    updates = list(handler.respond("hi", None, [], [], "configured", 0.0, 50, gr.Request(session_hash="x")))
    history, *_ = updates[-1]
    assert "max_repairs is 50; this server allows at most 3" in content(history[-1]) and backend.calls == []


def test_stop_cancels_the_running_turn() -> None:
    handler, _ = tab("general", [" ".join(["word"] * 400)], token_delay_s=0.01)
    results: list[tuple[Any, ...]] = []
    worker = threading.Thread(target=lambda: results.extend(turn(handler, "talk", session="stopper")))
    worker.start()
    time.sleep(0.5)
    assert "stopping" in handler.stop(gr.Request(session_hash="stopper"))
    worker.join(timeout=3)
    assert not worker.is_alive(), "the run ended soon after stop, not after 4 s of tokens"
    _history, turns, badge, _box, _download = results[-1]
    assert turns[1]["status"] == "error" and turns[1]["error_type"] == "cancelled"
    assert "error" in badge
    assert "nothing to stop" in handler.stop(gr.Request(session_hash="stopper"))


def test_an_uploaded_file_travels_as_a_path_attachment_and_the_export_hides_the_path(tmp_path: Path) -> None:
    data = tmp_path / "bars.csv"
    data.write_text("date,close\n2024-01-02,1\n")
    handler, backend = tab("general", ["Noted."])
    handler.uploads = lambda: {str(data)}
    _history, turns, _badge, _box, download = turn(handler, "look at this", file_path=str(data))[-1]
    assert turns[0]["attachments"] == [
        {"kind": "path", "name": "bars.csv", "text": None, "ticker": None, "start": None, "end": None, "interval": "1d"}
    ]
    assert str(tmp_path) not in Path(download).read_text()


def test_a_file_the_upload_route_did_not_receive_is_refused(tmp_path: Path) -> None:
    handler, backend = tab("general", ["unused"])
    history, turns, badge, *_ = turn(handler, "look at this", file_path="/etc/hostname")[-1]
    assert "must be uploaded" in content(history[-1]) and "error" in badge
    assert backend.calls == [] and turns == []


def test_exports_go_to_a_folder_per_user() -> None:
    handler, _ = tab("general", ["One.", "Two."])
    first = list(handler.respond("q", None, [], [], "configured", 0.0, 2, gr.Request(username="ann", session_hash="a")))
    second = list(handler.respond("q", None, [], [], "configured", 0.0, 2, gr.Request(username="bob", session_hash="b")))
    ann, bob = Path(first[-1][4]), Path(second[-1][4])
    assert ann.parent.parent != bob.parent.parent and ann.parent.parent.parent == bob.parent.parent.parent
    assert "ann" not in str(ann) and "bob" not in str(bob)


def test_chem_answers_show_the_molecule_depiction() -> None:
    handler, _ = tab("chem", ["Formula: C9H8O4\nMolecular weight: 180.16 g/mol\nAnswer: Aspirin is 180.16 g/mol."])
    history, _turns, badge, *_ = turn(handler, "What is the molecular weight of aspirin?")[-1]
    depictions = [content(m) for m in history if isinstance(content(m), gr.HTML)]
    assert depictions and "<svg" in depictions[0].value and "aspirin" in depictions[0].value
    assert "180" in content(next(m for m in reversed(history) if isinstance(content(m), str) and m.role == "assistant"
                                 and not m.metadata.get("title")))


@pytest.mark.slow
def test_reaction_answers_draw_the_top_candidate_and_its_precedent() -> None:
    handler, _ = tab("chem", ["Product: CCNC(C)=O\nAnswer: The acyl chloride acylates the amine to give CCNC(C)=O."])
    history, turns, badge, *_ = turn(handler, "What is the main product of CC(=O)Cl.CCN>>?")[-1]
    drawings = [content(m).value for m in history if isinstance(content(m), gr.HTML) and "tristage-reactions" in content(m).value]
    assert len(drawings) == 1
    prediction = turns[1]["result"]["facts"]["prediction"]
    assert drawings[0].count("<svg") == 2  # the top candidate's reaction and its precedent's
    drawn = f"{'.'.join(prediction['query'])}>{'.'.join(prediction['reagents'])}>{prediction['top']}"
    assert sorted(prediction["query"]) == ["CC(=O)Cl", "CCN"] and escape(drawn) in drawings[0]
    assert f"precedent {prediction['precedent_id']}" in drawings[0] and escape(prediction["precedent"]) in drawings[0]


def test_replies_without_a_reaction_draw_none() -> None:
    handler, _ = tab("chem", ["Formula: C9H8O4\nMolecular weight: 180.16 g/mol\nAnswer: Aspirin is 180.16 g/mol."])
    history, *_ = turn(handler, "What is the molecular weight of aspirin?")[-1]
    assert not any(isinstance(content(m), gr.HTML) and "tristage-reactions" in content(m).value for m in history)


def test_the_ui_has_a_tab_and_named_endpoints_per_assistant() -> None:
    settings = Settings(backend=BackendConfig(kind="scripted"))
    blocks = build_ui(Pipelines(settings, names=["general"]), settings)
    names = {fn.api_name for fn in blocks.fns.values()}
    assert {"general_chat", "general_stop"} <= names


def test_breakout_answers_show_the_chart() -> None:
    handler, _ = tab("breakout", ["Direction: up\nAnswer: yes"])
    history, _turns, badge, *_ = turn(handler, "Is AAPL breaking out of its trading range? Use the bundled sample.")[-1]
    charts = [content(m) for m in history if isinstance(content(m), gr.Plot)]
    assert len(charts) == 1 and charts[0].value is not None
    assert "error" not in badge
