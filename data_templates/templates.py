"""Template packs: versioned YAML + Jinja2 data, loaded, checked and rendered.

A pack is either a `task` (≥ 10 question and ≥ 5 answer paraphrases over declared fields, plus
the checks every answer must pass) or a `dialogue` (a chain of task packs, each later turn asked
with its own follow-up paraphrases). Every template is compiled once under StrictUndefined, and a
field a template uses but the pack does not declare fails at load time, before any build starts.
A pack's text is pinned by a content hash in `packs/packs.lock.json`; changing the text without
bumping `version` is refused (see `lock_problems`).
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, Literal

import jinja2
import jinja2.meta
import yaml
from pydantic import BaseModel, Field, ValidationError, model_validator

from stages.atomic import write_text

PACKS_DIR = Path(__file__).with_name("packs")
LOCK_PATH = PACKS_DIR / "packs.lock.json"
MIN_QUESTIONS, MIN_ANSWERS = 10, 5

CheckKind = Literal["smiles", "number", "formula", "text", "choice"]


class TemplateError(ValueError):
    """A pack that cannot be used: bad YAML, too few paraphrases, an unknown field, a typo'd name."""


class Check(BaseModel):
    """A fact an answer must state: `field` holds the expected value, `kind` how to find it in text."""

    kind: CheckKind
    field: str
    tolerance: float = Field(default=0.0, ge=0, description="relative tolerance for numbers")
    options: list[str] = Field(default_factory=list, description="choice: the values that must not be mixed")


class Turn(BaseModel):
    """One turn of a dialogue: the answers and checks of `task`, asked with `followups`."""

    task: str
    followups: list[str] = Field(default_factory=list)


class Pack(BaseModel):
    name: str
    version: int = Field(ge=1)
    kind: Literal["task", "dialogue"] = "task"
    domain: Literal["chem", "market"]
    description: str
    fields: dict[str, str] = Field(default_factory=dict, description="field name -> meaning")
    checks: list[Check] = Field(default_factory=list)
    hidden: list[str] = Field(default_factory=list, description="answer-only fields (labels) no question may use")
    system: str = ""
    questions: list[str] = Field(default_factory=list)
    answers: list[str] = Field(default_factory=list)
    turns: list[Turn] = Field(default_factory=list)

    @model_validator(mode="after")
    def _shape(self) -> Pack:
        if self.kind == "task":
            if len(self.questions) < MIN_QUESTIONS or len(self.answers) < MIN_ANSWERS:
                raise ValueError(
                    f"a task pack needs ≥ {MIN_QUESTIONS} questions and ≥ {MIN_ANSWERS} answers "
                    f"(has {len(self.questions)} and {len(self.answers)})"
                )
            unknown = [f for f in [*(c.field for c in self.checks), *self.hidden] if f not in self.fields]
            if unknown:
                raise ValueError(f"checks or hidden name undeclared fields: {', '.join(unknown)}")
        else:
            if len(self.turns) < 2:
                raise ValueError("a dialogue pack needs at least two turns")
            short = [t.task for t in self.turns[1:] if len(t.followups) < MIN_QUESTIONS]
            if short:
                raise ValueError(f"follow-up turns need ≥ {MIN_QUESTIONS} paraphrases: {', '.join(short)}")
        return self

    def texts(self) -> list[str]:
        """Every template string of the pack (for field checks and rendering tests)."""
        return [self.system, *self.questions, *self.answers, *(f for t in self.turns for f in t.followups)]

    def content_hash(self) -> str:
        """sha256 of everything but the version: the text the version number vouches for."""
        body = self.model_dump(exclude={"version"}, exclude_defaults=True)
        return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


_ENV = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=False)
_ENV.globals.clear()  # packs use only their declared fields; an empty globals map also makes rendering cheaper


_PLACEHOLDER = re.compile(r"{{\s*([A-Za-z_]\w*)\s*}}")
Renderer = Callable[[dict[str, Any]], str]


def _substitute(parts: list[str]) -> Renderer:
    """Render a template made only of text and bare `{{ field }}`s with `str.format_map` (≈10× faster
    than Jinja; for the str, int, float and bool values facts hold, `format(value, "")` is `str(value)`,
    which is what Jinja prints)."""
    pattern = "".join(
        part.replace("{", "{{").replace("}", "}}") if index % 2 == 0 else "{" + part + "}"
        for index, part in enumerate(parts)
    )

    def fill(context: dict[str, Any]) -> str:
        try:
            return pattern.format_map(context)
        except KeyError as exc:
            raise jinja2.UndefinedError(f"{exc.args[0]!r} is undefined") from None

    return fill


@cache
def _jinja(text: str) -> jinja2.Template:
    return _ENV.from_string(text)


@cache
def compile_template(text: str) -> Renderer:
    """A renderer for one template: plain substitution when it has no filters or blocks, else Jinja.

    Both give the same text (checked for every pack by the generic test)."""
    parts = _PLACEHOLDER.split(text)
    literals = parts[::2]
    if not any(marker in literal for literal in literals for marker in ("{{", "{%", "{#")):
        return _substitute(parts)
    return _jinja(text).render


