"""The README and docs/*.md against the code, so the documentation cannot drift.

1. Every `tristage …` command in a code block or code span names a real subcommand path, whose
   `--help` exits 0 (run in-process through the CLI's entry point, `serve.cli:app`), and every flag
   written after it is one of that command's options.
2. Every configuration key (TOML blocks, `section.key` and `key = value` code spans, `[section]`
   headers) and every `TRISTAGE_*` environment variable resolves to a field of
   `stages.config.Settings`; `assistants.<name>.<key>` may be any `BackendConfig` field or one of
   that assistant's own options.
   Where the settings type the per-assistant options, the values the docs give them must validate,
   and so must every top-level table of a TOML example.
3. The README stays a front page (at most 260 lines) and every relative link points to an existing
   file (and heading, where it names one).

Also: every repository path, `python -m` module and `make` target the docs name exists.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import io
import re
import shlex
import tomllib
import types
import typing
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import typer.main
from pydantic import BaseModel

from stages.config import BackendConfig, Settings

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]
README_MAX_LINES = 260

# Per-assistant options beside the BackendConfig fields (`assistants.<name>.<option>`), as
# docs/serving.md documents them; where the settings type them (an `options` model per assistant
# section), the names and the values the docs write are taken from and checked against that model.
DOCUMENTED_OPTIONS: dict[str, set[str]] = {
    "chem": {"phrasing", "structured"},
    "breakout": {"phrasing"},
    "general": set(),
}


@cache
def typed_options() -> dict[str, dict[str, Any]] | None:
    """{assistant: {option: FieldInfo}} from the settings' typed sections; None while untyped."""
    section_type = _model_class(Settings.model_fields["assistants"].annotation)
    if section_type is None:
        return None
    found = {}
    for name, field in section_type.model_fields.items():
        section = _model_class(field.annotation)
        options = section.model_fields.get("options") if section else None
        options_type = _model_class(options.annotation) if options else None
        if options_type is None:
            return None
        found[name] = dict(options_type.model_fields)
    return found


def assistant_options() -> dict[str, set[str]]:
    typed = typed_options()
    return {name: set(fields) for name, fields in typed.items()} if typed else DOCUMENTED_OPTIONS


def option_problem(assistant: str, option: str, value: Any) -> str:
    """'' when the value is one the option takes (checked only where options are typed)."""
    from pydantic import TypeAdapter, ValidationError

    field = (typed_options() or {}).get(assistant, {}).get(option)
    if field is None:
        return ""
    try:
        TypeAdapter(field.annotation).validate_python(value)
    except ValidationError as exc:
        return f"assistants.{assistant}.{option} does not take {value!r}: {exc.errors()[0]['msg']}"
    return ""
# Variables read straight from the environment, not settings fields; each must be read by the code.
PLAIN_VARIABLES = {"TRISTAGE_CONFIG", "TRISTAGE_BREAKGPT_DIR", "TRISTAGE_VLLM_ENV"}
SOURCE_PACKAGES = ("stages", "assistants", "serve", "evals", "train", "data_templates")


@dataclass(frozen=True)
class Snippet:
    page: str
    line: int
    text: str
    fenced: bool
    lang: str = ""

    def where(self) -> str:
        return f"{self.page}:{self.line}"


@cache
def snippets(path: Path) -> tuple[Snippet, ...]:
    """A page's code: each fenced block whole (`fenced`, with its language), each command line of a
    non-TOML block (continued lines joined; language "line"), and each inline code span."""
    name = str(path.relative_to(ROOT))
    found: list[Snippet] = []
    prose: list[str] = []
    fence: str | None = None
    lang, block, block_start = "", "", 0
    pending, start = "", 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        prose.append("" if fence is not None or re.match(r"^\s*(```|~~~)", line) else line)
        marker = re.match(r"^\s*(```+|~~~+)\s*([\w+-]*)", line)
        if fence is None:
            if marker:
                fence, lang, block, block_start = marker.group(1), marker.group(2).lower(), "", number
            continue
        if line.strip().startswith(fence):
            found.append(Snippet(name, block_start, block, True, lang))
            fence = None
            continue
        block += line + "\n"
        if lang == "toml":
            continue
        if not pending:
            start = number
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        found.append(Snippet(name, start, pending + line, True, "line"))
        pending = ""
    text = "\n".join(prose)
    for match in re.finditer(r"(?<!`)`([^`\n]+(?:\n(?!\s*\n)[^`\n]+)*)`(?!`)", text):
        line = text.count("\n", 0, match.start()) + 1
        found.append(Snippet(name, line, " ".join(match.group(1).replace("\\|", "|").split()), False))
    return tuple(found)


