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
_END_PUNCTUATION = tuple(".!?)]}\"'`*:;>")
_LEAK_WINDOW = 40


def leaked_system_prompt(text: str, system_prompt: str, window: int = _LEAK_WINDOW) -> bool:
    """True when the answer repeats any `window`-character stretch of the system prompt."""
    lowered = " ".join(text.lower().split())
    prompt = " ".join(system_prompt.lower().split())
    if len(prompt) < window:
        return prompt in lowered
    return any(prompt[i : i + window] in lowered for i in range(0, len(prompt) - window + 1, 8))


def answer_checks(draft: Draft, system_prompt: str) -> list[CheckResult]:
    """Checks for any free-text answer: present, complete, and not leaking instructions."""
    text = draft.raw.strip()
    truncated = draft.fields.get("finish_reason") == "length" and not text.endswith(_END_PUNCTUATION)
    leaked = leaked_system_prompt(text, system_prompt)
    return [
        CheckResult(name="non_empty", passed=bool(text), message="" if text else "The answer was empty."),
        CheckResult(
            name="complete",
            passed=not truncated,
            message="The answer was cut off mid-sentence; answer more briefly." if truncated else "",
        ),
        CheckResult(
            name="no_system_prompt_leak",
            passed=not leaked,
            message="The answer repeated the hidden instructions; answer the question only." if leaked else "",
        ),
    ]


class GeneralAssistant(Assistant):
    name = "general"
    description = "Plain chat through the same engine; the model-alone baseline."
    system_prompt = SYSTEM_PROMPT
    params = GenerationParams(max_tokens=256, temperature=0.0)

    def detect(self, ctx: RunContext) -> Detection:
        question = require_question(ctx.request.last_user_text)
        return Detection(task="chat", summary=f"chat turn, {len(question)} characters")

    def reason(self, ctx: RunContext) -> Draft:
        completion = ctx.call_model(self.prompt(ctx), self.params)
        return Draft(raw=completion.text.strip(), fields={"finish_reason": completion.finish_reason})

    def verify(self, draft: Draft, ctx: RunContext) -> list[CheckResult]:
        return answer_checks(draft, self.system_prompt)
