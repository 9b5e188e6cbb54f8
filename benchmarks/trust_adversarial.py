"""The adversarial trust set through the real pipelines: does each status keep its promise?

Every item of benchmarks/adversarial/questions.yaml is asked of its assistant (chem, breakout,
general) as a user would ask it. By default no model runs: chem answers with template phrasing from
the tools, and the breakout and general assistants get a scripted backend that answers nothing
useful, so their replies show what the tools and checks make of a useless draft. `--model` uses
the configured model instead. Items with a `draft` always replay that model output (seen in use)
through the scripted backend, to hold the checks to it.

Reported, overall and per category: status agreement with the expected statuses; wrong but
verified (a verified reply that lacks an expected fact, or whose item may not be verified at all)
and its share of verified replies; wrong but corrected; non-answers marked verified; replies that
contain prompt or repair-feedback text. All four counts must be 0.

    python benchmarks/trust_adversarial.py                          # tools only
    python benchmarks/trust_adversarial.py --category why --show-failures 10
    python benchmarks/trust_adversarial.py --model --json out/adversarial-model.json
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from pydantic import BaseModel, Field

sys.path.append(str(Path(__file__).resolve().parents[1]))  # after PYTHONPATH: a checkout named there is measured

from assistants.chem.answer import compose  # noqa: E402
from assistants.chem.assistant import ChemAssistant  # noqa: E402
from assistants.chem.facts import gather_facts  # noqa: E402
from assistants.general.assistant import GeneralAssistant  # noqa: E402
from assistants.market.assistant import BreakoutAssistant  # noqa: E402
from benchmarks.adversarial.bars import bars_csv  # noqa: E402
from benchmarks.adversarial.items import CATEGORIES, QUESTIONS, Item, load_items, missing_facts  # noqa: E402
from benchmarks.trust_common import Share, chem_pipeline, model_backend, tools_backend, write_json  # noqa: E402
from stages.backends.base import Backend  # noqa: E402
from stages.backends.scripted import ScriptedBackend  # noqa: E402
from stages.echo import echo_check, note_instructions  # noqa: E402
from stages.messages import Attachment, RunOptions, ask  # noqa: E402
from stages.pipeline import Pipeline  # noqa: E402
from stages.reply import Reply, Status  # noqa: E402
from stages.stage import Assistant  # noqa: E402
from stages.status import non_answer  # noqa: E402

TRUSTED = (Status.VERIFIED, Status.CORRECTED)


class Outcome(BaseModel):
    """One item's reply against what the item expects."""

    id: str
    category: str
    assistant: str
    question: str
    status: str
    expected: list[str]
    agrees: bool
    has_facts: bool = False
    missing: list[str] = Field(default_factory=list, description="expected facts the reply text lacks")
    wrong_verified: bool = False
    wrong_corrected: bool = False
    non_answer_verified: bool = False
    echo: str = Field("", description="the prompt or feedback text the reply repeats")
    seconds: float = 0.0
    too_slow: bool = False
    text: str = ""

    @property
    def failed(self) -> bool:
        return (not self.agrees or self.wrong_verified or self.wrong_corrected or self.non_answer_verified
                or bool(self.echo) or self.too_slow)


class Runner:
    """Builds each item's pipeline: the shared tools (or model) pipelines, or a replay of a draft."""

    def __init__(self, use_model: bool) -> None:
        self.use_model = use_model
        self.chem = chem_pipeline(use_model)
        self._backends: dict[str, Backend] = {}

    def _backend(self, assistant: str) -> Backend:
        if assistant not in self._backends:
            self._backends[assistant] = model_backend(assistant) if self.use_model else tools_backend()
        return self._backends[assistant]

    def pipeline(self, item: Item) -> Pipeline:
        if item.assistant == "chem" and not item.draft:
            return self.chem
        assistant: Assistant = {"chem": lambda: ChemAssistant(phrasing="model"), "general": GeneralAssistant,
                                "breakout": BreakoutAssistant}[item.assistant]()
        backend = ScriptedBackend(item.draft) if item.draft else self._backend(item.assistant)
        return Pipeline(assistant, backend)

    def ask(self, item: Item) -> tuple[Reply, Pipeline]:
        attachments = [Attachment(kind="text", name="bars.csv", text=bars_csv(item.bars))] if item.bars else []
        options = RunOptions(max_tokens=160) if self.use_model else RunOptions()
        pipeline = self.pipeline(item)
        return pipeline.run(ask(item.text, attachments=attachments, options=options)), pipeline


