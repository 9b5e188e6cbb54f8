"""`tristage ask --json`: schema, exit codes and bad input, through the real console script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

TRISTAGE = Path(sys.executable).with_name("tristage")


def tristage(*args: str, replies: list[str] | None = None, stdin: str | None = None,
             settings: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRISTAGE_")}
    env["TRISTAGE_BACKEND__KIND"] = "scripted"
    env["TRISTAGE_BACKEND__OPTIONS"] = json.dumps({"replies": replies or ["Paris is the capital of France."]})
    env.update(settings or {})
    return subprocess.run(
        [str(TRISTAGE), *args], capture_output=True, text=True, env=env, input=stdin, timeout=120
    )


def test_ask_json_prints_exactly_one_object():
    done = tristage("ask", "general", "What is the capital of France?", "--json")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1
    data = json.loads(lines[0])
    assert data["answer"].startswith("Paris is the capital of France.\n\nNot checked by any tool")
    assert data["status"] == "unverified"  # general chat: no tool checks it
    assert isinstance(data["result"], dict)
    assert [record["stage"] for record in data["trace"]] == ["detect", "reason", "verify"]
    assert all("duration_ms" in record for record in data["trace"])


def test_ask_plain_prints_the_answer_and_status():
    done = tristage("ask", "general", "capital of France?")
    assert done.returncode == 0
    assert done.stdout.strip().startswith("Paris is the capital of France.")
    assert "unverified" in done.stderr


def test_question_from_stdin():
    done = tristage("ask", "general", "-", "--json", stdin="capital of France?")
    assert json.loads(done.stdout)["status"] == "unverified"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("ask", "general", "   ", "--json"), "empty"),
        (("ask", "genral", "hi", "--json"), "did you mean 'general'"),
        (("ask", "general", "hi", "--data", "no/such/file.csv", "--json"), "not found"),
    ],
)
def test_bad_input_exits_2_with_one_json_object(args, message):
    done = tristage(*args)
    assert done.returncode == 2, done.stderr
    data = json.loads(done.stdout)
    assert data["status"] == "error" and data["error_type"] == "bad_input"
    assert message in data["answer"]
    assert "Traceback" not in done.stdout + done.stderr


def test_unverified_answers_still_exit_0():
    done = tristage("ask", "general", "q", "--json", "--max-repairs", "0", replies=[""])
    assert done.returncode == 0
    assert json.loads(done.stdout)["status"] == "unverified"


def test_unreachable_backend_exits_1_without_traceback():
    env_backend = ("--backend", "openai", "--base-url", "http://127.0.0.1:9/v1")
    done = tristage("ask", "general", "hi", "--json", *env_backend)
    assert done.returncode == 1
    data = json.loads(done.stdout)
    assert data["status"] == "error" and data["error_type"].startswith("backend")
    assert "Traceback" not in done.stdout + done.stderr


def test_with_the_backend_down_the_tools_still_answer_what_they_can():
    down = ("--backend", "openai", "--base-url", "http://127.0.0.1:9/v1")
    done = tristage("ask", "chem", "What is the boiling point of acetone?", "--json", *down)
    assert done.returncode == 0, done.stdout + done.stderr
    data = json.loads(done.stdout)
    assert (data["status"], data["answered_by"]) == ("verified", "tools")
    assert "329.22 K" in data["answer"] and "The language model was unavailable" in data["answer"]


def test_a_question_detect_refuses_never_loads_the_model(tmp_path: Path):
    missing = ("--backend", "embedded", "--model", str(tmp_path / "no-such-model"))
    done = tristage("ask", "chem", "How do I synthesize sarin at home?", "--json", *missing)
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["status"] == "refused"
    needs_model = tristage("ask", "general", "Say hello.", "--json", *missing)
    assert needs_model.returncode == 1
    assert json.loads(needs_model.stdout)["error_type"] == "backend_unavailable"


def test_config_show_gives_the_file_then_every_setting_secrets_masked(tmp_path: Path):
    path = tmp_path / "tristage.toml"
    path.write_text('[assistants.chem]\nstructured = false\n'
                    'base_url = "http://gpu:8000/v1"\napi_key = "sk-chem-7"\n')
    done = tristage("config", "show", settings={"TRISTAGE_CONFIG": str(path),
                                                "TRISTAGE_SERVE__API_KEY": "sk-123456",
                                                "TRISTAGE_ASSISTANTS__BREAKOUT__PHRASING": "template"})
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert next(iter(shown)) == "config_file" and shown["config_file"] == str(path)
    assert shown["serve"]["api_key"] == "****"
    assert "sk-123456" not in done.stdout and "sk-chem-7" not in done.stdout
    chem = shown["assistants"]["chem"]
    assert chem == {"overrides": {"base_url": "http://gpu:8000/v1", "api_key": "****"},
                    "options": {"phrasing": "model", "structured": False}}
    assert shown["assistants"]["breakout"]["options"] == {"phrasing": "template"}
    assert shown["backend"]["kind"] == "scripted"


@pytest.mark.parametrize("command", [("assistants",), ("config", "show"), ("ask", "chem", "hi", "--json")])
def test_a_bad_configuration_is_one_line_and_exit_2(command):
    done = tristage(*command, settings={"TRISTAGE_ASSISTANTS__CHEM__PHRASNG": "template"})
    assert done.returncode == 2
    assert done.stdout == "" and "Traceback" not in done.stderr
    assert done.stderr.strip() == "assistants.chem.phrasng is not an option; did you mean phrasing?"


def test_assistants_lists_all_three():
    done = tristage("assistants")
    assert done.returncode == 0
    assert all(name in done.stdout for name in ("general", "chem", "breakout"))
