"""vLLM profiles as exact commands; the launcher's health wait and failures with real processes."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from serve.process import TRISTAGE, free_port
from serve.vllm import PROFILES, LaunchError, VllmOptions, get_profile, health_url, launch
from stages.config import Settings


def flag(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


@pytest.mark.parametrize("name", ["chemllm-1.5-dpo", "chemllm-1.5-sft", "chemllm-7b-chat"])
def test_chemllm_profiles_carry_remote_code_template_and_rope_override(name: str) -> None:
    command = get_profile(name).command(VllmOptions())
    assert command[:3] == ["vllm", "serve", PROFILES[name].model]
    assert command[2].startswith("AI4Chem/ChemLLM-7B-Chat")
    assert "--trust-remote-code" in command
    assert flag(command, "--served-model-name") == name
    template = Path(flag(command, "--chat-template")).read_text()
    marker = "<|im_start|>" if "1.5" in name else "<|Bot|>:"
    assert marker in template and all(stop in template for stop in PROFILES[name].stop if stop != "</s>")
    assert json.loads(flag(command, "--hf-overrides")) == {"rope_theta": 1_000_000}
    assert flag(command, "--generation-config") == "vllm"  # not the card's repetition_penalty


@pytest.mark.parametrize(("name", "chem", "rendered"), [
    ("chemllm-1.5-dpo", "chemllm-1.5",
     "<s><|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\n"),
    ("chemllm-7b-chat", "chemllm-v1", "<s><|System|>:S\n<|User|>:U\n<|Bot|>:"),
])
def test_chat_templates_are_the_chem_assistants_profiles(name: str, chem: str, rendered: str) -> None:
    """The server's --chat-template is the template the chem assistant sends per request, with its stops."""
    from jinja2 import Template

    from assistants.chem.profiles import profiles

    served, profile = get_profile(name), profiles()[chem]
    template = served.chat_template.read_text()
    assert template == profile.params().extra_body["chat_template"] and served.stop == profile.stop
    messages = [{"role": "system", "content": "S"}, {"role": "user", "content": "U"}]
    prompt = Template(template).render(messages=messages, add_generation_prompt=True, bos_token="<s>")
    assert prompt == rendered


def test_parallelism_key_and_ray() -> None:
    options = VllmOptions(tensor_parallel_size=4, pipeline_parallel_size=2, data_parallel_size=3,
                          distributed_executor_backend="ray", api_key="sk-1", port=9000)
    command = get_profile("instruct").command(options)
    assert flag(command, "--tensor-parallel-size") == "4"
    assert flag(command, "--pipeline-parallel-size") == "2"
    assert flag(command, "--data-parallel-size") == "3"
    assert flag(command, "--distributed-executor-backend") == "ray"
    assert flag(command, "--api-key") == "sk-1" and flag(command, "--port") == "9000"
    assert "--trust-remote-code" not in command and "--chat-template" not in command


def test_lora_profile_needs_adapters_and_lists_them() -> None:
    profile = get_profile("base-lora")
    with pytest.raises(ValueError, match="--lora"):
        profile.command(VllmOptions())
    command = profile.command(VllmOptions(lora_modules=["breakout=/models/a", "b2=/models/b"]))
    start = command.index("--lora-modules")
    assert "--enable-lora" in command and command[start + 1:start + 3] == ["breakout=/models/a", "b2=/models/b"]
    with pytest.raises(ValueError, match="name=path"):
        VllmOptions(lora_modules=["just-a-path"])
    with pytest.raises(ValueError, match="does not serve LoRA"):
        get_profile("instruct").command(VllmOptions(lora_modules=["a=/b"]))


def test_served_name_follows_a_replaced_base_model_but_not_a_local_copy() -> None:
    adapters = ["breakout=/models/a"]
    lora = get_profile("base-lora")
    assert flag(lora.command(VllmOptions(lora_modules=adapters)), "--served-model-name") == "qwen2.5-1.5b-instruct"
    swapped = VllmOptions(model="HuggingFaceTB/SmolLM2-135M-Instruct", lora_modules=adapters)
    assert flag(lora.command(swapped), "--served-model-name") == "smollm2-135m-instruct"
    copy = VllmOptions(model="/models/ChemLLM-7B-Chat-1_5-DPO/")
    assert flag(get_profile("chemllm-1.5-dpo").command(copy), "--served-model-name") == "chemllm-1.5-dpo"
    named = VllmOptions(model="/models/x", served_name="my-chem", lora_modules=adapters)
    assert lora.served_name_for(named) == "my-chem" == flag(lora.command(named), "--served-model-name")
    done = cli("command", "base-lora", "--lora", "a=/m/a", "--served-name", "tuned")
    assert done.returncode == 0 and flag(shlex.split(done.stdout), "--served-model-name") == "tuned"