def all_snippets() -> list[Snippet]:
    return [s for page in PAGES for s in snippets(page)]


# --- 1. commands -------------------------------------------------------------------------------------


@cache
def app() -> typer.Typer:
    from serve.cli import app  # the [project.scripts] entry point: tristage = "serve.cli:app"

    return app


@cache
def cli() -> Any:
    """The CLI's command tree (typer's own click: groups have `.commands`)."""
    command = typer.main.get_command(app())
    assert hasattr(command, "commands")
    return command


def is_group(command: Any) -> bool:
    return hasattr(command, "commands")


@dataclass(frozen=True)
class Written:
    where: str
    text: str
    path: tuple[str, ...]
    flags: tuple[str, ...]
    problem: str = ""


def segments(snippet: Snippet) -> list[str]:
    """Shell commands in a snippet: split at `&&`, `||`, `;` and spaced pipes, comments cut."""
    text = snippet.text
    if snippet.fenced:
        text = re.sub(r"(^|\s)#.*$", "", text)
    return [part for part in re.split(r"\s(?:&&|\|\||\|)\s|;\s", text) if part.strip()]


def tokens(segment: str) -> list[str]:
    try:
        return shlex.split(segment)
    except ValueError:
        return segment.split()


FLAG = re.compile(r"^-{1,2}[A-Za-z][\w-]*$")


def read_command(where: str, segment: str) -> Written | None:
    words = tokens(segment)
    at = next((i for i, w in enumerate(words) if w == "tristage" or w.endswith("/tristage")), None)
    if at is None:
        return None
    command = cli()
    path: list[str] = []
    rest = words[at + 1:]
    while rest and is_group(command):
        word = rest[0]
        if word in command.commands:
            command = command.commands[word]
            path.append(word)
            rest = rest[1:]
            continue
        if not word.startswith("-") and not word.startswith("[") and not word.startswith("<"):
            problem = f"no command {word!r} in `tristage {' '.join(path)}`"
            return Written(where, segment, tuple(path), (), problem)
        break
    flags = []
    for word in rest:
        name = word.strip("[](),").split("=", 1)[0]
        if name.startswith("-") and FLAG.match(name):
            flags.append(name)
    return Written(where, segment, tuple(path), tuple(flags))


@cache
def written_commands() -> tuple[Written, ...]:
    found = []
    for snippet in all_snippets():
        if snippet.fenced and snippet.lang != "line":
            continue  # whole blocks; their lines are read one by one
        for segment in segments(snippet):
            command = read_command(snippet.where(), segment)
            if command is not None:
                found.append(command)
    return tuple(found)


def options_of(path: tuple[str, ...]) -> set[str]:
    command = cli()
    for word in path:
        command = command.commands[word]
    names = {"--help"}
    for param in command.params:
        if getattr(param, "param_type_name", "") == "option":
            names.update(param.opts)
            names.update(param.secondary_opts)
    return names


def test_the_docs_name_commands():
    """The scan finds the commands it should (a guard against the scanner itself breaking)."""
    paths = {c.path for c in written_commands()}
    expected_paths = [("ask",), ("serve",), ("config", "show"), ("models", "pull"), ("eval",),
                      ("vllm", "command")]
    for expected in expected_paths:
        assert expected in paths, f"`tristage {' '.join(expected)}` is not found in the docs any more"


def test_every_written_command_exists():
    problems = [f"{c.where}: `{c.text.strip()}`: {c.problem}" for c in written_commands() if c.problem]
    assert not problems, "\n".join(problems)


def run_help(path: tuple[str, ...]) -> tuple[int, str]:
    """`tristage <path> --help` in this process, on the command tree typer builds from the entry point
    (built once: a CliRunner would rebuild it for every call)."""
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            code = cli().main([*path, "--help"], prog_name="tristage", standalone_mode=False)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except Exception as exc:  # a usage error or a crash while building the help
        return 1, f"{type(exc).__name__}: {exc}"
    return (0 if code is None else code), out.getvalue()


