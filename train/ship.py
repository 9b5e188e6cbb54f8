"""A finished `tristage train sft` run made into an adapter folder fit to ship with tristage: the PEFT
config naming the base by its public hub id (not a path on the training machine), the LoRA weights in
float16 (half the size; llama.cpp and PEFT read them back as float32), and the run's model card.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from stages.atomic import write_text
from train.errors import TrainError

WEIGHTS = "adapter_model.safetensors"
CONFIG = "adapter_config.json"
CARD = "README.md"


def ship_adapter(run: Path, dest: Path, base_id: str) -> Path:
    """Write `dest` (replaced whole, through a temp folder) from the adapter at the top of `run`."""
    import numpy as np
    from safetensors.numpy import load_file, save_file

    if not (run / CONFIG).is_file() or not (run / WEIGHTS).is_file():
        raise TrainError(f"{run} holds no adapter ({CONFIG} and {WEIGHTS}); run `tristage train sft` first")
    config = json.loads((run / CONFIG).read_text(encoding="utf-8"))
    config["base_model_name_or_path"] = base_id
    staged = dest.with_name(f".{dest.name}.tmp")
    shutil.rmtree(staged, ignore_errors=True)
    staged.mkdir(parents=True)
    write_text(staged / CONFIG, json.dumps(config, indent=2, sort_keys=True) + "\n")
    weights = {name: array.astype(np.float16) for name, array in load_file(str(run / WEIGHTS)).items()}
    save_file(weights, str(staged / WEIGHTS))
    if (run / CARD).is_file():
        shutil.copyfile(run / CARD, staged / CARD)
    shutil.rmtree(dest, ignore_errors=True)
    staged.rename(dest)
    return dest
