"""LLM augmentation: a model proposes new paraphrases of a pack's templates; the validators decide.

Any backend will do (embedded, an OpenAI-compatible server, LangChain). A candidate is kept only
if it is valid Jinja over the pack's declared fields, keeps answer-only fields out of questions,
and — rendered with real records' facts — every answer passes the pack's checks. The result is a
new pack with the version bumped, written as YAML for review; it joins the shipped packs only when
someone copies it into `packs/` and runs `tristage data lock`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import jinja2
import yaml
from pydantic import BaseModel, Field

from data_templates.checks import answer_problems
from data_templates.templates import Pack, TemplateError, render, template_fields
from stages.backends.base import Backend, GenerationParams
from stages.messages import Message

INSTRUCTION = (
    "Rewrite the template below in {n} different ways, as a native speaker would phrase it. Keep every "
    "{{{{ placeholder }}}} exactly as written (same names, same braces) and keep backticks around the ones that "
    "have them. Do not add facts or numbers. Reply with one rewrite per line, nothing else."
)


class Augmented(BaseModel):
    pack: Pack
    added_questions: list[str] = Field(default_factory=list)
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
    if text in pack.questions or text in pack.answers:
        return "already in the pack"
    for facts in examples:
        try:
            rendered = render(text, facts)
        except jinja2.UndefinedError as exc:
            return f"does not render: {exc}"
        if not is_question and (problems := answer_problems(pack.checks, rendered, facts)):
            return "; ".join(problems)
    return None


def augment_pack(
    pack: Pack, backend: Backend, examples: list[dict[str, Any]], per_template: int = 3,
    params: GenerationParams | None = None,
) -> Augmented:
    """New paraphrases for every question and answer of a task pack, filtered by the validators."""
    if pack.kind != "task":
        raise TemplateError(f"{pack.name} is a dialogue; augment its task packs instead")
    if not examples:
        raise TemplateError(f"no record yields facts for {pack.name}; cannot validate paraphrases")
    params = params or GenerationParams(max_tokens=400, temperature=0.8)
    result = Augmented(pack=pack)
    for is_question, pool, added in ((True, pack.questions, result.added_questions),
                                     (False, pack.answers, result.added_answers)):
        for template in pool:
            for candidate in candidates(backend, template, per_template, params):
                why = rejection(pack, candidate, is_question, examples)
                if why is None and candidate not in added:
                    added.append(candidate)
                elif why is not None:
                    result.rejected.append(f"{candidate[:80]}: {why}")
    result.pack = pack.model_copy(update={
        "version": pack.version + 1,
        "questions": [*pack.questions, *result.added_questions],
        "answers": [*pack.answers, *result.added_answers],
    })
    return result


def write_pack(pack: Pack, path: Path) -> Path:
    """The pack as YAML (temp file, then rename)."""
    body = pack.model_dump(exclude_defaults=True)
    body = {"name": pack.name, "version": pack.version, **body}
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temp.write_text(yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=120), encoding="utf-8")
    os.replace(temp, path)
    return path
