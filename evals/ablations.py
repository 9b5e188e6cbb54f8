"""Configurations compared in one run: the model alone against the full pipeline, and ablations.

The model alone is the `general` assistant (one model call, no domain tools, no domain checks)
on the same backend and the same question: the single-stage baseline. Every other configuration
runs the suite's own assistant with one switch changed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from stages.config import BackendConfig
from stages.messages import RunOptions

Ablation = Literal["tools", "retrieval", "repairs", "backends"]
ABLATIONS: dict[str, str] = {
    "tools": "the pipeline with its domain tools off (RunOptions.tools = False)",
    "retrieval": "the pipeline with retrieval off (RunOptions.retrieval = False)",
    "repairs": "the pipeline without its repair loop (max_repairs = 0)",
    "backends": "the pipeline on a second backend (--backend-b / --model-b / --base-url-b)",
}


class RunConfig(BaseModel):
    """One column of the results: which assistant, on which backend, with which switches."""

    name: str
    assistant: str
    backend: BackendConfig
    options: RunOptions = Field(default_factory=RunOptions)

    @property
    def label(self) -> str:
        """Names the weights too: a LoRA adapter on the same base is another model."""
        adapter = self.backend.options.get("adapter")
        weights = f"{self.backend.model} + {Path(str(adapter)).name}" if adapter else self.backend.model
        return f"{self.name} ({self.assistant} on {self.backend.kind}:{weights})"


class AblationError(ValueError):
    """An ablation that cannot be set up as asked (e.g. `backends` without a second backend)."""


def run_configs(
    assistant: str,
    backend: BackendConfig,
    ablations: list[str] | None = None,
    backend_b: BackendConfig | None = None,
    model_alone: bool = True,
) -> list[RunConfig]:
    """`model` (unless the suite's assistant already is the general one) and `pipeline`, then one
    configuration per requested ablation, in the order asked."""
    configs = []
    if model_alone and assistant != "general":
        configs.append(RunConfig(name="model", assistant="general", backend=backend))
    configs.append(RunConfig(name="pipeline", assistant=assistant, backend=backend))
    for ablation in dict.fromkeys(ablations or []):
        if ablation == "tools":
            configs.append(RunConfig(name="no-tools", assistant=assistant, backend=backend, options=RunOptions(tools=False)))
        elif ablation == "retrieval":
            configs.append(RunConfig(name="no-retrieval", assistant=assistant, backend=backend,
                                     options=RunOptions(retrieval=False)))
        elif ablation == "repairs":
            configs.append(RunConfig(name="no-repairs", assistant=assistant, backend=backend,
                                     options=RunOptions(max_repairs=0)))
        elif ablation == "backends":
            if backend_b is None:
                raise AblationError("the backends ablation needs a second backend: give --backend-b and/or --model-b")
            configs.append(RunConfig(name="pipeline-b", assistant=assistant, backend=backend_b))
            if model_alone and assistant != "general":
                configs.append(RunConfig(name="model-b", assistant="general", backend=backend_b))
        else:
            raise AblationError(f"unknown ablation {ablation!r} (known: {', '.join(ABLATIONS)})")
    return configs
