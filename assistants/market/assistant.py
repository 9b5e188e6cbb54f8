"""The breakout assistant: BreakGPT's chain on footprint bars, and its extension to OHLCV bars.

Detect reads what is asked (`intent.py`: the last bar, a day, a period, whether there is any, the
most recent breakout; the tickers and the comparison across them; today's market; the options),
resolves the data that covers it plus the scan's look-back (attachment, pasted table, ticker and
dates, bundled sample) and computes every fact with the deterministic tools, the calibrated
probability included. A bar or period with no breakout, several tickers, a file of many tickers, and
a question the bars can answer only in part (a period they do not reach, today's market on older bars,
an option no tool judges) are answered by the tools alone, with a coverage check, and every reply ends
naming its bars and their last date.
Reason runs the chain, one model call per stage. Verify checks each stage's answer against the facts. A repair attempt re-asks only the
stages whose checks failed, with the check's feedback in the system message, so the budget goes where it
is needed: the footprint chain needs 4 calls and the OHLCV chain 3, and every further call in
`max_model_calls` buys one stage repair. When the budget runs out mid-chain the unanswered
stages fail their checks and the reply is corrected from the facts. The S3 call is the
calibrated model's; the confirmations explain it; the model's own wording stays marked unchecked.
"""

from __future__ import annotations

import io
import weakref
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from assistants.general.assistant import answer_checks
from assistants.knowledge.cases import case_query, decided_before
from assistants.knowledge.chroma import KnowledgeBase, KnowledgeConfig
from assistants.limits import require_question
from assistants.market import chains
from assistants.market.answers import reason_part
from assistants.market.breakouts import ScanConfig
from assistants.market.compare import (
    compare_coverage,
    compare_facts,
    head_text,
    row_text,
    ticker_rows,
    unanswered_tickers,
)
from assistants.market.findings import (
    asked_events,
    base_facts,
    event_facts,
    judged_options,
    pick_event,
    unanswered_parts,
)
from assistants.market.footprint import analyze_footprint, footprint_bars, footprint_to_text
from assistants.market.glossary import glossary_answer, glossary_check
from assistants.market.intent import BreakoutIntent, asked_intent
from assistants.market.options import judge_options
from assistants.market.prompts import PromptPack, load_pack
from assistants.market.replies import (
    as_of_text,
    case_outcomes,
    cases_text,
    coverage_check,
    event_head,
    event_text,
    footprint_coverage,
    framed,
    no_event_text,
    not_covered_text,
    screen_coverage,
    screen_facts,
    screen_text,
    tool_text_checks,
)
from assistants.market.scope import Scope, scope_of
from assistants.market.screen import score_events
from assistants.market.skill import BreakoutModel, load_model
from assistants.market.sources import MarketInput, data_tickers, named_series, pasted_input, resolve_input
from assistants.market.universe import (
    Universe,
    has_ticker_column,
    load_universe,
    read_table,
    universe_from_table,
)
from stages.assistant_options import Phrasing
from stages.backends.base import GenerationParams
from stages.config import get_settings
from stages.messages import Message
from stages.reply import CheckResult, Reply, Status
from stages.retrieval import FIELD, Retrieval, citations_retrieved, gather, strip_citations, with_passages
from stages.stage import (
    Assistant,
    BadInput,
    BudgetExceeded,
    Detection,
    Draft,
    EarlyExit,
    RunContext,
    repair_notes,
)

DISCLAIMER = "_Not financial advice: an automated technical reading of past prices, not a recommendation to trade._"
# A question about trading ideas with no bars: the model explains, unchecked; without a model, said so.
CONCEPT_PROMPT = ("You explain technical-analysis ideas (trading ranges, breakouts, false breakouts, volume "
                  "confirmation) briefly and plainly, in at most five sentences. Give no trading advice and no price forecasts.")
