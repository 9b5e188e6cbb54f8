"""A real vLLM server (the CPU build `tristage vllm install` puts in its own environment) behind a real
`tristage serve`, driven by the openai SDK: chem on the shipped adapter (a LoRA module of the server)
with schema-constrained drafts, breakout's four-stage footprint chain on the base model, general chat
answered by a LoRA adapter `tristage train sft` wrote, streaming, and eight users at once. A missing
vLLM environment fails these tests: `make test` installs it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import openai
import pytest
from typer.testing import CliRunner

from assistants.market.footprint import footprint_to_text
from assistants.market.synthetic import synthetic_footprint
from serve.cli import app
from serve.process import ServerProcess, free_port
from serve.vllm import LaunchError, VllmOptions, VllmServer, get_profile, launch_profile
from serve.vllm_env import default_env
from stages.config import Settings
from stages.models import ADAPTERS
from stages.pipeline import MODEL_UNAVAILABLE_NOTE

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

ADAPTER = "tuned"
SHIPPED = "tristage-pipeline"
TRAIN_FLAGS = ["--target-modules", "q_proj,v_proj", "--lr", "2e-3", "--batch-size", "2", "--max-length", "64",
               "--logging-steps", "1", "--save-steps", "2", "--limit", "4", "--max-steps", "2"]


@pytest.fixture(scope="module")
def adapter(chem_build: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("lora") / "chem-lora"
    done = CliRunner().invoke(app, ["train", "sft", "--data", str(chem_build), "--out", str(out), *TRAIN_FLAGS])
    assert done.exit_code == 0, done.output
    return out


@pytest.fixture(scope="module")
def vllm(adapter: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[VllmServer]:
    cache_dir = Settings().cache_dir
    profile = get_profile("cpu")
    options = VllmOptions(host="127.0.0.1", port=free_port(), python=default_env(cache_dir).require(),
                          cache_dir=cache_dir, lora_modules=[f"{ADAPTER}={adapter}", f"{SHIPPED}={ADAPTERS[SHIPPED].folder}"])
    log = tmp_path_factory.mktemp("vllm") / "server.log"
    try:
        server = launch_profile(profile, options, wait_s=900, log=log)
    except LaunchError as exc:
        raise AssertionError(f"{exc}\n{log.read_text(errors='replace')[-4000:]}") from None
    yield server
    server.stop()


@pytest.fixture(scope="module")
def tristage(vllm: VllmServer) -> Iterator[ServerProcess]:
    env = {
        "TRISTAGE_BACKEND__KIND": "openai",
        "TRISTAGE_BACKEND__BASE_URL": vllm.base_url,
        "TRISTAGE_BACKEND__MODEL": vllm.served_name,
        "TRISTAGE_ASSISTANTS__GENERAL__MODEL": ADAPTER,  # one assistant on the adapter, chosen in config
        "TRISTAGE_ASSISTANTS__CHEM__MODEL": SHIPPED,  # the shipped adapter, served by vLLM as a LoRA module
        "TRISTAGE_SERVE__MAX_CONCURRENCY": "8",
    }
    with ServerProcess(["--no-ui"], env=env) as running:
        yield running.wait_ready(timeout_s=300)


@pytest.fixture
def client(tristage: ServerProcess) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{tristage.base_url}/v1", api_key="unused", max_retries=0, timeout=900)


def ask(client: openai.OpenAI, assistant: str, text: str) -> tuple[str, dict]:
    completion = client.chat.completions.create(model=assistant, messages=[{"role": "user", "content": text}])
    return completion.choices[0].message.content or "", completion.model_extra["tristage"]


def model_calls(extension: dict) -> list[dict]:
    return [call for record in extension["trace"] for call in record.get("model_calls", [])]


def test_both_servers_list_the_adapter(vllm: VllmServer, client: openai.OpenAI) -> None:
    served = [model["id"] for model in httpx.get(f"{vllm.base_url}/models", timeout=30).json()["data"]]
    assert served == [vllm.served_name, ADAPTER, SHIPPED]
    listed = {model.id: model.model_extra for model in client.models.list()}
    assert listed["general"]["served_by"] == {"kind": "openai", "model": ADAPTER}
    assert listed["chem"]["served_by"] == {"kind": "openai", "model": SHIPPED}


def test_chem_drafts_are_schema_constrained_and_the_reply_is_checked(client: openai.OpenAI) -> None:
    text, extension = ask(client, "chem", "What is the boiling point of acetone?")
    assert extension["status"] == "verified"  # the adapter's first draft passed: one draft, no repair
    assert [record["stage"] for record in extension["trace"]].count("reason") == 1
    assert "329.22 K" in text
    reason = next(record for record in extension["trace"] if record["stage"] == "reason")
    fields = reason["data"]["fields"]
    assert "schema_rejected" not in fields and ("structured" in fields or "schema_error" in fields), fields
    assert json.loads(model_calls(extension)[0]["output"])  # vLLM decoded under the schema: JSON


def test_breakout_footprint_runs_all_four_stages(client: openai.OpenAI) -> None:
    frame = synthetic_footprint("downward", "seller", bars=4, seed=11)
    text, extension = ask(client, "breakout", footprint_to_text(frame))
    assert extension["status"] in ("verified", "corrected", "unverified") and extension["error_type"] == ""
    calls = model_calls(extension)
    assert len(calls) >= 4 and all(call["output"] for call in calls)
    assert "Downward breakout through 1000.00" in text


def test_general_chat_is_answered_by_the_adapter(client: openai.OpenAI) -> None:
    text, extension = ask(client, "general", "Name one noble gas.")
    assert text.strip() and extension["status"] == "unverified"  # general chat: no tool checks it
    assert {call["model"] for call in model_calls(extension)} == {ADAPTER}


def test_streaming_through_vllm_ends_with_the_final_reply(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(model="general", stream=True,
                                            messages=[{"role": "user", "content": "Say hello in one word."}])
    pieces = [chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices]
    assert len(pieces) > 1 and "".join(pieces).strip()


def test_eight_users_at_once(client: openai.OpenAI) -> None:
    questions = ["What is the molecular weight of caffeine?", "What is the formula of benzene?",
                 "What is the SMILES of ethanol?", "What is the melting point of phenol?",
                 "Name one alkali metal.", "What is the boiling point of water?",
                 "How many carbon atoms are in toluene?", "Say hello."]
    assistants = ["chem", "chem", "chem", "chem", "general", "chem", "chem", "general"]
    with ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(lambda pair: ask(client, *pair), zip(assistants, questions)))
    assert [extension["error_type"] for _text, extension in replies] == [""] * 8
    assert all(text.strip() for text, _extension in replies)
    drafted = [any(call["output"] for call in model_calls(extension)) for _text, extension in replies]
    assert any(drafted)  # vLLM answered under concurrency; a turn it could not serve in time says so
    assert all(MODEL_UNAVAILABLE_NOTE in text for (text, _extension), done in zip(replies, drafted) if not done)