def test_every_written_subcommand_answers_help():
    failures = []
    for path in sorted({c.path for c in written_commands() if not c.problem}):
        code, output = run_help(path)
        if code != 0 or "Usage" not in output:
            failures.append(f"`tristage {' '.join(path)} --help` exited {code}: {output[-500:]}")
    assert not failures, "\n".join(failures)


def test_every_written_flag_is_an_option():
    problems = []
    for command in written_commands():
        if command.problem:
            continue
        known = options_of(command.path)
        for flag in command.flags:
            if flag not in known:
                problems.append(f"{command.where}: `tristage {' '.join(command.path)}` has no option {flag} "
                                f"(in `{command.text.strip()}`)")
    assert not problems, "\n".join(problems)


# --- 2. configuration keys and environment variables -------------------------------------------------


def _model_class(annotation: Any) -> type[BaseModel] | None:
    for candidate in (annotation, *typing.get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def _is_dict(annotation: Any) -> tuple[bool, Any]:
    origin = typing.get_origin(annotation)
    if origin is dict:
        return True, typing.get_args(annotation)[1]
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found, value = _is_dict(arg)
            if found:
                return True, value
    return False, None


def resolve(parts: list[str]) -> str:
    """'' when the dotted key names a settings field (or lies under a free-form dict), else why not."""
    if not parts or not all(parts):
        return "empty key part"
    if parts[0] == "assistants":
        if len(parts) == 1:
            return ""
        name, options = parts[1], assistant_options()
        if name not in options:
            return f"no assistant {name!r} (known: {', '.join(sorted(options))})"
        if len(parts) == 2:
            return ""
        if parts[2] in options[name]:
            return "" if len(parts) == 3 else f"{parts[2]} has no keys below it"
        return _resolve_in(BackendConfig, parts[2:], f"assistants.{name}")
    return _resolve_in(Settings, parts, "")


def _resolve_in(model: type[BaseModel], parts: list[str], where: str) -> str:
    head, rest = parts[0], parts[1:]
    field = model.model_fields.get(head)
    here = f"{where}.{head}" if where else head
    if field is None:
        return f"{model.__name__} has no field {head!r} ({here})"
    if not rest:
        return ""
    annotation = field.annotation
    inner = _model_class(annotation)
    if inner is not None:
        return _resolve_in(inner, rest, here)
    is_dict, value = _is_dict(annotation)
    if is_dict:
        value_model = _model_class(value)
        if value_model is None:
            return ""  # a free-form dict (e.g. backend.options)
        return "" if len(rest) == 1 else _resolve_in(value_model, rest[1:], f"{here}.{rest[0]}")
    return f"{here} is a value, not a section (asked for {'.'.join(parts)})"


def variable_parts(name: str) -> list[str]:
    return [part.lower() for part in name.removeprefix("TRISTAGE_").rstrip("_").split("__")]


@cache
def source_text() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for package in SOURCE_PACKAGES
                     for p in (ROOT / package).rglob("*.py"))


def written_variables() -> list[tuple[str, str, str | None]]:
    """(where, name, value written after `=` or None) for every `TRISTAGE_*` variable the docs name."""
    found = []
    for page in PAGES:
        for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
            for match in re.finditer(r"\bTRISTAGE_[A-Z0-9_]*[A-Z0-9](?:=([^\s`|'\"]*))?", line):
                name = match.group(0).split("=", 1)[0]
                value = match.group(1)
                found.append((f"{page.relative_to(ROOT)}:{number}", name, value or None))
    return found


def assistant_value_problem(parts: list[str], value: Any) -> str:
    if len(parts) == 3 and parts[0] == "assistants" and value is not None:
        return option_problem(parts[1], parts[2], value)
    return ""


def test_every_environment_variable_is_a_setting():
    variables = written_variables()
    assert any(name == "TRISTAGE_BACKEND__KIND" for _, name, _ in variables)  # the scan still works
    problems = []
    for where, name, value in variables:
        if name in PLAIN_VARIABLES:
            if f'"{name}"' not in source_text():
                problems.append(f"{where}: {name} is not read anywhere in the code")
            continue
        parts = variable_parts(name)
        why = resolve(parts) or assistant_value_problem(parts, value)
        if why:
            problems.append(f"{where}: {name}: {why}")
    assert not problems, "\n".join(problems)


