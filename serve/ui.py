"""The Gradio chat UI: a tab per assistant, every stage shown as a collapsible step.

Each turn streams `Pipeline.stream` events into the chat: a step per stage (pending while it
runs, its summary and checks when done), the draft tokens inside the reason step, then the answer
with a status badge, reaction and molecule depictions (chem) or the breakout chart. The stop button sets the
run's cancel event, so the backend stops between tokens and the turn ends as `cancelled`.
Users pick neither backend kind, model nor URL: only one of the operator's named backends, when
there are any. A data file is accepted only when Gradio's upload route received it; exports go
to a folder per user; runs take their slot at the gate the API uses.
This module is imported only when the UI is mounted, so gradio stays out of API-only processes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
from collections.abc import Callable, Iterator
from html import escape
from pathlib import Path
from typing import Any

import gradio as gr

from serve.errors import public_error, public_model, redact
from serve.limits import capped_options
from serve.pipelines import Pipelines
from serve.runner import Busy, Gate
from stages.atomic import write_lines
from stages.config import Settings
from stages.events import Final, StageFinished, StageStarted, Token
from stages.messages import Attachment, Message, Request
from stages.pipeline import one_line
from stages.reply import Reply, StageRecord, Status

log = logging.getLogger("tristage.serve")

EXAMPLES: dict[str, list[str]] = {
    "general": ["Explain in two sentences what a catalyst does.", "What are the three stages of a tristage answer?"],
    "chem": [
        "What is the molecular weight of aspirin?",
        "Give the SMILES and molecular formula of caffeine.",
        "Is CC(=O)Oc1ccccc1C(=O)O a valid SMILES? What is it?",
        "What is the main product of CC(=O)Cl.CCN>>?",
    ],
    "breakout": [
        "Is AAPL breaking out of its trading range? Use the bundled sample.",
        "Check MSFT (bundled sample) for a breakout and say how strong the buyers are.",
    ],
}

BADGE_COLOURS = {
    Status.VERIFIED: "#15803d",
    Status.CORRECTED: "#b45309",
    Status.UNVERIFIED: "#b45309",
    Status.REFUSED: "#7e22ce",
    Status.ERROR: "#b91c1c",
}
CONFIGURED = "configured"
EXPORTS = Path(tempfile.gettempdir()) / "tristage-exports"

# Runs in progress by (browser session, assistant), so the stop button can reach them.
_running: dict[tuple[str, str], threading.Event] = {}


def badge(status: Status | None, reason: str = "", note: str = "") -> str:
    if status is None:
        return f"<span class='tristage-badge'>{escape(note)}</span>" if note else ""
    colour = BADGE_COLOURS[status]
    detail = f" — {escape(reason)}" if reason else ""
    return (
        f"<span class='tristage-badge' style='background:{colour};color:white;padding:2px 10px;"
        f"border-radius:10px;font-weight:600'>{status.value}</span><span>{detail}</span>"
    )


def step_title(stage: str, attempt: int) -> str:
    return stage if attempt == 0 else f"{stage} (repair {attempt})"


def step_body(record: StageRecord, draft: str) -> str:
    """What an expanded step shows: summary, checks, draft, model calls."""
    lines = [public_error(record.summary) if record.error else record.summary]
    lines += [f"{'✓' if c.passed else '✗'} {c.name}" + (f": {c.message}" if c.message else "") for c in record.checks]
    if draft:
        lines.append(f"draft: {draft}")
    for call in record.model_calls:
        lines.append(f"model {call.backend}:{public_model(call.model)}, {call.completion_tokens} tokens, "
                     f"{call.latency_s:.1f} s")
    return "\n\n".join(line for line in lines if line)


class NotUploaded(ValueError):
    """A file path that Gradio's upload route did not receive."""


def attachments_from(file_path: str | None, uploads: set[str]) -> list[Attachment]:
    """An uploaded file travels as a path (it is on this server already: CSV, parquet, footprint),
    but only a path Gradio's upload route wrote: any other server file is refused."""
    if not file_path:
        return []
    path = Path(os.path.realpath(file_path))
    if str(path) not in {os.path.realpath(u) for u in uploads} or not path.is_file():
        raise NotUploaded("The data file must be uploaded with the file box; other server paths are not read.")
    return [Attachment(kind="path", name=path.name, path=str(path))]


