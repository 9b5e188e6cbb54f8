"""Configurations compared in one run: the model alone against the full pipeline, and ablations.

The model alone is the `general` assistant (one model call, no domain tools, no domain checks)
on the same backend and the same question: the single-stage baseline. Every other configuration
runs the suite's own assistant with one switch changed. Two ablations separate what the tools,
the model and the correction step each contribute: `tools-only` composes the answer from tool
facts with no model call, and `no-correction` keeps the model's last draft as it was written
(its checks still reported), instead of the text the correction step rebuilt from tool facts.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from assistants.registry import load_assistant
from stages.config import BackendConfig
from stages.models import BASE_MODEL, served_adapter
from stages.messages import RunOptions
from stages.stage import Assistant

Ablation = Literal["tools-only", "correction", "tools", "retrieval", "repairs", "backends"]
ABLATIONS: dict[str, str] = {
    "tools-only": "the answer composed from tool facts, no model call (config tools-only)",
    "correction": "the model's last draft as it was written, checks still reported (config no-correction)",
    "tools": "the pipeline with its domain tools off (RunOptions.tools = False)",
    "retrieval": "the pipeline with retrieval off (RunOptions.retrieval = False)",
    "repairs": "the pipeline without its repair loop (max_repairs = 0)",
    "backends": "the pipeline on a second backend (--backend-b / --model-b / --base-url-b)",
    "adapter": "the pipeline and the model alone on the base model without its LoRA adapter (adapter = none): "
               "base against fine-tune",
}


class RunConfig(BaseModel):
    """One column of the results: which assistant, on which backend, with which switches."""

    name: str
    assistant: str
    backend: BackendConfig
    options: RunOptions = Field(default_factory=RunOptions)
    tools_only: bool = Field(False, description="The assistant composes its answer from tool facts; no model call")
    answer: Literal["final", "draft"] = Field("final", description="draft: the model's last draft as is, no correction")

    def run_key(self) -> str:
        """Configurations with the same key ask the same pipeline, so one run serves them all
        (`pipeline` and `no-correction` differ only in which text of the reply they read)."""
        return self.model_dump_json(include={"assistant", "backend", "options", "tools_only"})

    @property
    def label(self) -> str:
        """Names the weights too: a LoRA adapter on the same base is another model."""
        adapter = served_adapter(self.backend.kind, self.backend.model, self.backend.adapter)
        weights = f"{self.backend.model} + {adapter}" if adapter else self.backend.model
        return f"{self.name} ({self.assistant} on {self.backend.kind}:{weights})"


class AblationError(ValueError):
    """An ablation that cannot be set up as asked (e.g. `backends` without a second backend)."""


# assistants that can phrase an answer from their tool facts alone (the chem assistant's template phrasing)
TOOLS_ONLY: dict[str, str] = {"chem": "phrasing"}


def build_assistant(config: RunConfig) -> Assistant:
    """The configuration's assistant; for tools-only, switched to composing from its facts."""
    assistant = load_assistant(config.assistant)
    if config.tools_only:
        setattr(assistant, TOOLS_ONLY[config.assistant], "template")
    return assistant


def run_configs(
    assistant: str,
    backend: BackendConfig,
    ablations: list[str] | None = None,
    backend_b: BackendConfig | None = None,
    model_alone: bool = True,
) -> list[RunConfig]:
    """`model-alone` (unless the suite's assistant already is the general one) and `pipeline`, then
    one configuration per requested ablation, in the order asked."""
    configs = []
    if model_alone and assistant != "general":
        configs.append(RunConfig(name="model-alone", assistant="general", backend=backend))
    configs.append(RunConfig(name="pipeline", assistant=assistant, backend=backend))
    for ablation in dict.fromkeys(ablations or []):
        if ablation == "tools-only":
            if assistant not in TOOLS_ONLY:
                raise AblationError(f"the {assistant} assistant has no tools-only mode (available for: {', '.join(TOOLS_ONLY)})")
            configs.append(RunConfig(name="tools-only", assistant=assistant, backend=backend, tools_only=True))
        elif ablation == "correction":
            configs.append(RunConfig(name="no-correction", assistant=assistant, backend=backend, answer="draft"))
        elif ablation == "tools":
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
                configs.append(RunConfig(name="model-alone-b", assistant="general", backend=backend_b))
        elif ablation == "adapter":
            if backend.adapter == BASE_MODEL or backend.kind not in ("llamacpp", "embedded"):
                raise AblationError("the adapter ablation compares a local model with its LoRA adapter against the base: "
                                    "the configured backend serves no adapter")
            base = backend.model_copy(update={"adapter": BASE_MODEL})
            configs.append(RunConfig(name="pipeline-base", assistant=assistant, backend=base))
            if model_alone and assistant != "general":
                configs.append(RunConfig(name="model-alone-base", assistant="general", backend=base))
        else:
            raise AblationError(f"unknown ablation {ablation!r} (known: {', '.join(ABLATIONS)})")
    return configs
