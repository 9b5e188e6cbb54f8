"""Plain chat through the engine: the checks any answer must pass, and nothing domain-specific."""

from __future__ import annotations

from stages.backends.base import GenerationParams
from stages.reply import CheckResult
from stages.stage import Assistant, Detection, Draft, RunContext

from assistants.limits import require_question

SYSTEM_PROMPT = (
    "You are tristage, a concise and helpful assistant. Answer the user's question directly. "
    "If you do not know, say so."
)
UNCHECKED = "the whole answer: general chat is not checked by any tool"


def answer_checks(draft: Draft) -> list[CheckResult]:
    """Checks for any free-text answer: present and complete (echoes are the engine's check)."""
    text = draft.raw.strip()
    truncated = draft.fields.get("finish_reason") == "length"
    return [
        CheckResult(name="non_empty", kind="form", passed=bool(text), message="" if text else "it was empty",
                    feedback="Give an answer."),
        CheckResult(
            name="complete",
            kind="form",
            passed=not truncated,
            message="it was cut off at the token limit" if truncated else "",
            feedback="The answer was cut off mid-sentence; answer more briefly.",
        ),
    ]


class GeneralAssistant(Assistant):
    name = "general"
    description = "Plain chat through the same engine; the model-alone baseline."
    system_prompt = SYSTEM_PROMPT
    params = GenerationParams(max_tokens=256, temperature=0.0, adapter=False)  # no general chat in the adapter's training

    def detect(self, ctx: RunContext) -> Detection:
        question = require_question(ctx.request.last_user_text)
        return Detection(task="chat", summary=f"chat turn, {len(question)} characters")

    def reason(self, ctx: RunContext) -> Draft:
        completion = ctx.call_model(self.prompt(ctx), self.params)
        return Draft(raw=completion.text.strip(), fields={"finish_reason": completion.finish_reason})

    def verify(self, draft: Draft, ctx: RunContext) -> list[CheckResult]:
        return answer_checks(draft)

    def unchecked(self, draft: Draft, ctx: RunContext) -> list[str]:
        return [UNCHECKED]