def test_unknown_profile_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="chemllm-1.5-dpo"):
        get_profile("chemllm")


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(TRISTAGE), "vllm", *args], capture_output=True, text=True, timeout=60)


def test_cli_prints_a_shell_ready_command_and_fails_clearly() -> None:
    done = cli("command", "chemllm-1.5-dpo", "-tp", "2", "--api-key", "sk-x")
    assert done.returncode == 0, done.stderr
    argv = shlex.split(done.stdout)
    assert argv[:2] == ["vllm", "serve"] and flag(argv, "--tensor-parallel-size") == "2"
    assert json.loads(flag(argv, "--hf-overrides")) == {"rope_theta": 1_000_000}
    missing = cli("command", "base-lora")
    assert missing.returncode == 2 and "--lora name=path" in missing.stderr
    assert cli("command", "nope").returncode == 2
    bad = cli("command", "base-lora", "--lora", "just-a-path", "--served-name", "")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "--lora: " in bad.stderr and "--served-name: " in bad.stderr
    assert "chemllm-1.5-dpo" in cli("profiles").stdout


def test_launch_without_vllm_installed_says_so() -> None:
    done = cli("launch", "instruct", "--wait-s", "5")
    assert done.returncode == 1
    assert "not installed" in done.stderr and "tristage[vllm]" in done.stderr and "tristage vllm install" in done.stderr


HEALTHY_AFTER_A_WHILE = """
import http.server, sys, time
time.sleep(0.5)
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/health" else 404); self.end_headers()
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
"""


def test_launch_waits_for_health_then_stops_cleanly() -> None:
    port = free_port()
    server = launch([sys.executable, "-c", HEALTHY_AFTER_A_WHILE, str(port)],
                    health_url(VllmOptions(port=port)), "served", wait_s=30, poll_s=0.1)
    try:
        assert server.base_url == f"http://127.0.0.1:{port}/v1" and server.process.poll() is None
    finally:
        server.stop(grace_s=5)
    assert server.process.poll() is not None


def test_launch_reports_a_server_that_dies_or_never_gets_healthy() -> None:
    with pytest.raises(LaunchError, match="exited with code 3"):
        launch([sys.executable, "-c", "import sys; sys.exit(3)"], "http://127.0.0.1:9", "x", wait_s=30, poll_s=0.1)
    with pytest.raises(LaunchError, match="not healthy"):
        launch([sys.executable, "-c", "import time; time.sleep(60)"], f"http://127.0.0.1:{free_port()}", "x",
               wait_s=1, poll_s=0.1)


def test_cpu_profile_runs_the_cpu_builds_server_on_the_prepared_model(tmp_path: Path) -> None:
    from stages.models import DEFAULT_MODEL, pull_model

    cache_dir = Settings().cache_dir
    pull_model(cache_dir)
    profile = get_profile("cpu")
    options = VllmOptions(python=tmp_path / "env" / "bin" / "python", cache_dir=cache_dir)
    command = profile.command(options)
    assert command[:4] == [str(options.python), "-m", "vllm.entrypoints.openai.api_server", "--model"]
    assert Path(command[4]) == cache_dir / "models" / DEFAULT_MODEL and (Path(command[4]) / "config.json").is_file()
    assert flag(command, "--served-model-name") == DEFAULT_MODEL and flag(command, "--dtype") == "bfloat16"
    assert json.loads(flag(command, "--structured-outputs-config")) == {"backend": "xgrammar",
                                                                       "disable_any_whitespace": True}
    assert "--enable-lora" not in command and profile.environment == {"VLLM_CPU_KVCACHE_SPACE": "1"}
    adapters = profile.command(options.model_copy(update={"lora_modules": ["tuned=/runs/a"]}))
    assert flag(adapters, "--lora-modules") == "tuned=/runs/a"
    folder = profile.command(options.model_copy(update={"model": str(tmp_path / "My-Model")}))
    assert flag(folder, "--model") == str(tmp_path / "My-Model") and flag(folder, "--served-model-name") == "my-model"


def test_cpu_profile_says_how_to_install_vllm(tmp_path: Path) -> None:
    env = {**os.environ, "TRISTAGE_VLLM_ENV": str(tmp_path / "no-env")}
    done = subprocess.run([str(TRISTAGE), "vllm", "launch", "cpu", "--wait-s", "5"], capture_output=True, text=True,
                          timeout=60, env=env)
    assert done.returncode == 2 and "run `tristage vllm install`" in " ".join(done.stderr.split())
    assert "Traceback" not in done.stderr
    printed = subprocess.run([str(TRISTAGE), "vllm", "command", "cpu"], capture_output=True, text=True, timeout=60,
                             env=env)
    assert printed.stdout.startswith(f"VLLM_CPU_KVCACHE_SPACE=1 {tmp_path / 'no-env' / 'bin' / 'python'} -m ")
    assert not (tmp_path / "no-env").exists()  # printing or refusing installs nothing
