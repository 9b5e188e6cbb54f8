"""vLLM deployment profiles as data, the exact `vllm serve` command each one means, and a launcher.

This module never imports vllm: the app process stays GPU-free and talks to the vLLM server
through the `openai` backend. `launch` runs the command as a child process (on a GPU host, where
vllm is installed) and waits for its /health endpoint.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from pydantic import BaseModel, Field, field_validator

TEMPLATES = Path(__file__).parent / "templates"
INTERNLM2_TEMPLATE = TEMPLATES / "internlm2_chat.jinja"  # ChemLLM-7B-Chat-1_5 (InternLM2 <|im_start|>)
CHEMLLM_V1_TEMPLATE = TEMPLATES / "chemllm_v1_chat.jinja"  # ChemLLM-7B-Chat v1 (<|User|>: / <|Bot|>:)

# ChemLLM keeps its rotary base outside the standard `rope_theta` key, so vLLM would fall back to
# 10,000; InternLM2-7B was trained with 1,000,000. Check the value in vLLM's start-up log
# ("rope_theta" / "rope_parameters") before trusting outputs.
CHEMLLM_ROPE = {"rope_theta": 1_000_000}
# Stop strings clients must send; the chem assistant's profiles (chemllm-1.5, chemllm-v1) do.
CHEMLLM_STOP = ["<|im_end|>", "</s>"]
CHEMLLM_V1_STOP = ["</s>", "<|User|>", "<|Bot|>"]


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
    lora: bool = Field(False, description="Serve LoRA adapters on top of the base model")
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

    def command(self, options: VllmOptions) -> list[str]:
        """The argv of `vllm serve` for this profile and these deployment options."""
        args = ["vllm", "serve", options.model or self.model, "--served-model-name", self.served_name_for(options),
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
        if self.lora:
            if not options.lora_modules:
                raise ValueError(f"profile {self.name!r} serves LoRA adapters: give at least one --lora name=path")
            args += ["--enable-lora", "--max-lora-rank", str(self.max_lora_rank),
                     "--lora-modules", *options.lora_modules]
        elif options.lora_modules:
            raise ValueError(f"profile {self.name!r} does not serve LoRA adapters; use the 'base-lora' profile")
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
            notes="InternLM2 chat template, remote code, rope_theta 1e6; stop on <|im_end|> and </s>",
            trust_remote_code=True,
            chat_template=INTERNLM2_TEMPLATE,
            hf_overrides=CHEMLLM_ROPE,
            stop=CHEMLLM_STOP,
        ),
        VllmProfile(
            name="chemllm-1.5-sft",
            model="AI4Chem/ChemLLM-7B-Chat-1_5-SFT",
            served_name="chemllm-1.5-sft",
            notes="as chemllm-1.5-dpo, before preference tuning",
            trust_remote_code=True,
            chat_template=INTERNLM2_TEMPLATE,
            hf_overrides=CHEMLLM_ROPE,
            stop=CHEMLLM_STOP,
        ),
        VllmProfile(
            name="chemllm-7b-chat",
            model="AI4Chem/ChemLLM-7B-Chat",
            served_name="chemllm-7b-chat",
            notes="ChemLLM v1: <|User|>:/<|Bot|>: template, remote code, rope_theta 1e6",
            trust_remote_code=True,
            chat_template=CHEMLLM_V1_TEMPLATE,
            hf_overrides=CHEMLLM_ROPE,
            stop=CHEMLLM_V1_STOP,
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
            lora=True,
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
) -> VllmServer:
    """Start `command` and wait until `base_url`/health answers 200; stops it on failure."""
    if shutil.which(command[0]) is None:
        raise LaunchError(
            f"{command[0]!r} is not installed here. vLLM runs on a GPU host: pip install 'tristage[vllm]' "
            "there, or run the command from `tristage vllm command <profile>` on that host."
        )
    progress("starting: " + " ".join(command))
    process = subprocess.Popen(command)
    server = VllmServer(process, f"{base_url}/v1", served_name)
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        code = process.poll()
        if code is not None:
            raise LaunchError(f"vLLM exited with code {code} before it was healthy; see its log above")
        try:
            if httpx.get(f"{base_url}/health", timeout=poll_s).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(poll_s)
    server.stop()
    raise LaunchError(f"vLLM was not healthy at {base_url}/health after {wait_s:.0f} s; stopped it")