def blocked_paths(settings: Settings) -> list[str]:
    """Folders the UI must never serve: tristage's cache (models, market data) and system folders,
    less any that hold Gradio's upload folder or the temp folder exports go to."""
    from gradio.utils import get_upload_folder

    needed = [Path(get_upload_folder()).resolve(), EXPORTS.resolve()]
    folders = [settings.cache_dir, Path.home(), Path("/etc"), Path("/proc"), Path("/sys"), Path("/root"), Path("/var")]
    return [str(f.resolve()) for f in folders if not any(n.is_relative_to(f.resolve()) for n in needed)]


def conversation(turns: list[dict[str, Any]], text: str) -> list[Message]:
    """Earlier answered turns (question and answer, not the steps, not failed turns), then the new question."""
    messages: list[Message] = []
    for question, answer in zip(turns[::2], turns[1::2], strict=True):
        if answer.get("status") != "error":
            messages += [Message(role="user", content=question["content"]),
                         Message(role="assistant", content=answer["content"])]
    return [*messages, Message(role="user", content=text)]


def reaction_figures(prediction: dict[str, Any]) -> list[tuple[str, str]]:
    """(reaction SMILES, caption) of a reaction answer: the top candidate, then its precedent."""
    if prediction.get("problem") or not prediction.get("top"):
        return []
    query, top = ".".join(prediction.get("query") or []), str(prediction["top"])
    agents = ".".join(prediction.get("reagents") or [])
    forward = prediction.get("direction") == "forward"
    drawn = f"{query}>{agents}>{top}" if forward else f"{top}>>{query}"
    figures = [(drawn, f"top candidate (score {float(prediction.get('score', 0)):.2f}, "
                       f"{prediction.get('confidence', 'low')} confidence)")]
    if prediction.get("precedent"):
        figures.append((str(prediction["precedent"]), f"precedent {prediction.get('precedent_id', '')} "
                                                      f"(similarity {float(prediction.get('precedent_similarity', 0)):.2f})"))
    return figures


def extras(reply: Reply) -> list[Any]:
    """Reaction and molecule depictions (chem) and the breakout chart, as chat content; a failure costs nothing."""
    shown: list[Any] = []
    prediction = (reply.result.get("facts") or {}).get("prediction") or {}
    figures = reaction_figures(prediction) if reply.status is not Status.ERROR else []
    if figures:
        try:
            from assistants.chem.depict import reaction_svg

            cards = "".join(f"<figure class='tristage-reaction' style='margin:4px'>{reaction_svg(smiles)}"
                            f"<figcaption>{escape(caption)}: {escape(smiles)}</figcaption></figure>"
                            for smiles, caption in figures)
            shown.append(gr.HTML(f"<div class='tristage-reactions'>{cards}</div>"))
        except Exception as exc:
            log.warning("could not depict the reaction: %s", one_line(exc))
    molecules = reply.result.get("molecules") or []
    if molecules:
        try:
            from assistants.chem.depict import to_svg

            cards = "".join(
                f"<figure class='tristage-molecule' style='display:inline-block;margin:4px'>{to_svg(m['smiles'])}"
                f"<figcaption>{escape(str(m.get('common_name') or m.get('name') or m['smiles']))}</figcaption></figure>"
                for m in molecules
                if m.get("smiles")
            )
            shown.append(gr.HTML(f"<div class='tristage-molecules'>{cards}</div>"))
        except Exception as exc:
            log.warning("could not depict molecules: %s", one_line(exc))
    if reply.assistant == "breakout" and reply.status is not Status.ERROR:
        try:
            from assistants.market.chart import plotly_figure

            shown.append(gr.Plot(plotly_figure(reply.result)))
        except Exception as exc:
            log.warning("could not draw the breakout chart: %s", one_line(exc))
    return shown


def user_folder(user: str) -> Path:
    """The export folder of one UI user (named by a hash: user names never become paths)."""
    folder = EXPORTS / hashlib.sha256(user.encode()).hexdigest()[:16]
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def write_jsonl(turns: list[dict[str, Any]], name: str, user: str) -> str | None:
    """The conversation as JSONL in a fresh file of the user's folder (written, then renamed into place)."""
    if not turns:
        return None
    folder = Path(tempfile.mkdtemp(prefix="chat-", dir=user_folder(user)))
    final = folder / f"tristage-{name}-conversation.jsonl"
    write_lines(final, (json.dumps(turn, ensure_ascii=False) for turn in turns))
    return str(final)