def echoed(reply: Reply, assistant: Assistant, question: str) -> str:
    """Prompt or repair-feedback text in the reply. Words the user wrote do not count, nor the failed checks'
    messages: a corrected reply says what was replaced, and such a message may share words with its feedback."""
    failed = [c for record in reply.trace for c in record.checks if not c.passed]
    feedback = [c.feedback for c in failed if c.feedback and c.feedback != c.message]
    if isinstance(assistant, ChemAssistant):  # the facts a note gave may be restated, as the engine allows
        told = compose(gather_facts(question, assistant.store))
        feedback = [run for f in feedback for run in note_instructions(f, told)]
    text = reply.text
    for message in sorted({c.message for c in failed if c.message}, key=len, reverse=True):
        text = text.replace(message, "")  # longest first: one attempt's message may hold another's
    check = echo_check(text, [assistant.system_prompt, *feedback])
    if check.passed:
        return ""
    found = str(check.found).strip("'…").casefold()
    return "" if found and found in question.casefold() else str(check.found)


def judge(item: Item, reply: Reply, assistant: Assistant, seconds: float) -> Outcome:
    status = reply.status
    missing = missing_facts(item, reply.text) if item.expect.has_facts else []
    may_verify = Status.VERIFIED in item.expect.status
    return Outcome(
        id=item.id, category=item.category, assistant=item.assistant, question=item.text[:300],
        status=status.value, expected=[s.value for s in item.expect.status], agrees=status in item.expect.status,
        has_facts=item.expect.has_facts, missing=missing,
        wrong_verified=status is Status.VERIFIED and (bool(missing) or not may_verify),
        wrong_corrected=status is Status.CORRECTED and bool(missing),
        non_answer_verified=status is Status.VERIFIED and (item.expect.non_answer or non_answer(reply.text)),
        echo=echoed(reply, assistant, item.text), seconds=round(seconds, 3),
        too_slow=seconds > item.expect.max_seconds, text=reply.text,
    )


def run(items: list[Item], use_model: bool) -> list[Outcome]:
    runner = Runner(use_model)
    outcomes = []
    for item in items:
        started = time.perf_counter()
        reply, pipeline = runner.ask(item)
        outcomes.append(judge(item, reply, pipeline.assistant, time.perf_counter() - started))
    return outcomes


class Tally(BaseModel):
    n: int
    agree: Share
    facts_right: Share
    verified: int
    wrong_verified: int
    wrong_verified_share: Share
    wrong_corrected: int
    non_answer_verified: int
    echoes: int
    too_slow: int
    failed_ids: list[str]


def tally(outcomes: list[Outcome]) -> Tally:
    verified = sum(o.status == Status.VERIFIED.value for o in outcomes)
    wrong = sum(o.wrong_verified for o in outcomes)
    return Tally(
        n=len(outcomes), agree=Share(count=sum(o.agrees for o in outcomes), total=len(outcomes)),
        facts_right=Share(count=sum(o.has_facts and not o.missing for o in outcomes), total=sum(o.has_facts for o in outcomes)),
        verified=verified,
        wrong_verified=wrong, wrong_verified_share=Share(count=wrong, total=verified),
        wrong_corrected=sum(o.wrong_corrected for o in outcomes),
        non_answer_verified=sum(o.non_answer_verified for o in outcomes), echoes=sum(bool(o.echo) for o in outcomes),
        too_slow=sum(o.too_slow for o in outcomes), failed_ids=[o.id for o in outcomes if o.failed],
    )


