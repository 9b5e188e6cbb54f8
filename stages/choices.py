"""Multiple-choice questions: the options a question lists, and the option(s) an answer names.

One reader for every place that needs it: detect reads a question's options (lettered "A. …",
"(B) …", numbered "1) …", one per line or inline), the assistants read which option a draft chose,
the composer writes the choice first and in the `[ANSWER]C[/ANSWER]` form benchmark harnesses read,
and the eval scorers read letters with the same patterns.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

_LINE_OPTION = re.compile(r"^\s*(?:\(([A-Ha-h1-9])\)|([A-H1-9])\s*[.):：]|([a-h])\))\s*(\S.*?)\s*$")
# Options on one line, each shape with its label in group 1: "(A) x", "(a) x", "(1) x"; "A) x", "a) x",
# "1) x"; and, only after a question mark or colon, "A. x" and "1. x".
_INLINE_SHAPES = (
    (re.compile(r"\(([A-Ha-h1-9])\)\s*"), False),
    (re.compile(r"(?:^|(?<=\s)|(?<=[:?]))([A-Ha-h1-9])\)\s*"), False),
    (re.compile(r"(?:^|(?<=\s))([A-H])[.:]\s+"), True),
    (re.compile(r"(?:^|(?<=\s))([1-9])\.\s+"), True),
)
# "… is it ethanol, benzene, methanol or propane?": alternatives without labels, three or more.
_ALTERNATIVES = re.compile(r"(?:^|(?<=[.?!:]))\s*(?:is it|is that|would it be|could it be|which one|which)\s*[:,-]?\s+"
                           r"(?P<items>[^?]+?,[^?]+?,?\s+or\s+[^?]+?)\s*\?\s*$", re.IGNORECASE)
# "… i'm stuck between X, Y, Z or W - which is it?": the same, named after "between" or "among".
_BETWEEN = re.compile(r"\b(?:between|among(?:st)?|choosing from|choose from)\s+(?P<items>[^?]+?,[^?]+?,?\s+(?:or|and)\s+[^?]+?)"
                      r"\s*(?:[-–—,;]\s*(?:which|what)\b[^?]*)?\?\s*$", re.IGNORECASE)
_OPTIONS_HEAD = re.compile(r"\s*(?:options|choices|answer choices)\s*:?\s*$", re.IGNORECASE)
_TAGGED = re.compile(r"\[ANSWER\]\s*(.*?)\s*\[/?ANSWER\]", re.DOTALL | re.IGNORECASE)


class Option(BaseModel):
    label: str = Field(description="as the question writes it: A, B, … or 1, 2, …")
    text: str


class Choices(BaseModel):
    """A question split into its stem and its options (none when it lists none)."""

    stem: str
    options: list[Option] = Field(default_factory=list)
    lettered: bool = Field(True, description="the question labels its options; unlabelled alternatives get A, B, … here")

    @property
    def labels(self) -> list[str]:
        return [o.label for o in self.options]

    def option(self, label: str) -> Option | None:
        return next((o for o in self.options if o.label == label), None)


def _in_sequence(labels: list[str]) -> bool:
    """Labels that run A, B, C … (or 1, 2, 3 …) from the first: a list of options, not stray letters."""
    if len(labels) < 2:
        return False
    first = "A" if labels[0].isalpha() else "1"
    return labels == [chr(ord(first) + i) for i in range(len(labels))]


def _line_options(lines: list[str]) -> tuple[int, int, list[Option]] | None:
    """Options written one per line: the last run of option lines (blank lines allowed inside) whose
    labels run A, B, C …; returns (first line, line after the last, options). Lines after the run
    (a harness's answer instructions) stay outside the options."""
    best: tuple[int, int, list[Option]] | None = None
    i = 0
    while i < len(lines):
        options: list[Option] = []
        start = end = i
        j = i
        while j < len(lines):
            match = _LINE_OPTION.match(lines[j])
            if match:
                label = (match.group(1) or match.group(2) or match.group(3)).upper()
                options.append(Option(label=label, text=match.group(4)))
                end = j + 1
            elif lines[j].strip():
                break
            j += 1
        if _in_sequence([o.label for o in options]):
            best = (start, end, options)
        i = max(j, i + 1)
    return best


def _label(mark: re.Match[str]) -> str:
    return mark.group(1).upper()


def _inline_options(text: str) -> tuple[str, list[Option]] | None:
    """Options written on one line in one of the shapes above, labels running from A (or 1)."""
    for pattern, after_question in _INLINE_SHAPES:
        marks = list(pattern.finditer(text))
        for first in range(len(marks)):
            if _label(marks[first]) not in ("A", "1"):
                continue
            run = [marks[first]]
            for mark in marks[first + 1:]:
                if ord(_label(mark)) == ord(_label(run[-1])) + 1:
                    run.append(mark)
            head = text[: run[0].start()]
            if len(run) < 2 or (after_question and "?" not in head and ":" not in head):
                continue
            ends = [m.start() for m in run[1:]] + [len(text)]
            options = [Option(label=_label(m), text=text[m.end():end].strip(" ,;\n")) for m, end in zip(run, ends)]
            if all(o.text for o in options):
                return head.rstrip(), options
    return None


def _alternatives(text: str) -> tuple[str, list[Option]] | None:
    """"… is it X, Y, Z or W?", "stuck between X, Y, Z or W - which is it?": the alternatives as options A, B, …
    (the reply names them by text)."""
    match = _ALTERNATIVES.search(text) or _BETWEEN.search(text)
    if match is None:
        return None
    items = [i.strip(" .") for i in re.split(r",\s*(?:or\s+|and\s+)?|\s+(?:or|and)\s+", match.group("items")) if i.strip(" .")]
    if len(items) < 3:
        return None
    options = [Option(label=chr(ord("A") + n), text=item) for n, item in enumerate(items)]
    return text[: match.start()].strip(), options


def read_choices(text: str) -> Choices:
    """The question's stem and options; a question without a list of options has none."""
    lines = text.strip().splitlines()
    found = _line_options(lines)
    if found is not None:
        start, end, options = found
        before = lines[:start]
        if before and _OPTIONS_HEAD.fullmatch(before[-1]):
            before = before[:-1]
        return Choices(stem="\n".join([*before, *lines[end:]]).strip(), options=options)
    inline = _inline_options(text.strip())
    if inline is not None:
        stem, options = inline
        return Choices(stem=re.sub(r"(?:options|choices)\s*:?\s*$", "", stem, flags=re.IGNORECASE).strip(), options=options)
    alternatives = _alternatives(text.strip())
    if alternatives is not None and alternatives[0]:
        stem, options = alternatives
        return Choices(stem=stem, options=options, lettered=False)
    return Choices(stem=text.strip())


def without_answer_tags(text: str) -> str:
    """The text with its [ANSWER]…[/ANSWER] tags taken out (a claim parser must not read "C" in them)."""
    return _TAGGED.sub(" ", text)


def answer_tag(labels: list[str]) -> str:
    """The chosen option(s) as benchmark harnesses read them: [ANSWER]A, C[/ANSWER]."""
    return f"[ANSWER]{', '.join(labels)}[/ANSWER]"


def _choice_patterns(last: str) -> tuple[tuple[str, re.RegexFlag], ...]:
    letter = f"[A-{last}]"
    return (
        (rf"(?i:answer)\s*(?:(?i:is)|:|：)?\s*(?:(?i:option)\s*)?\(?\**({letter})\b", re.NOFLAG),
        (rf"(?i:option|choice)\s*\(?({letter})\b", re.NOFLAG),
        (rf"^\s*\(?\**({letter})\**\s*(?:[.):：]|$)", re.MULTILINE),
        (rf"\(({letter})\)", re.NOFLAG),
        (rf"(?<![A-Za-z0-9])({letter})(?![A-Za-z0-9])", re.NOFLAG),
    )


def extract_choice(text: str, last: str = "D", loose: bool = True) -> str | None:
    """The option letter (A to `last`), OpenCompass-style: explicit 'answer is X' first, then a
    leading letter; `loose` adds the first stand-alone capital letter (a harness's last resort,
    too weak to check a reply by)."""
    patterns = _choice_patterns(last)
    for pattern, flags in patterns if loose else patterns[:-1]:
        match = re.search(pattern, text, flags)
        if match:
            return match.group(1).upper()
    return None


def extract_letters(text: str, options: int, loose: bool = True) -> tuple[list[str] | None, str]:
    """The letters an answer chose, ChemBench's way: inside [ANSWER]…[/ANSWER] first, else an answer
    that is only letters, else the OpenCompass reading of one letter. Returns the letters and which
    reading found them."""
    allowed = [chr(ord("A") + i) for i in range(options)]
    tagged = _TAGGED.search(text)
    if tagged:
        letters = sorted({x.upper() for x in re.findall(r"\b([A-Za-z])\b", tagged.group(1)) if x.upper() in allowed})
        return (letters or None), "tagged"
    bare = [p for p in re.split(r"[,\s]+", text.strip()) if p]
    if bare and all(p.upper() in allowed for p in bare):
        return sorted({p.upper() for p in bare}), "letters only"
    one = extract_choice(text, allowed[-1], loose=loose)
    return ([one] if one else None), "fallback"


_STATED = re.compile(r"(?i:\banswer\s*(?:is|would be|:)\s*(?:option\s+)?|\boption\s+|\bchoice\s+)\(?([A-Z])\)?(?![\w'])")


def stated_options(text: str, choices: Choices) -> list[str]:
    """Every option a reply states as its answer ("The answer is C", "option D"), once each in order: a
    reply that states two in turn has not chosen."""
    labels = {o.label for o in choices.options}
    return list(dict.fromkeys(m.group(1) for m in _STATED.finditer(without_answer_tags(text)) if m.group(1) in labels))


def chosen(text: str, choices: Choices) -> list[str]:
    """The option labels a reply names (strict readings only); numbered options map through their
    position, and a reply that quotes exactly one option's text names that option."""
    if not choices.options:
        return []
    if not choices.lettered:  # alternatives without labels: the one the reply's first line names
        first = text.strip().split("\n")[0].lower()
        named = [o.label for o in choices.options if re.search(rf"(?<![\w-]){re.escape(o.text.lower())}(?![\w-])", first)]
        return named if len(named) == 1 else []
    letters, _ = extract_letters(text, len(choices.options), loose=False)
    if letters:
        return [choices.options[ord(letter) - ord("A")].label for letter in letters]
    if not choices.options[0].label.isalpha():
        match = re.search(r"(?i:answer|option|choice)\s*(?:is|:)?\s*\(?(\d)\b", text)
        if match and choices.option(match.group(1)):
            return [match.group(1)]
    lowered = text.lower()
    quoted = [o.label for o in choices.options if len(o.text) >= 2 and o.text.lower() in lowered]
    return quoted if len(quoted) == 1 else []