CONCEPT_TOKENS = 200
CONCEPT_UNCHECKED = "the whole answer: no tool checks explanations of trading ideas, only judgments on bars"
CONCEPT_NOT_ANSWERED = ("Not answered: a question about trading ideas: the tools judge breakouts on bars and explain no "
                        "concepts. Name a ticker and dates (e.g. 'Did AAPL break out in March 2011?') or attach bars.")
CHART_CONTEXT_BARS = 60
OUT_OF_SCOPE = ("Not answered: “{question}”: this assistant judges trading-range breakouts on price bars (a ticker's "
                "daily bars, an attached OHLCV table or a footprint) and has no data to answer anything else. Ask, for "
                "example, 'Did AAPL break out in March 2011?'")


class _RunState(BaseModel):
    """Per-run data that is not JSON facts: the bars, and each stage's latest answer and checks."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    data: MarketInput
    frame: pd.DataFrame | None = None  # the bars scanned: the asked span and the look-back before it
    answers: dict[str, dict[str, Any]] = Field(default_factory=dict)
    passed: dict[str, bool] = Field(default_factory=dict)
    feedback: dict[str, str] = Field(default_factory=dict)
    retrieval: Retrieval | None = None  # similar past cases, shown to the last OHLCV stage


class BreakoutAssistant(Assistant):
    name = "breakout"
    description = "Trading-range breakout judgments on footprint and OHLCV data, BreakGPT's chain."

    def __init__(self, pack: str = "tristage", config: ScanConfig | None = None,
                 cases: KnowledgeBase | None = None, model: BreakoutModel | None = None,
                 phrasing: Phrasing | None = None) -> None:
        self.phrasing: Phrasing = phrasing or get_settings().assistants.breakout.options.phrasing
        self.pack: PromptPack = load_pack(pack)
        self.system_prompt = self.pack.system
        self.model = model or load_model()
        self.config = config or self.model.scan
        self.cases = cases or KnowledgeBase("breakout")  # the case library (`tristage kb build breakout`)
        self._runs: weakref.WeakKeyDictionary[RunContext, _RunState] = weakref.WeakKeyDictionary()

    # ------------------------------------------------------------ detect

    def detect(self, ctx: RunContext) -> Detection:
        request = ctx.request
        if not request.attachments:
            require_question(request.last_user_text)
        intent = asked_intent(request)
        bare = not request.attachments and pasted_input(request.last_user_text) is None
        if intent.out_of_scope and bare:
            question = " ".join(require_question(request.last_user_text).split())
            return Detection(task="out_of_scope", facts={"intent": intent.model_dump(mode="json")}, summary="not a breakout question",
                             early=EarlyExit(status=Status.UNVERIFIED, text=OUT_OF_SCOPE.format(question=question[:160]),
                                             reason="the question is not about breakouts"))
        if intent.concept and bare:
            facts = {"intent": intent.model_dump(mode="json")}
            question = require_question(request.last_user_text)
            defined = glossary_answer(question, self.config)
            if defined is not None:
                return Detection(task="concept", facts=facts, summary="terms defined as the tools apply them", early=EarlyExit(
                    status=Status.VERIFIED, text=defined, reason="the tools' own definitions",
                    checks=[glossary_check(defined, question, self.config)]))
            return Detection(task="concept", facts=facts, summary="a question about trading ideas, with no bars to read")
        universe = self._attached_universe(ctx)
        tickers = data_tickers(intent)
        if universe is not None and len(universe.frames) > 1:
            named = {t.upper() for t in tickers}
            inputs = {t: MarketInput(kind="ohlcv", name=t, origin="file", bars=bars)
                      for t, bars in universe.frames.items() if t.upper() in named}
            if len(inputs) > 1:
                return self._detect_compare(inputs, {}, intent)
            return self._detect_screen(universe, intent)
        if universe is None and len(tickers) > 1 and not request.attachments and pasted_input(request.last_user_text) is None:
            return self._detect_compare(*self._named_inputs(tickers, intent, request.client), intent)
        if universe is not None:
            name, bars = next(iter(universe.frames.items()))
            data = MarketInput(kind="ohlcv", name=name, origin="file", bars=bars)
        else:
            data = resolve_input(request, intent=intent, lookback=self.lookback)
        self._runs[ctx] = _RunState(data=data)
        if data.kind == "footprint":
            return self._detect_footprint(data)
        return self._detect_ohlcv(data, intent, ctx)

    @property
    def lookback(self) -> int:
        """Bars before an asked period that the scan needs to judge its first bar."""
        return self.config.warmup + 1

    def _named_inputs(self, tickers: list[str], intent: BreakoutIntent,
                      client: str) -> tuple[dict[str, MarketInput], dict[str, str]]:
        """Each named ticker's bars; a ticker that has none is kept with its reason, not dropped."""
        inputs: dict[str, MarketInput] = {}
        failed: dict[str, str] = {}
        for ticker in tickers:
            try:
                data = named_series(ticker, intent, None, client, self.lookback)
            except BadInput as exc:
                failed[ticker.upper()] = str(exc)
                continue
            inputs[data.name] = data
        return inputs, failed

    def _attached_universe(self, ctx: RunContext) -> Universe | None:
        """An attached table with a ticker column: one ticker is judged, several are screened."""
        for attachment in ctx.request.attachments[:1]:
            if attachment.kind == "path" and attachment.path and Path(attachment.path).is_file():
                path = Path(attachment.path)
                if path.suffix.lower() in (".parquet", ".pq"):
                    columns = list(read_table(path).columns)
                else:
                    with path.open(encoding="utf-8", errors="replace") as handle:
                        columns = handle.readline().strip().split(",")
                if has_ticker_column(columns):
                    return load_universe(path, self.config)
            if attachment.kind == "text" and attachment.text:
                header = attachment.text.strip().splitlines()[0].split(",")
                if has_ticker_column(header):
                    table = pd.read_csv(io.StringIO(attachment.text.strip()), dtype=str, keep_default_na=False)
                    return universe_from_table(table, attachment.name or "attached table", self.config)
        return None

    def _detect_footprint(self, data: MarketInput) -> Detection:
        assert data.footprint is not None
        facts = analyze_footprint(data.footprint).model_dump()
        facts["tables"] = footprint_to_text(data.footprint)
        facts["data_line"] = data.provenance()
        summary = (f"footprint, {facts['bars']} bars: {facts['direction']} through {facts['level']:g}, "
                   f"sell {facts['sell_volume']:g} vs buy {facts['buy_volume']:g} → {facts['label']}")
        return Detection(task="footprint", facts=facts, summary=summary)

    def _detect_screen(self, universe: Universe, intent: BreakoutIntent) -> Detection:
        events = score_events(universe.frames, self.model)
        facts = screen_facts(universe, events)
        last = max(f"{bars.index[-1]:%Y-%m-%d}" for bars in universe.frames.values())
        facts["data_line"] = f"Data: {facts['tickers']} tickers' bars, your attachment (last bar {last})."
        text = screen_text(facts)
        return Detection(task="screen", facts=facts, summary=f"screened {facts['tickers']} tickers", early=EarlyExit(
            status=Status.VERIFIED, text=text, reason="a screen answered by the tools",
            checks=[screen_coverage(text, facts)]))

    def _detect_compare(self, inputs: dict[str, MarketInput], failed: dict[str, str],
                        intent: BreakoutIntent) -> Detection:
        """Several tickers: every one answered on its line, the comparison first; by the tools alone."""
        if intent.unread and intent.period is None and intent.date is None:
            return self._unread(" and ".join([*inputs, *failed]), "\n".join(d.provenance() for d in inputs.values()), intent)
        rows = ticker_rows(inputs, failed, intent, self.model, self.lookback)
        facts = compare_facts(rows, intent)
        choice = judge_options(intent.choices, [], winners=facts["winners"]) if intent.choices.options else None
        facts["choice"] = choice.facts() if choice is not None else None
        last_dates = [r.scope.last for r in rows if r.scope is not None and r.scope.last]
        facts["unanswered"] = unanswered_tickers(rows, intent, facts["where"]) + unanswered_parts(
            intent, last_dates, [], choice)
        facts["data_line"] = "\n".join(data.provenance() for data in inputs.values())
        text = framed(facts, "\n".join([head_text(facts), *(row_text(r, facts) for r in facts["rows"])]))
        summary = f"{len(rows)} tickers, {facts['compare']}: {' and '.join(facts['winners']) or 'none'}"
        return Detection(task="compare", facts=facts, summary=summary, early=EarlyExit(
            status=Status.VERIFIED, text=text, reason="several tickers answered by the tools",
            checks=[compare_coverage(text, facts)]))

    def _detect_ohlcv(self, data: MarketInput, intent: BreakoutIntent, ctx: RunContext) -> Detection:
        assert data.bars is not None
        if intent.unread and intent.period is None and intent.date is None:
            return self._unread(data.name, data.provenance(), intent)
        frame, scope = scope_of(data.bars, intent.period, self.lookback)
        if not scope.covered:
            return self._uncovered(data, intent, scope)
        self._runs[ctx].frame = frame
        events = score_events({data.name: frame}, self.model)
        base = base_facts(data, frame, events, intent, scope, self.config)
        base["data_line"] = data.provenance()
        if intent.kind == "date" and base["asked"] is None:
            text = (f"There is no bar on {intent.date} in {data.name} (bars from {scope.first} to "
                    f"{base['last_date']}), so I cannot say whether it broke out then.\n"
                    f"Not answered: the bar of {intent.date}: the data has none.")
            return Detection(task="ohlcv", facts=base, summary="asked date not in the data",
                             early=EarlyExit(status=Status.UNVERIFIED, text=text, reason="the asked date is not a bar"))
        asked = asked_events(events, intent, scope)
        event = pick_event(asked, intent, frame)
        choice = judged_options(intent, asked, event)
        base["choice"] = choice.facts() if choice is not None else None
        base["unanswered"] = unanswered_parts(intent, [base["last_date"]], scope.missing, choice)
        base["as_of"] = as_of_text(base) if intent.now else None
        if event is None:
            text = no_event_text(base)
            return Detection(task="ohlcv", facts=base, summary=f"no breakout found for {intent.describe()}", early=EarlyExit(
                status=Status.VERIFIED, text=text, reason=f"no breakout found for {intent.describe()}",
                checks=tool_text_checks(text, base)))
        facts = event_facts(base, event, frame, self.config)
        state = self._runs[ctx]
        state.retrieval = gather(self.cases.filtered(decided_before(facts["direction"], event["date"])), case_query(facts),
                                 KnowledgeConfig.from_settings().top_k, ctx.request.options.retrieval)
        facts["cases"] = case_outcomes(state.retrieval)
        summary = (f"{data.name}: {facts['events']} breakouts {facts['where']}; {intent.describe()}: {facts['direction']} "
                   f"on {facts['date']} through {facts['level']:.4g}, P(true) {facts['probability']:.2f}, "
                   f"{facts['confirmations']}/3 confirmations")
        if facts["unanswered"] or not intent.understood:  # a part no draft can answer: the tools say what they can, and name the rest
            text = event_text(facts)
            return Detection(task="ohlcv", facts=facts, summary=summary, early=EarlyExit(
                status=Status.VERIFIED, text=text, reason="part of the question is not answered",
                checks=tool_text_checks(text, facts)))
        return Detection(task="ohlcv", facts=facts, summary=summary)

    @staticmethod
    def _unread(name: str, data_line: str, intent: BreakoutIntent) -> Detection:
        """A time the question names that no reader took: say so, and answer about no other period."""
        written = ", ".join(f"'{u}'" for u in intent.unread)
        text = (f"I could not read {written} as a day or a period, so I have not answered about {name} at any other "
                "time. Ask with a day (2011-03-15), a month (March 2011), a quarter (Q2 2011), a half (first half of "
                f"2011) or a year (in 2011).\nNot answered: {written}: not read as a day or a period.")
        facts: dict[str, Any] = {"name": name, "intent": intent.model_dump(mode="json"), "data_line": data_line,
                                 "unanswered": [f"{written}: not read as a day or a period"]}
        return Detection(task="ohlcv", facts=facts, summary=f"{written} not read as a day or period", early=EarlyExit(
            status=Status.UNVERIFIED, text=text, reason="the asked time was not read"))

    def _uncovered(self, data: MarketInput, intent: BreakoutIntent, scope: Scope) -> Detection:
        """The asked period lies outside the bars: say what they cover, answer nothing else."""
        facts: dict[str, Any] = {
            "name": data.name, "origin": data.origin, "source": data.source(), "fetch_note": data.note,
            "intent": intent.model_dump(mode="json"), "scope": scope.model_dump(mode="json"), "where": scope.words(),
            "data_line": data.provenance(), "as_of": None, "choice": None,
            "unanswered": [f"{intent.describe()}: the bars do not reach it"]}
        text = not_covered_text(facts)
        return Detection(task="ohlcv", facts=facts, summary=f"{scope.words()} is not in the data", early=EarlyExit(
            status=Status.VERIFIED, text=text, reason="the asked period is not in the data",
            checks=[coverage_check(text, facts)]))

    # ------------------------------------------------------------ reason

    def _stages(self, ctx: RunContext) -> tuple[str, ...]:
        return chains.FOOTPRINT_STAGES if ctx.detection.task == "footprint" else chains.OHLCV_STAGES

    def reason(self, ctx: RunContext) -> Draft:
        if self.phrasing == "template":
            return self.tools_draft(ctx)
        if ctx.detection.task == "concept":
            messages = [Message(role="system", content=CONCEPT_PROMPT),
                        Message(role="user", content=require_question(ctx.request.last_user_text))]
            completion = ctx.call_model(messages, GenerationParams(max_tokens=CONCEPT_TOKENS, temperature=0.0, adapter=False))
            return Draft(raw=completion.text.strip(), fields={"finish_reason": completion.finish_reason})
        state = self._runs[ctx]
        facts = ctx.detection.facts
        tools = ctx.request.options.tools
        asked = 0
        for stage in self._stages(ctx):
            if state.passed.get(stage):
                continue
            if ctx.detection.task == "footprint":
                values = chains.footprint_values(facts, state.answers, tools)
            else:
                values = chains.ohlcv_values(facts, state.answers, tools)
            notes = repair_notes([state.feedback[stage]]) if stage in state.feedback else ""
            messages = [Message(role="system", content=self.pack.system + notes),
                        Message(role="user", content=self.pack.render(stage, **values))]
            if stage == "ohlcv_s3" and state.retrieval is not None:
                messages = with_passages(messages, state.retrieval)
            try:
                completion = ctx.call_model(messages, GenerationParams(
                    max_tokens=chains.MAX_TOKENS[stage], temperature=0.0))
            except BudgetExceeded:
                if ctx.attempt > 0 and asked == 0:
                    raise
                break
            asked += 1
            raw = completion.text.strip()
            state.answers[stage] = {"raw": raw, **chains.parse_stage(stage, strip_citations(raw))}
        fields = {stage: state.answers.get(stage) for stage in self._stages(ctx)}
        raw = "\n\n".join(f"{stage}: {a['raw']}" for stage, a in fields.items() if a)
        if state.retrieval is not None:
            fields[FIELD] = state.retrieval.model_dump(mode="json")
        return Draft(raw=raw, fields=fields)

    # ------------------------------------------------------------ verify

    def verify(self, draft: Draft, ctx: RunContext) -> list[CheckResult]:
        if ctx.detection.task == "concept":
            return [] if draft.author == "tools" else answer_checks(draft)
        if draft.author == "tools":
            return self.verify_text(draft.raw, ctx)
        state = self._runs[ctx]
        facts = ctx.detection.facts
        check = chains.footprint_check if ctx.detection.task == "footprint" else chains.ohlcv_check
        results: list[CheckResult] = []
        for stage in self._stages(ctx):
            answer = state.answers.get(stage)
            if answer is None:
                checks = [CheckResult(name=f"{stage}_answered", passed=False,
                                      message=f"stage {stage} was never answered (the model-call budget ran out)",
                                      feedback=f"Answer stage {stage}.")]
            else:
                checks = check(stage, answer, strip_citations(answer["raw"]), facts)
                if stage == "ohlcv_s3" and state.retrieval is not None:
                    checks.append(citations_retrieved(answer["raw"], state.retrieval.passages))
            state.passed[stage] = all(c.passed for c in checks)
            failed = [c.instruction for c in checks if not c.passed]
            if failed:
                state.feedback[stage] = " ".join(failed)
            else:
                state.feedback.pop(stage, None)
            results.extend(checks)
        if all(state.passed.get(s) for s in self._stages(ctx)):
            results.append(self._coverage(self.render(draft, ctx), ctx))
        return results

    def _coverage(self, text: str, ctx: RunContext) -> CheckResult:
        facts = ctx.detection.facts
        if ctx.detection.task == "footprint":
            return footprint_coverage(text, facts)
        return coverage_check(text, facts)

    def verify_text(self, text: str, ctx: RunContext) -> list[CheckResult]:
        """A reply the tools composed: it must answer the asked bar and cite only facts."""
        facts = ctx.detection.facts
        if ctx.detection.task == "footprint":
            return [footprint_coverage(text, facts), chains.footprint_quotes(text, facts)]
        return tool_text_checks(text, facts)

    def unchecked(self, draft: Draft, ctx: RunContext) -> list[str]:
        """The OHLCV rationale: its numbers, date and call were checked, its reasoning in words was not.

        A footprint report says nothing beyond direction, level, volumes, side and call, all checked; a
        question about where the price goes next is answered by no tool, whoever wrote the reply."""
        if ctx.detection.task == "concept":
            return [CONCEPT_UNCHECKED] if draft.author == "model" else []
        asked = (ctx.detection.facts.get("intent") or {}).get("forecast")
        forecast = ["whether the price rises or falls next: no tool forecasts prices (the probability is that "
                    "the breakout holds)"] if asked else []
        if ctx.detection.task == "footprint":
            return forecast
        raw = strip_citations((draft.fields.get("ohlcv_s3") or {}).get("raw", ""))
        words = reason_part(raw).strip()
        return [*forecast, "the model's explanation in words (its numbers, date and call were checked)"] if words else forecast

    # ------------------------------------------------------------ answer

    def correct(self, draft: Draft, failed: list[CheckResult], ctx: RunContext) -> str | None:
        return self.tools_draft(ctx).raw

    def tools_draft(self, ctx: RunContext) -> Draft:
        facts = ctx.detection.facts
        if ctx.detection.task == "concept":
            return Draft(raw=CONCEPT_NOT_ANSWERED, author="tools")
        text = chains.footprint_text(facts) if ctx.detection.task == "footprint" else event_text(facts)
        return Draft(raw=text, author="tools")

    def render(self, draft: Draft, ctx: RunContext) -> str:
        facts = ctx.detection.facts
        if draft.author == "tools" or ctx.detection.task == "concept":
            return draft.raw
        if ctx.detection.task == "footprint":
            answer = (draft.fields.get("report") or {}).get("raw", "")
            head = f"**{facts['direction'].capitalize()} breakout through {chains.price(facts['level'])}: {facts['label']} breakout.**"
            return "\n".join(filter(None, [head, answer]))
        answer = (draft.fields.get("ohlcv_s3") or {}).get("raw", "")
        return framed(facts, "\n".join(filter(None, [event_head(facts), answer, cases_text(facts["cases"]),
                                                      chains.hindsight(facts)])))

    def result(self, draft: Draft | None, ctx: RunContext) -> dict[str, Any]:
        """Facts, each stage's answer and verdict, and what a chart needs (see chart.py)."""
        facts = {k: v for k, v in ctx.detection.facts.items() if k not in ("tables", "table", "dates", "ranking")}
        out: dict[str, Any] = {"task": ctx.detection.task, "facts": facts}
        if ctx.detection.task == "screen":
            out["ranking"] = ctx.detection.facts["ranking"]
        state = self._runs.get(ctx)
        if state is None:
            return out
        out["stages"] = {s: {**{k: v for k, v in a.items() if k != "raw"}, "passed": state.passed.get(s, False)}
                         for s, a in state.answers.items()}
        if ctx.detection.task == "footprint" and state.data.footprint is not None:
            out["chart"] = footprint_chart_data(state.data.footprint, facts)
        elif state.frame is not None and "index" in facts:
            out["chart"] = ohlcv_chart_data(state.frame, facts, self.config)
        final = state.answers.get("report") or state.answers.get("ohlcv_s3") or {}
        out["model_judgment"] = final.get("judgment")
        out["judgment"] = facts.get("label") if ctx.detection.task == "footprint" else facts.get("call")
        out["judged_by"] = "footprint rule" if ctx.detection.task == "footprint" else "calibrated model"
        return out

    def finish(self, text: str, ctx: RunContext) -> str:
        """Every reply ends naming its bars (source and last date), then the disclaimer."""
        return "\n\n".join(filter(None, [text, ctx.detection.facts.get("data_line"), DISCLAIMER]))

    # ------------------------------------------------------------ chart

    def save_chart(self, reply: Reply, path: Path) -> Path:
        """Write the reply's chart as a PNG (atomically); BadInput when the reply has none."""
        from assistants.market.chart import save_png

        if "chart" not in reply.result:
            raise BadInput("This reply has no chart: there was no breakout to draw.")
        return save_png(reply.result, Path(path))