def test_the_documented_options_exist():
    """The per-assistant options the docs describe are the ones the settings define."""
    options = assistant_options()
    for name, documented in DOCUMENTED_OPTIONS.items():
        assert name in options, f"no [assistants.{name}] section in the settings"
        missing = documented - options[name]
        assert not missing, f"assistants.{name} has no option {', '.join(sorted(missing))}"
        extra = options[name] - documented
        assert not extra, f"assistants.{name}.{', '.join(sorted(extra))} is not in docs/serving.md's table"
    serving = (ROOT / "docs" / "serving.md").read_text(encoding="utf-8")
    for name, documented in options.items():
        for option in documented:
            key = f"assistants.{name}.{option}"
            assert key in serving, f"docs/serving.md does not name {key}"


def _flatten(table: dict[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    keys = []
    for key, value in table.items():
        path = (*prefix, key)
        keys.append((path, None if isinstance(value, dict) else value))
        if isinstance(value, dict):
            keys.extend(_flatten(value, path))
    return keys


def written_keys() -> list[tuple[str, str, Any]]:
    """(where, dotted key, value where a TOML block gives one) for every config key the docs write."""
    found = []
    sections = {name for name, field in Settings.model_fields.items()
                if _model_class(field.annotation) or _is_dict(field.annotation)[0]}
    for snippet in all_snippets():
        if snippet.fenced:
            if snippet.lang == "toml":
                try:
                    table = tomllib.loads(snippet.text)
                except tomllib.TOMLDecodeError as exc:
                    found.append((snippet.where(), f"<invalid TOML: {exc}>", None))
                    continue
                found.extend((snippet.where(), ".".join(key), value) for key, value in _flatten(table))
            continue
        text = snippet.text.strip()
        header = re.fullmatch(r"\[([a-z_][\w.]*)\]", text)
        assignment = re.fullmatch(r"([a-z_][\w.]*) += +(?!=)\S.*", text)  # TOML style, not key=value
        dotted = re.fullmatch(r"([a-z_]\w*(?:\.[a-z_]\w*)+)", text)
        if header:
            found.append((snippet.where(), header.group(1), None))
        elif assignment and not text.startswith(("tristage", "python")):
            found.append((snippet.where(), "~" + assignment.group(1), None))  # relative to some section
        elif dotted and dotted.group(1).split(".")[0] in sections and not _importable(dotted.group(1)):
            found.append((snippet.where(), dotted.group(1), None))
    return found


def _importable(dotted: str) -> bool:
    """A module, or a name in one (`serve.cli`, `assistants.chem.depict.reaction_svg`), not a config key."""
    module, _, name = dotted.rpartition(".")
    for candidate, attribute in ((dotted, None), (module, name)):
        try:
            if not candidate or importlib.util.find_spec(candidate) is None:
                continue
        except (ImportError, ValueError):
            continue
        if attribute is None or hasattr(importlib.import_module(candidate), attribute):
            return True
    return False


def test_every_config_key_is_a_setting():
    keys = written_keys()
    assert any(key == "backend.kind" for _, key, _ in keys)  # the scan still works
    places = [[]] + [[name] for name in ("backend", "serve", "knowledge", "safety")]
    problems = []
    for where, key, value in keys:
        if key.startswith("<invalid"):
            problems.append(f"{where}: {key}")
            continue
        if key.startswith("~"):  # `key = value` in prose: a key of the top level or of some section
            parts = key[1:].split(".")
            if all(resolve(place + parts) for place in places) and resolve(["assistants", "chem", *parts]):
                problems.append(f"{where}: `{key[1:]} = …` is no settings key in any section")
            continue
        parts = key.split(".")
        why = resolve(parts) or assistant_value_problem(parts, value)
        if why:
            problems.append(f"{where}: {key}: {why}")
    assert not problems, "\n".join(problems)


def test_every_toml_block_validates():
    """The values the TOML examples give are values the settings take."""
    from pydantic import TypeAdapter, ValidationError

    problems = []
    blocks = [s for s in all_snippets() if s.fenced and s.lang == "toml"]
    assert blocks
    for block in blocks:
        table = tomllib.loads(block.text)
        for key, value in table.items():
            field = Settings.model_fields.get(key)
            if field is None:
                continue  # reported by test_every_config_key_is_a_setting
            try:
                TypeAdapter(field.annotation).validate_python(value)
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join([key, *map(str, first["loc"])])
                problems.append(f"{block.where()}: {where}: {first['msg']}")
    assert not problems, "\n".join(problems)


def test_the_documented_defaults_hold():
    """The defaults the front page states."""
    assert BackendConfig().kind == "llamacpp"
    assert Settings.model_fields["serve"].default_factory().port == 7860


# --- paths, modules and make targets the docs name ---------------------------------------------------

REPO_DIRS = ("stages", "assistants", "serve", "evals", "train", "data_templates", "benchmarks", "tests",
             "docs", ".ci")
PATH = re.compile(r"^(?:\./)?((?:%s)/[\w./*-]*)(?:::(\w+))?$" % "|".join(re.escape(d) for d in REPO_DIRS))


def written_words() -> list[tuple[str, list[str]]]:
    """(where, words) of every code span and every line of a fenced block."""
    found = []
    for snippet in all_snippets():
        if snippet.fenced and snippet.lang not in ("line",):
            continue
        found.append((snippet.where(), [w.strip("`'\",;:()[]") for w in snippet.text.split()]))
    return found


def test_every_named_path_exists():
    problems, checked = [], 0
    for where, words in written_words():
        for word in words:
            match = PATH.match(word)
            if not match or "<" in word:
                continue
            path, test_name = match.group(1).rstrip("."), match.group(2)
            checked += 1
            hits = list(ROOT.glob(path)) if "*" in path else [ROOT / path] if (ROOT / path).exists() else []
            if not hits:
                problems.append(f"{where}: {path} does not exist")
            elif test_name and f"def {test_name}(" not in hits[0].read_text(encoding="utf-8"):
                problems.append(f"{where}: {path} has no {test_name}")
    assert checked, "no paths found; the scan is broken"
    assert not problems, "\n".join(problems)


def test_every_python_module_run_exists():
    problems = []
    for where, words in written_words():
        for before, module in zip(words, words[1:]):
            if before == "-m" and re.fullmatch(r"[a-z_][\w.]*", module) and module.split(".")[0] in REPO_DIRS:
                if importlib.util.find_spec(module) is None:
                    problems.append(f"{where}: no module {module}")
    assert not problems, "\n".join(problems)


def test_every_make_target_exists():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"(?m)^([\w-]+):", makefile))
    named = {(where, words[i + 1]) for where, words in written_words() for i, word in enumerate(words[:-1])
             if word == "make" and re.fullmatch(r"[\w-]+", words[i + 1])}
    assert any(target == "test" for _, target in named), "the docs no longer name `make test`"
    problems = [f"{where}: no make target {target}" for where, target in sorted(named)
                if target not in targets]
    assert not problems, "\n".join(problems)


