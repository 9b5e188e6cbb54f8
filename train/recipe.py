"""The hyperparameters of a LoRA SFT run, with ChemLLM's published recipe as defaults.

ChemLLM (AI4Chem) tuned InternLM2 with LoRA rank 8, alpha 16, learning rate 5e-5 and NEFTune
noise alpha 5; those four are the defaults here. The rest are tristage's choices for small runs.
Every field is a `tristage train sft` option and is written into the model card.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Dtype = Literal["auto", "float32", "bfloat16", "float16"]


class SFTRecipe(BaseModel):
    lora_r: int = Field(8, ge=1, description="LoRA rank")
    lora_alpha: int = Field(16, ge=1, description="LoRA scaling numerator (scale = alpha / r)")
    lora_dropout: float = Field(0.05, ge=0, lt=1)
    target_modules: str = Field("all-linear", description="'all-linear' or comma-separated module names")
    learning_rate: float = Field(5e-5, gt=0)
    neftune_noise_alpha: float | None = Field(5.0, ge=0, description="NEFTune noise; None/0: off")
    epochs: float = Field(1.0, gt=0)
    max_steps: int = Field(-1, description="Stop after this many optimizer steps (-1: run the epochs)")
    batch_size: int = Field(4, ge=1, description="Sequences per device per step")
    grad_accum: int = Field(1, ge=1, description="Gradient accumulation steps")
    max_length: int | None = Field(None, ge=16, description="Tokens per sequence; longer ones are cut at the end "
                                   "(None: the longest sample, capped at 256 on a CPU and 1,024 on a GPU)")
    warmup: float = Field(0.03, ge=0, description="Warm-up: a fraction of the steps (< 1) or a step count")
    scheduler: str = Field("cosine", description="transformers learning-rate scheduler name")
    logging_steps: int = Field(10, ge=1)
    eval_samples: int | None = Field(64, ge=1, description="Validation conversations, a seeded sample (None: all)")
    save_steps: int = Field(100, ge=1, description="Checkpoint (and validation) every N steps")
    save_total_limit: int = Field(3, ge=1, description="Checkpoints kept")
    seed: int = 0
    gradient_checkpointing: bool = Field(False, description="Trade compute for activation memory (long sequences)")
    assistant_only_loss: bool = Field(False, description="Loss on each conversation's last answer only: the prompt "
                                      "(system, facts, earlier turns) is context, as at inference")
    packing: bool = False
    group_by_length: bool = Field(True, description="Batch conversations of similar length (less padding: on a CPU "
                                  "the step time is the padded tokens)")
    dtype: Dtype = Field("auto", description="auto: bfloat16 on a GPU that supports it, else float32")
    trust_remote_code: bool = Field(False, description="Run code shipped with the base model (InternLM2 needs it)")

    def modules(self) -> str | list[str]:
        return "all-linear" if self.target_modules == "all-linear" else [
            m.strip() for m in self.target_modules.split(",") if m.strip()
        ]