def ohlcv_chart_data(bars: pd.DataFrame, facts: dict[str, Any], config: ScanConfig) -> dict[str, Any]:
    """Bars around the event (range + event + what followed), with positions relative to them."""
    i = int(facts["index"])
    lo = max(0, i - max(config.window, CHART_CONTEXT_BARS // 2))
    hi = min(len(bars), i + config.horizon + 1)
    shown = bars.iloc[lo:hi]
    return {
        "kind": "ohlcv",
        "title": f"{facts['name']}: {facts['direction']} breakout on {facts['date']}",
        "bars": [{"date": f"{d:%Y-%m-%d %H:%M}", "open": o, "high": h, "low": lw, "close": c,
                  "volume": None if pd.isna(v) else v}
                 for d, o, h, lw, c, v in zip(shown.index, shown["open"], shown["high"], shown["low"],
                                              shown["close"], shown["volume"], strict=True)],
        "range_start": i - config.window - lo,
        "breakout_index": i - lo,
        "range_high": facts["range_high"],
        "range_low": facts["range_low"],
        "level": facts["level"],
        "direction": facts["direction"],
        "judgment": facts["call"],
    }


def footprint_chart_data(frame: pd.DataFrame, facts: dict[str, Any]) -> dict[str, Any]:
    per_bar = footprint_bars(frame)
    return {
        "kind": "footprint",
        "title": f"Footprint: {facts['direction']} breakout through {facts['level']:g}",
        "bars": [{"label": int(r.label), "high": float(r.high), "low": float(r.low), "sell": float(r.sell),
                  "buy": float(r.buy)} for r in per_bar.itertuples()],
        "breakout_index": len(per_bar) - 1,
        "range_high": facts["prior_high"],
        "range_low": facts["prior_low"],
        "level": facts["level"],
        "direction": facts["direction"],
        "judgment": facts["label"],
    }