class ChatTab:
    """One assistant's chat: its turn handler and stop handler."""

    def __init__(self, pipelines: Pipelines, name: str, gate: Gate | None = None) -> None:
        self.pipelines = pipelines
        self.name = name
        settings = pipelines.settings.serve
        self.gate = gate or Gate(settings.max_concurrency, settings.max_queue)
        self.limits = settings.limits
        self.uploads: Callable[[], set[str]] = set

    def respond(
        self,
        text: str,
        file_path: str | None,
        history: list[Any],
        turns: list[dict[str, Any]],
        backend: str | None,
        temperature: float,
        max_repairs: int,
        request: gr.Request,
    ) -> Iterator[tuple[Any, ...]]:
        """Stream one turn; yields (chat, turns, badge, input box, download file)."""
        history = list(history or [])
        turns = list(turns or [])
        text = (text or "").strip()
        if not text:
            yield history, turns, badge(None, note="Type a question first."), "", gr.skip()
            return
        history.append(gr.ChatMessage(role="user", content=text))
        user = request.username or request.session_hash or ""
        try:
            engine_request = self._request(text, file_path, turns, temperature, max_repairs, f"ui:{user}")
            pipeline = self.pipelines.get(self.name, self.pipelines.backend_config(
                self.name, None if backend in (None, "", CONFIGURED) else backend))
        except (ValueError, LookupError) as exc:
            yield self._failed(history, turns, one_line(exc))
            return
        except Exception as exc:  # the backend could not be built: the detail names hosts or paths
            log.warning("the %s backend could not be built: %s", self.name, one_line(exc))
            yield self._failed(history, turns, "Could not start: the model backend is unavailable (see the server log).")
            return
        key = (request.session_hash or "", self.name)
        assert engine_request.cancel is not None
        _running[key] = engine_request.cancel
        reply: Reply | None = None
        try:
            with self.gate.slot():
                for update in self._stream(pipeline, engine_request, history):
                    if isinstance(update, Reply):
                        reply = update
                    else:
                        yield update, turns, badge(None, note="running…"), "", gr.skip()
        except Busy as exc:
            yield self._failed(history, turns, f"Too many requests: {exc}.")
            return
        finally:
            _running.pop(key, None)
        assert reply is not None
        reply = redact(reply, engine_request.request_id)
        history.append(gr.ChatMessage(role="assistant", content=reply.text))
        history += [gr.ChatMessage(role="assistant", content=item) for item in extras(reply)]
        attached = [a.model_dump(mode="json", exclude={"path"}) for a in engine_request.attachments]
        turns += [
            {"role": "user", "content": text, "attachments": attached},
            {"role": "assistant", "content": reply.text, **{k: v for k, v in reply.public().items() if k != "answer"}},
        ]
        yield history, turns, badge(reply.status, reply.reason), "", write_jsonl(turns, self.name, user)

    def _request(self, text: str, file_path: str | None, turns: list[dict[str, Any]], temperature: float,
                 max_repairs: int, client: str) -> Request:
        """The engine request of one turn, within the server's caps (ValueError says which)."""
        messages = conversation(turns, text)
        if len(messages) > self.limits.max_messages:
            raise ValueError(f"The conversation is over {self.limits.max_messages} messages; press Clear to start anew.")
        return Request(
            messages=messages,
            attachments=attachments_from(file_path, self.uploads()),
            options=capped_options({"temperature": temperature, "max_repairs": int(max_repairs)}, self.limits),
            cancel=threading.Event(),
            client=client,
        )

    @staticmethod
    def _failed(history: list[Any], turns: list[dict[str, Any]], message: str) -> tuple[Any, ...]:
        history.append(gr.ChatMessage(role="assistant", content=message))
        return history, turns, badge(Status.ERROR, message), "", gr.skip()

    @staticmethod
    def _stream(pipeline: Any, engine_request: Request, history: list[Any]) -> Iterator[list[Any] | Reply]:
        """The chat after each stage event (steps pending, then done), and last the reply."""
        steps: dict[tuple[str, int], int] = {}
        draft = ""
        for event in pipeline.stream(engine_request):
            if isinstance(event, StageStarted):
                title = step_title(event.stage, event.attempt)
                steps[(event.stage, event.attempt)] = len(history)
                history.append(gr.ChatMessage(content="…", metadata={"title": title, "status": "pending"}))
                draft = ""
            elif isinstance(event, Token):
                draft += event.text
                index = steps.get(("reason", event.attempt))
                if index is not None:
                    history[index] = gr.ChatMessage(
                        content=draft, metadata={"title": step_title("reason", event.attempt), "status": "pending"}
                    )
            elif isinstance(event, StageFinished):
                record = event.record
                index = steps.get((record.stage, record.attempt), len(history) - 1)
                history[index] = gr.ChatMessage(
                    content=step_body(record, draft if record.stage == "reason" else ""),
                    metadata={
                        "title": step_title(record.stage, record.attempt),
                        "status": "done",
                        "duration": round(record.duration_ms / 1000, 2),
                    },
                )
            elif isinstance(event, Final):
                yield event.reply
                continue
            else:
                continue
            yield history

    def stop(self, request: gr.Request) -> str:
        cancel = _running.get((request.session_hash or "", self.name))
        if cancel is None:
            return badge(None, note="nothing to stop")
        cancel.set()
        return badge(None, note="stopping…")


