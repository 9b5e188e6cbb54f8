"""`tristage train sft` refuses what cannot work in seconds, with exit code 2 and one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from serve.cli import app

runner = CliRunner()


def sft(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["train", "sft", *args])
    return result.exit_code, " ".join(result.output.split())  # the console wraps long lines


def model_without_template(folder: Path) -> Path:
    """A model folder (config and tokenizer, no weights needed) whose tokenizer has no chat template."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import LlamaConfig, PreTrainedTokenizerFast

    words = Tokenizer(models.WordLevel({"[UNK]": 0, "benzene": 1}, unk_token="[UNK]"))
    words.pre_tokenizer = pre_tokenizers.Whitespace()
    PreTrainedTokenizerFast(tokenizer_object=words, unk_token="[UNK]", eos_token="[UNK]").save_pretrained(folder)
    LlamaConfig(vocab_size=2, hidden_size=8, intermediate_size=8, num_hidden_layers=1,
                num_attention_heads=1).save_pretrained(folder)
    return folder


def test_dataset_without_manifest(tmp_path: Path) -> None:
    code, output = sft("--data", str(tmp_path), "--out", str(tmp_path / "out"))
    assert code == 2
    assert "no manifest.json" in output and "Traceback" not in output
    assert not (tmp_path / "out").exists()


def test_base_folder_that_does_not_exist(chem_build: Path, tmp_path: Path) -> None:
    code, output = sft("--data", str(chem_build), "--out", str(tmp_path / "out"), "--base", "./no-such-model")
    assert code == 2 and "does not exist" in output
    assert not (tmp_path / "out").exists()


def test_hub_model_missing_offline(chem_build: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    code, output = sft("--data", str(chem_build), "--out", str(tmp_path / "out"), "--base", "tristage-tests/absent-7b")
    assert code == 2 and "offline" in output and "HF_HUB_OFFLINE=0" in output


def test_base_without_chat_template(chem_build: Path, tmp_path: Path) -> None:
    base = model_without_template(tmp_path / "plain")
    code, output = sft("--data", str(chem_build), "--out", str(tmp_path / "out"), "--base", str(base))
    assert code == 2 and "no chat template" in output


def test_bad_recipe_values(chem_build: Path, tmp_path: Path) -> None:
    code, output = sft("--data", str(chem_build), "--out", str(tmp_path / "out"), "--lora-dropout", "1.5")
    assert code == 2 and "lora_dropout" in output
    code, output = sft("--data", str(chem_build), "--out", str(tmp_path / "out"), "--eval-mode", "judge")
    assert code == 2 and "--eval-mode" in output
