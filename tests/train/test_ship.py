"""Shipping a run's adapter: hub id for the base, float16 weights, the card; a folder without one is refused."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

from train.errors import TrainError
from train.ship import ship_adapter


def test_a_run_ships_as_float16_with_the_base_named_by_its_hub_id(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    (run / "adapter_config.json").write_text(json.dumps({"base_model_name_or_path": "/home/someone/cache/base", "r": 4}))
    weights = {"base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight": np.full((4, 8), 0.1, np.float32)}
    save_file(weights, str(run / "adapter_model.safetensors"))
    (run / "README.md").write_text("# card\n")
    (run / "checkpoints").mkdir()
    dest = ship_adapter(run, tmp_path / "shipped", "HuggingFaceTB/SmolLM2-135M-Instruct")
    assert sorted(p.name for p in dest.iterdir()) == ["README.md", "adapter_config.json", "adapter_model.safetensors"]
    assert json.loads((dest / "adapter_config.json").read_text())["base_model_name_or_path"] == "HuggingFaceTB/SmolLM2-135M-Instruct"
    shipped = load_file(str(dest / "adapter_model.safetensors"))
    (name, array), = shipped.items()
    assert array.dtype == np.float16 and np.allclose(array, 0.1, atol=1e-3)
    assert ship_adapter(run, dest, "x/y") == dest  # replaced whole


def test_a_folder_without_an_adapter_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TrainError, match="holds no adapter"):
        ship_adapter(tmp_path, tmp_path / "shipped", "x/y")
    assert not (tmp_path / "shipped").exists()
