"""A PEFT LoRA adapter as a GGUF LoRA file, so llama.cpp applies it to the quantized base it already reads.

llama.cpp's own converter (`convert_lora_to_gguf.py`) ships in its source tree, not in the
llama-cpp-python wheel, so the few steps it takes for a llama-architecture model live here:
tensor names mapped to GGUF's (`blk.N.attn_q.weight.lora_a`), the rows of the query and key
`lora_B` permuted the way the GGUF's own q/k weights were permuted for rotary embeddings, and the
adapter type and alpha written as metadata (llama.cpp scales by alpha / rank). The file is built
once per adapter content and kept in the cache, named by the adapter's sha256.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np

ADAPTER_WEIGHTS = "adapter_model.safetensors"
ADAPTER_CONFIG = "adapter_config.json"


class AdapterError(Exception):
    """An adapter that cannot be converted; the message is safe to show to a user."""


def adapter_digest(adapter: Path) -> str:
    """sha256 over the adapter's config and weights: the converted file's name."""
    digest = hashlib.sha256()
    for name in (ADAPTER_CONFIG, ADAPTER_WEIGHTS):
        try:
            digest.update((adapter / name).read_bytes())
        except OSError as exc:
            raise AdapterError(f"{adapter} is not a PEFT LoRA adapter folder (no readable {name})") from exc
    return digest.hexdigest()


def _heads(base_gguf: Path) -> tuple[str, int, int, int]:
    """Architecture, block count, attention heads and key/value heads of the base GGUF."""
    import gguf

    fields = gguf.GGUFReader(str(base_gguf)).fields

    def value(key: str) -> int | str:
        field = fields[key]
        part = field.parts[field.data[0]]
        return bytes(part).decode() if field.types[0] == gguf.GGUFValueType.STRING else int(part[0])

    arch = str(value("general.architecture"))
    if arch != "llama":
        raise AdapterError(f"adapters are converted for llama-architecture GGUFs only, not {arch!r}")
    return arch, int(value("llama.block_count")), int(value("llama.attention.head_count")), int(
        value("llama.attention.head_count_kv"))


def _permuted_rows(lora_b: np.ndarray, heads: int) -> np.ndarray:
    """The rows of a query/key `lora_B` in the order the GGUF keeps that projection's rows."""
    rows, rank = lora_b.shape
    return lora_b.reshape(heads, 2, rows // heads // 2, rank).swapaxes(1, 2).reshape(rows, rank)


def _gguf_tensors(adapter: Path, blocks: int, heads: int, kv_heads: int) -> dict[str, np.ndarray]:
    import gguf
    from safetensors.numpy import load_file

    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.LLAMA, blocks)
    tensors: dict[str, np.ndarray] = {}
    for name, array in load_file(str(adapter / ADAPTER_WEIGHTS)).items():
        part = ".lora_a" if ".lora_A." in name else ".lora_b" if ".lora_B." in name else None
        base = name.replace("base_model.model.", "").replace(".lora_A.weight", ".weight").replace(".lora_B.weight", ".weight")
        target = names.get_name(base, try_suffixes=(".weight",)) if part else None
        if target is None:
            raise AdapterError(f"the adapter holds {name!r}, which is no LoRA matrix of a llama layer llama.cpp can apply")
        array = array.astype(np.float32)
        if part == ".lora_b" and target.endswith(("attn_q.weight", "attn_k.weight")):
            array = _permuted_rows(array, heads if "attn_q" in target else kv_heads)
        tensors[target + part] = array
    return tensors


def convert_adapter(adapter: Path, base_gguf: Path, out_dir: Path) -> Path:
    """The GGUF LoRA file of `adapter` for `base_gguf` under `out_dir` (built once, then reused)."""
    import gguf

    out = out_dir / f"lora-{adapter_digest(adapter)[:16]}.gguf"
    if out.is_file():
        return out
    config = json.loads((adapter / ADAPTER_CONFIG).read_text(encoding="utf-8"))
    arch, blocks, heads, kv_heads = _heads(base_gguf)
    tensors = _gguf_tensors(adapter, blocks, heads, kv_heads)
    out_dir.mkdir(parents=True, exist_ok=True)
    staged = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    writer = gguf.GGUFWriter(str(staged), arch)
    writer.add_type(gguf.GGUFType.ADAPTER)
    writer.add_string(gguf.Keys.Adapter.TYPE, "lora")
    writer.add_float32(gguf.Keys.Adapter.LORA_ALPHA, float(config["lora_alpha"]))
    for name, array in sorted(tensors.items()):
        writer.add_tensor(name, array)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    os.replace(staged, out)
    return out
