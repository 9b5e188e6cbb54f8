"""PEFT adapters as GGUF LoRA files, checked against the real SmolLM2 GGUF and llama.cpp."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from stages.config import Settings
from stages.gguf_lora import AdapterError, _permuted_rows, convert_adapter
from stages.models import gguf_path, pull_gguf, pull_model

PROMPT = "The boiling point of ethanol is"


@pytest.fixture(scope="module")
def model_files() -> tuple[Path, Path]:
    """The kept GGUF and the transformers folder converted from it."""
    cache_dir = Settings().cache_dir
    pull_gguf(cache_dir)
    return gguf_path(cache_dir), pull_model(cache_dir)


def test_query_and_key_rows_are_permuted_as_the_gguf_keeps_them(model_files: tuple[Path, Path]) -> None:
    """The permutation applied to a lora_B, applied to the transformers weights, gives the GGUF's own rows."""
    import gguf
    from safetensors.numpy import load_file

    gguf_file, folder = model_files
    tensors = {t.name: t for t in gguf.GGUFReader(str(gguf_file)).tensors}
    weights = load_file(str(folder / "model.safetensors"))
    for gguf_name, hf_name, heads in (("blk.0.attn_q.weight", "model.layers.0.self_attn.q_proj.weight", 9),
                                      ("blk.0.attn_k.weight", "model.layers.0.self_attn.k_proj.weight", 3)):
        tensor = tensors[gguf_name]
        kept = gguf.quants.dequantize(tensor.data, tensor.tensor_type).reshape(weights[hf_name].shape)
        assert np.allclose(_permuted_rows(weights[hf_name].astype(np.float32), heads), kept, atol=1e-3)
        assert not np.allclose(weights[hf_name], kept, atol=1e-3)


def _random_adapter(folder: Path, out: Path, modules: list[str]) -> np.ndarray:
    """A random adapter saved to `out`; returns the change it makes to transformers' next-token logits."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32)
    ids = AutoTokenizer.from_pretrained(folder)(PROMPT, return_tensors="pt").input_ids
    with torch.no_grad():
        base = model(ids).logits[0, -1].numpy()
        tuned_model = get_peft_model(model, LoraConfig(r=4, lora_alpha=8, target_modules=modules, init_lora_weights=False))
        tuned = tuned_model(ids).logits[0, -1].numpy()
    tuned_model.save_pretrained(out)
    return tuned - base


def _llama_logits(gguf_file: Path, lora: Path | None) -> np.ndarray:
    import llama_cpp

    llama = llama_cpp.Llama(model_path=str(gguf_file), n_threads=1, logits_all=True, verbose=False,
                            lora_path=str(lora) if lora else None)
    llama.eval(llama.tokenize(PROMPT.encode(), add_bos=False))
    return np.array(llama.scores[llama.n_tokens - 1])


@pytest.mark.slow
@pytest.mark.parametrize("modules", [["q_proj", "k_proj"], ["v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]])
def test_llama_cpp_moves_the_logits_as_transformers_does(model_files: tuple[Path, Path], tmp_path: Path,
                                                         modules: list[str]) -> None:
    """The same random adapter on both runtimes: the logit changes agree (a wrong permutation of the
    query/key rows gave a correlation of 0.33)."""
    gguf_file, folder = model_files
    expected = _random_adapter(folder, tmp_path / "adapter", modules)
    lora = convert_adapter(tmp_path / "adapter", gguf_file, tmp_path / "converted")
    assert convert_adapter(tmp_path / "adapter", gguf_file, tmp_path / "converted") == lora  # kept, not rebuilt
    found = _llama_logits(gguf_file, lora) - _llama_logits(gguf_file, None)
    assert np.corrcoef(expected, found)[0, 1] > 0.95
    assert 0.5 < np.linalg.norm(found) / np.linalg.norm(expected) < 2.0


def test_a_folder_without_an_adapter_is_refused(model_files: tuple[Path, Path], tmp_path: Path) -> None:
    with pytest.raises(AdapterError, match="not a PEFT LoRA adapter folder"):
        convert_adapter(tmp_path, model_files[0], tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_an_adapter_of_another_layout_is_refused(model_files: tuple[Path, Path], tmp_path: Path) -> None:
    from safetensors.numpy import save_file

    (tmp_path / "adapter_config.json").write_text(json.dumps({"lora_alpha": 16}), encoding="utf-8")
    save_file({"base_model.model.vision.proj.lora_A.weight": np.zeros((4, 8), np.float32)},
              str(tmp_path / "adapter_model.safetensors"))
    with pytest.raises(AdapterError, match="no LoRA matrix of a llama layer"):
        convert_adapter(tmp_path, model_files[0], tmp_path / "out")
    assert not (tmp_path / "out").exists()
