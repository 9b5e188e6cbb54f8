"""LLM augmentation: a model proposes new paraphrases of a pack's templates (questions and answers
of a task, follow-ups of a multi-turn dialogue); the validators decide.

Any backend will do (embedded, an OpenAI-compatible server, LangChain). A candidate is kept only
if it is valid Jinja over the pack's declared fields, keeps answer-only fields out of questions,
and — rendered with real records' facts — every answer passes the pack's checks. The result is a
new pack with the version bumped, written as YAML for review; it joins the shipped packs only when
someone copies it into `packs/` and runs `tristage data lock`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
import yaml
from pydantic import BaseModel, Field

from data_templates.checks import answer_problems
from data_templates.templates import Pack, TemplateError, get_pack, render, template_fields
from stages.atomic import write_text
from stages.backends.base import Backend, GenerationParams
from stages.messages import Message

INSTRUCTION = (
    "Rewrite the template below in {n} different ways, as a native speaker would phrase it. Keep every "
    "{{{{ placeholder }}}} exactly as written (same names, same braces) and keep backticks around the ones that "
    "have them. Do not add facts or numbers. Reply with one rewrite per line, nothing else."
)


class Augmented(BaseModel):
    pack: Pack
    added_questions: list[str] = Field(default_factory=list, description="questions, or a dialogue's follow-ups")
    added_answers: list[str] = Field(default_factory=list)
    rejected: list[str] = Field(default_factory=list, description="candidate: why it was dropped")


def candidates(backend: Backend, template: str, n: int, params: GenerationParams) -> list[str]:
    """The model's rewrites of one template, one per line, numbering and quotes stripped."""
    messages = [Message(role="system", content=INSTRUCTION.format(n=n)), Message(role="user", content=template)]
    text = backend.complete(messages, params).text
    lines = [line.strip().lstrip("-*•0123456789.) ").strip().strip('"') for line in text.splitlines()]
    return [line for line in lines if line]


def rejection(pack: Pack, text: str, is_question: bool, examples: list[dict[str, Any]]) -> str | None:
    """Why a candidate template cannot join the pack, or None when it passes every validator."""
    try:
        used = template_fields(text)
    except jinja2.TemplateSyntaxError as exc:
        return f"not valid Jinja: {exc.message}"
    if used - set(pack.fields):
        return f"unknown field(s) {', '.join(sorted(used - set(pack.fields)))}"
    if is_question and used & set(pack.hidden):
        return f"a question may not use answer-only field(s) {', '.join(sorted(used & set(pack.hidden)))}"
    for facts in examples:
        try:
            rendered = render(text, facts)
        except jinja2.UndefinedError as exc:
            return f"does not render: {exc}"
        if not is_question and (problems := answer_problems(pack.checks, rendered, facts)):
            return "; ".join(problems)
    return None


def _keep_valid(
    pack: Pack, pool: list[str], is_question: bool, examples: list[dict[str, Any]], backend: Backend,
    per_template: int, params: GenerationParams, rejected: list[str],
) -> list[str]:
    added: list[str] = []
    for template in pool:
        for candidate in candidates(backend, template, per_template, params):
            why = "already in the pack" if candidate in pool else rejection(pack, candidate, is_question, examples)
            if why is None and candidate not in added:
                added.append(candidate)
            elif why is not None:
                rejected.append(f"{candidate[:80]}: {why}")
    return added


def augment_pack(
    pack: Pack, backend: Backend, examples: dict[str, list[dict[str, Any]]], per_template: int = 3,
    params: GenerationParams | None = None,
) -> Augmented:
    """New paraphrases for a task pack's questions and answers, or a dialogue's follow-ups.

    `examples` holds real facts per task pack name (the pack itself, or each turn's task).
    """
    tasks = [pack.name] if pack.kind == "task" else [turn.task for turn in pack.turns]
    missing = [task for task in tasks if not examples.get(task)]
    if missing:
        raise TemplateError(f"no record yields facts for {', '.join(missing)}; cannot validate paraphrases")
    params = params or GenerationParams(max_tokens=400, temperature=0.8)
    result = Augmented(pack=pack)
    keep = {"backend": backend, "per_template": per_template, "params": params, "rejected": result.rejected}
    if pack.kind == "task":
        result.added_questions = _keep_valid(pack, pack.questions, True, examples[pack.name], **keep)
        result.added_answers = _keep_valid(pack, pack.answers, False, examples[pack.name], **keep)
        update = {"questions": [*pack.questions, *result.added_questions],
                  "answers": [*pack.answers, *result.added_answers]}
    else:
        turns = []
        for turn in pack.turns:
            added = _keep_valid(get_pack(turn.task), turn.followups, True, examples[turn.task], **keep)
            result.added_questions += added
            turns.append(turn.model_copy(update={"followups": [*turn.followups, *added]}))
        update = {"turns": turns}
    result.pack = pack.model_copy(update={"version": pack.version + 1, **update})
    return result


def write_pack(pack: Pack, path: Path) -> Path:
    """The pack as YAML (temp file, then rename)."""
    body = pack.model_dump(exclude_defaults=True)
    body = {"name": pack.name, "version": pack.version, **body}
    return write_text(path, yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=120))