def render(text: str, context: dict[str, Any]) -> str:
    """Render one template; a missing field raises jinja2.UndefinedError."""
    return compile_template(text)(context).strip()


def render_with_jinja(text: str, context: dict[str, Any]) -> str:
    """Always through Jinja: the reference `render` must agree with."""
    return _jinja(text).render(context).strip()


def template_fields(text: str) -> set[str]:
    return jinja2.meta.find_undeclared_variables(_ENV.parse(text))


def pack_paths() -> list[Path]:
    return sorted(PACKS_DIR.glob("*/*.yaml"))


def load_pack_file(path: Path) -> Pack:
    """Parse and check one YAML pack; TemplateError names the file and the problem."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        pack = Pack.model_validate(data)
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise TemplateError(f"{path.name}: {exc}") from exc
    for text in pack.texts():
        try:
            used = template_fields(text)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(f"{pack.name}: template syntax error in {text[:60]!r}: {exc}") from exc
        unknown = used - set(pack.fields)
        if pack.kind == "task" and unknown:
            raise TemplateError(f"{pack.name}: unknown template field(s) {', '.join(sorted(unknown))} in {text[:60]!r}")
        compile_template(text)
    for question in pack.questions:
        _refuse_hidden(pack.name, question, pack.hidden)
    return pack


def _refuse_hidden(name: str, question: str, hidden: list[str]) -> None:
    leaked = template_fields(question) & set(hidden)
    if leaked:
        raise TemplateError(f"{name}: a question uses answer-only field(s) {', '.join(sorted(leaked))}: {question[:60]!r}")


@cache
def all_packs() -> dict[str, Pack]:
    """Every pack shipped in `packs/`, by name; dialogue turns must name existing task packs."""
    packs: dict[str, Pack] = {}
    for path in pack_paths():
        pack = load_pack_file(path)
        if pack.name in packs:
            raise TemplateError(f"two packs are named {pack.name!r}")
        packs[pack.name] = pack
    for pack in packs.values():
        for turn in pack.turns:
            target = packs.get(turn.task)
            if target is None or target.kind != "task":
                raise TemplateError(f"{pack.name}: turn names unknown task pack {turn.task!r}")
            unknown = set().union(*(template_fields(f) for f in turn.followups)) - set(target.fields)
            if unknown:
                raise TemplateError(f"{pack.name}: follow-ups of {turn.task} use unknown field(s) {', '.join(sorted(unknown))}")
            for followup in turn.followups:
                _refuse_hidden(pack.name, followup, target.hidden)
    return packs


def get_pack(name: str) -> Pack:
    """A pack by name (`chem.formula`) or short name (`formula`), with a near-miss hint on typos."""
    packs = all_packs()
    if name in packs:
        return packs[name]
    short = [full for full in packs if full.split(".", 1)[1] == name]
    if len(short) == 1:
        return packs[short[0]]
    close = difflib.get_close_matches(name, list(packs), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise TemplateError(f"unknown template pack {name!r}{hint}")


def domain_packs(domain: str, names: list[str]) -> list[Pack]:
    """The named packs (all of the domain's when `names` is empty); other domains' packs are refused."""
    if not names:
        return [p for p in all_packs().values() if p.domain == domain]
    chosen = [get_pack(name) for name in names]
    foreign = [p.name for p in chosen if p.domain != domain]
    if foreign:
        raise TemplateError(f"pack(s) {', '.join(foreign)} are not {domain} packs")
    return chosen


def read_lock() -> dict[str, dict[str, Any]]:
    return json.loads(LOCK_PATH.read_text(encoding="utf-8")) if LOCK_PATH.is_file() else {}


def lock_problems(packs: dict[str, Pack], lock: dict[str, dict[str, Any]]) -> list[str]:
    """Packs whose text changed without a version bump, or that the lock does not record yet."""
    problems = []
    for name, pack in sorted(packs.items()):
        entry = lock.get(name)
        if entry is None:
            problems.append(f"{name}: not in the lock file; run `tristage data lock`")
        elif entry["sha256"] != pack.content_hash():
            if entry["version"] >= pack.version:
                problems.append(f"{name}: text changed but version is still {pack.version}; bump `version`")
            else:
                problems.append(f"{name}: version bumped to {pack.version}; run `tristage data lock` to record it")
        elif entry["version"] != pack.version:
            problems.append(f"{name}: version changed to {pack.version} without a text change; restore {entry['version']}")
    problems += [f"{name}: in the lock file but no pack has that name" for name in sorted(set(lock) - set(packs))]
    return problems


def write_lock(packs: dict[str, Pack]) -> Path:
    """Record every pack's version and hash; refuses text changes that kept their version."""
    old = read_lock()
    stale = [p for p in lock_problems(packs, old) if "bump `version`" in p or "restore" in p]
    if stale:
        raise TemplateError("; ".join(stale))
    body = {name: {"version": p.version, "sha256": p.content_hash()} for name, p in sorted(packs.items())}
    return write_text(LOCK_PATH, json.dumps(body, indent=2) + "\n")