# --- 3. the front page and the links -----------------------------------------------------------------


def test_readme_is_a_front_page():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines; move detail into docs/"


def slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = heading.replace("`", "").strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


@cache
def anchors(path: Path) -> frozenset[str]:
    seen: dict[str, int] = {}
    found = set()
    fence = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if re.match(r"^\s*(```|~~~)", line):
            fence = not fence
            continue
        match = None if fence else re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if match:
            base = slug(match.group(1))
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
    return frozenset(found)


def links(path: Path) -> list[tuple[int, str]]:
    found = []
    fence = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if re.match(r"^\s*(```|~~~)", line):
            fence = not fence
            continue
        if fence:
            continue
        line = re.sub(r"`[^`]*`", "", line)
        found.extend((number, m.group(1)) for m in re.finditer(r"\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)", line))
    return found


def test_every_relative_link_resolves():
    problems = []
    checked = 0
    for page in PAGES:
        for number, target in links(page):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):
                continue  # http:, https:, mailto:
            file_part, _, anchor = target.partition("#")
            destination = (page.parent / file_part).resolve() if file_part else page
            where = f"{page.relative_to(ROOT)}:{number}"
            checked += 1
            if not destination.exists():
                problems.append(f"{where}: {target} does not exist")
            elif anchor and destination.suffix == ".md" and anchor not in anchors(destination):
                problems.append(f"{where}: {target}: no heading #{anchor} in {destination.relative_to(ROOT)}")
    assert checked, "no relative links found; the scan is broken"
    assert not problems, "\n".join(problems)


DOC_PAGES = ["chem", "breakout", "general", "serving", "datasets", "evaluation", "fine-tuning", "benchmarks",
             "coverage", "names", "understanding", "vllm"]


def test_the_readme_links_every_page():
    readme = README.read_text(encoding="utf-8")
    missing = [f"docs/{page}.md" for page in DOC_PAGES if f"](docs/{page}.md" not in readme]
    assert not missing, f"README.md does not link {', '.join(missing)}"