def build_tab(pipelines: Pipelines, settings: Settings, name: str, description: str, handler: ChatTab) -> None:
    """The components and events of one assistant's tab (inside an open `gr.Tab`)."""
    limits = settings.serve.limits
    gr.Markdown(description)
    status = gr.HTML(elem_id=f"{name}-status")
    chat = gr.Chatbot(label=name, height=560, elem_id=f"{name}-chat", buttons=["copy", "copy_all"],
                      group_consecutive_messages=False, feedback_options=None)
    turns = gr.State([])
    with gr.Row():
        box = gr.Textbox(placeholder="Ask a question…", show_label=False, scale=6, elem_id=f"{name}-input",
                         lines=2, max_lines=12)
        data = gr.File(label="data (CSV / footprint)", file_types=[".csv", ".tsv", ".txt", ".parquet", ".json"],
                       type="filepath", scale=2, height=90)
    with gr.Row():
        send = gr.Button("Send", variant="primary", elem_id=f"{name}-send")
        stop = gr.Button("Stop", variant="stop", elem_id=f"{name}-stop")
        clear = gr.Button("Clear", elem_id=f"{name}-clear")
        download = gr.DownloadButton("Download JSONL", value=None, elem_id=f"{name}-download")
    gr.Examples(EXAMPLES.get(name, []), inputs=[box], label="Examples (work offline)")
    with gr.Accordion("Settings", open=False):
        named = pipelines.backend_names()
        backend: Any = (gr.Dropdown([CONFIGURED, *named], value=CONFIGURED, label="backend")
                        if named else gr.State(CONFIGURED))
        temperature = gr.Slider(0.0, 2.0, value=pipelines.assistant(name).params.temperature, step=0.05,
                                label="temperature")
        repairs = gr.Slider(0, limits.max_repairs, value=min(2, limits.max_repairs), step=1, label="repair attempts")
    inputs = [box, data, chat, turns, backend, temperature, repairs]
    outputs = [chat, turns, status, box, download]
    send.click(handler.respond, inputs, outputs, api_name=f"{name}_chat")
    box.submit(handler.respond, inputs, outputs, api_name=False)
    stop.click(handler.stop, None, status, api_name=f"{name}_stop", queue=False)
    clear.click(lambda: ([], [], "", None), None, [chat, turns, status, download], api_name=False, queue=False)


def build_ui(pipelines: Pipelines, settings: Settings, gate: Gate | None = None) -> gr.Blocks:
    """The whole UI: a tab per assistant that loads; runs share `gate` with the API."""
    served = pipelines.available()
    gate = gate or Gate(settings.serve.max_concurrency, settings.serve.max_queue)
    with gr.Blocks(title="tristage") as blocks:
        gr.Markdown("## tristage\nEvery answer goes through **detect → reason → verify**; open a step to see its checks.")
        with gr.Tabs():
            for name, description in served.items():
                with gr.Tab(name, id=name, elem_id=f"{name}-tab"):
                    handler = ChatTab(pipelines, name, gate)
                    handler.uploads = lambda: blocks.upload_file_set
                    build_tab(pipelines, settings, name, description, handler)
    # The gate limits runs; Gradio's queue only needs room for those running and waiting there.
    room = settings.serve.max_concurrency + settings.serve.max_queue
    blocks.queue(default_concurrency_limit=room, max_size=room)
    return blocks