def print_report(outcomes: list[Outcome], show_failures: int) -> dict[str, Tally]:
    tallies = {"all": tally(outcomes)}
    for category in CATEGORIES:
        group = [o for o in outcomes if o.category == category]
        if group:
            tallies[category] = tally(group)
    overall = tallies["all"]
    print(f"items: {overall.n}")
    print(f"status agrees with expected:  {overall.agree}")
    print(f"expected facts in the text:   {overall.facts_right} (items with checkable facts, any status)")
    print(f"wrong but verified:           {overall.wrong_verified} = {overall.wrong_verified_share} of verified (must be 0)")
    print(f"wrong but corrected:          {overall.wrong_corrected}")
    print(f"non-answers marked verified:  {overall.non_answer_verified} (must be 0)")
    print(f"replies with prompt/feedback: {overall.echoes} (must be 0)")
    print(f"over the time bound:          {overall.too_slow}")
    print("\n| category | n | status agrees | facts in text | verified | wrong verified | wrong corrected | "
          "non-answer verified | echoes | failing items |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, t in tallies.items():
        if name != "all":
            print(f"| {name} | {t.n} | {t.agree} | {t.facts_right} | {t.verified} | {t.wrong_verified} | {t.wrong_corrected} | "
                  f"{t.non_answer_verified} | {t.echoes} | {', '.join(t.failed_ids) or '-'} |")
    failures = [o for o in outcomes if o.failed]
    if show_failures and failures:
        print(f"\nfailures ({min(show_failures, len(failures))} of {len(failures)}):")
        for o in failures[:show_failures]:
            flags = [flag for flag, on in (("WRONG-VERIFIED", o.wrong_verified), ("wrong-corrected", o.wrong_corrected),
                                           ("NON-ANSWER-VERIFIED", o.non_answer_verified), (f"ECHO {o.echo}", o.echo),
                                           ("slow", o.too_slow)) if on]
            print(f"- {o.id} [{o.status}, expected {'|'.join(o.expected)}] {' '.join(flags)} {o.question[:100]!r}\n"
                  f"    missing: {'; '.join(o.missing) or '-'}\n    reply: {' '.join(o.text.split())[:260]}")
    return tallies


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=Path, default=QUESTIONS, help="the adversarial set (YAML)")
    parser.add_argument("--model", action="store_true", help="the configured model answers (default: tools only)")
    parser.add_argument("--category", action="append", choices=CATEGORIES, help="only these categories")
    parser.add_argument("--id", action="append", dest="ids", help="only these item ids")
    parser.add_argument("--limit", type=int, default=None, help="first N selected items")
    parser.add_argument("--show-failures", type=int, default=0, metavar="N", help="list the first N failing items")
    parser.add_argument("--json", type=Path, default=None, help="also write the tallies and every outcome here")
    args = parser.parse_args(argv)
    try:
        items = load_items(args.questions)
    except (OSError, ValueError) as exc:
        print(f"error: cannot read {args.questions}: {' '.join(str(exc).split())[:300]}", file=sys.stderr)
        return 2
    items = [i for i in items if (not args.category or i.category in args.category) and (not args.ids or i.id in args.ids)]
    items = items[: args.limit]
    if not items:
        print("error: no item matches the selection", file=sys.stderr)
        return 2
    started = time.perf_counter()
    outcomes = run(items, args.model)
    tallies = print_report(outcomes, args.show_failures)
    print(f"\n{time.perf_counter() - started:.0f} s, {'the configured model' if args.model else 'tools only'}")
    if args.json:
        write_json(args.json, {"tallies": {k: v.model_dump(mode="json") for k, v in tallies.items()},
                               "outcomes": [o.model_dump(mode="json") for o in outcomes]})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
