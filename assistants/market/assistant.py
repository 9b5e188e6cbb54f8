"""The breakout assistant: BreakGPT's chain on footprint bars, and its extension to OHLCV bars.

Detect resolves the data (attachment, pasted table, ticker and dates, bundled sample) and
computes every fact with the deterministic tools. Reason runs the chain, one model call per
stage. Verify checks each stage's answer against the facts. A repair attempt re-asks only the
stages whose checks failed, with the check's message as feedback, so the budget goes where it
is needed: the footprint chain needs 4 calls and the OHLCV chain 3, and every further call in
`max_model_calls` buys one stage repair. When the budget runs out mid-chain the unanswered
stages fail their checks and the reply is corrected from the facts.
"""

from __future__ import annotations

import weakref
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from assistants.knowledge.cases import case_query
from assistants.knowledge.chroma import KnowledgeBase, KnowledgeConfig
from assistants.limits import require_question
from assistants.market import chains
from assistants.market.breakouts import ScanConfig, evidence, label_events, scan_breakouts
from assistants.market.footprint import analyze_footprint, footprint_bars, footprint_to_text
from assistants.market.prompts import PromptPack, load_pack
from assistants.market.sources import MarketInput, resolve_input
from stages.backends.base import GenerationParams
from stages.messages import Message
from stages.reply import CheckResult, Reply, Status
from stages.retrieval import FIELD, Retrieval, citations_retrieved, gather, strip_citations, with_passages
from stages.stage import Assistant, BadInput, BudgetExceeded, Detection, Draft, EarlyExit, RunContext

DISCLAIMER = "_Not financial advice: an automated technical reading of past prices, not a recommendation to trade._"
CHART_CONTEXT_BARS = 60


class _RunState(BaseModel):
    """Per-run data that is not JSON facts: the bars, and each stage's latest answer and checks."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    data: MarketInput
    answers: dict[str, dict[str, Any]] = Field(default_factory=dict)
    passed: dict[str, bool] = Field(default_factory=dict)
    feedback: dict[str, str] = Field(default_factory=dict)
    retrieval: Retrieval | None = None  # similar past cases, shown to the last OHLCV stage


class BreakoutAssistant(Assistant):
    name = "breakout"
    description = "Trading-range breakout judgments on footprint and OHLCV data, BreakGPT's chain."

    def __init__(self, pack: str = "tristage", config: ScanConfig | None = None,
                 cases: KnowledgeBase | None = None) -> None:
        self.pack: PromptPack = load_pack(pack)
        self.system_prompt = self.pack.system
        self.config = config or ScanConfig()
        self.cases = cases or KnowledgeBase("breakout")  # the case library (`tristage kb build breakout`)
        self._runs: weakref.WeakKeyDictionary[RunContext, _RunState] = weakref.WeakKeyDictionary()

    # ------------------------------------------------------------ detect

    def detect(self, ctx: RunContext) -> Detection:
        if not ctx.request.attachments:
            require_question(ctx.request.last_user_text)
        data = resolve_input(ctx.request)
        self._runs[ctx] = _RunState(data=data)
        if data.kind == "footprint":
            return self._detect_footprint(data)
        return self._detect_ohlcv(data)

    def _detect_footprint(self, data: MarketInput) -> Detection:
        assert data.footprint is not None
        facts = analyze_footprint(data.footprint).model_dump()
        facts["tables"] = footprint_to_text(data.footprint)
        summary = (f"footprint, {facts['bars']} bars: {facts['direction']} through {facts['level']:g}, "
                   f"sell {facts['sell_volume']:g} vs buy {facts['buy_volume']:g} → {facts['label']}")
        return Detection(task="footprint", facts=facts, summary=summary)

    def _detect_ohlcv(self, data: MarketInput) -> Detection:
        bars = data.bars
        assert bars is not None
        config = self.config
        events = scan_breakouts(bars, config)
        if events.empty:
            last = bars.iloc[-config.window - 1 : -1]
            text = (f"No breakout in {data.name} ({data.origin}, {len(bars)} bars to {bars.index[-1]:%Y-%m-%d}): "
                    f"no close left the range of the {config.window} bars before it. The latest range is "
                    f"{chains.price(last['low'].min())}–{chains.price(last['high'].max())}.")
            facts = {"name": data.name, "origin": data.origin, "bars": len(bars), "events": 0}
            return Detection(task="ohlcv", facts=facts, summary="no breakout", early=EarlyExit(
                status=Status.VERIFIED, text=text, reason="no breakout to judge"))
        labelled = label_events(bars, events, config)
        event = labelled.iloc[-1]
        proof = evidence(labelled.iloc[[-1]], config).iloc[0]
        i = int(event["index"])
        shown = bars.iloc[max(0, i - config.window) : i + 1]
        volume_ratio = None if pd.isna(event["volume_ratio"]) else float(event["volume_ratio"])
        facts: dict[str, Any] = {
            "name": data.name,
            "origin": data.origin,
            "bars": len(bars),
            "events": len(events),
            "window": config.window,
            "index": i,
            "date": f"{event['date']:%Y-%m-%d}",
            "direction": event["direction"],
            **{k: float(event[k]) for k in ("level", "close", "range_high", "range_low", "atr", "width_atr",
                                            "close_location", "gap_atr", "atr_multiple")},
            "touches": int(event["touches"]),
            "volume_ratio": volume_ratio,
            "volume_confirmed": bool(proof["volume_confirmed"]),
            "close_confirmed": bool(proof["close_confirmed"]),
            "strength_confirmed": bool(proof["strength_confirmed"]),
            "confirmations": int(proof[["volume_confirmed", "close_confirmed", "strength_confirmed"]].sum()),
            "evidence_true": bool(proof["evidence_true"]),
            "volume_ratio_min": config.volume_ratio_min,
            "close_location_min": config.close_location_min,
            "strength_atr_min": config.strength_atr_min,
            "target_atr": config.target_atr,
            "horizon": config.horizon,
            "outcome": str(event["outcome"]),
            "bars_to_outcome": None if pd.isna(event["bars_to_outcome"]) else float(event["bars_to_outcome"]),
            "table": chains.bars_table(shown),
            "dates": [f"{d:%Y-%m-%d}" for d in shown.index],
        }
        if volume_ratio is None:
            facts["note"] = "the data has no volume, so volume cannot confirm"
        summary = (f"{data.name}: {len(events)} breakouts; last {facts['direction']} on {facts['date']} through "
                   f"{facts['level']:.4g}, {facts['confirmations']}/3 confirmations")
        return Detection(task="ohlcv", facts=facts, summary=summary)

    # ------------------------------------------------------------ reason

    def _stages(self, ctx: RunContext) -> tuple[str, ...]:
        return chains.FOOTPRINT_STAGES if ctx.detection.task == "footprint" else chains.OHLCV_STAGES

    def reason(self, ctx: RunContext) -> Draft:
        state = self._runs[ctx]
        facts = ctx.detection.facts
        tools = ctx.request.options.tools
        asked = 0
        if ctx.detection.task == "ohlcv" and state.retrieval is None:
            state.retrieval = gather(self.cases.filtered({"direction": facts["direction"]}), case_query(facts),
                                     KnowledgeConfig.from_settings().top_k, ctx.request.options.retrieval)
        for stage in self._stages(ctx):
            if state.passed.get(stage):
                continue
            if ctx.detection.task == "footprint":
                values = chains.footprint_values(facts, state.answers, tools)
            else:
                values = chains.ohlcv_values(facts, state.answers, tools)
            messages = [Message(role="system", content=self.pack.system),
                        Message(role="user", content=self.pack.render(stage, **values))]
            if stage == "ohlcv_s3" and state.retrieval is not None:
                messages = with_passages(messages, state.retrieval)
            previous = state.answers.get(stage)
            if previous is not None and stage in state.feedback:
                messages += [Message(role="assistant", content=previous["raw"]),
                             Message(role="user", content=f"{state.feedback[stage]} Answer again.")]
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
        state = self._runs[ctx]
        facts = ctx.detection.facts
        check = chains.footprint_check if ctx.detection.task == "footprint" else chains.ohlcv_check
        results: list[CheckResult] = []
        for stage in self._stages(ctx):
            answer = state.answers.get(stage)
            if answer is None:
                checks = [CheckResult(name=f"{stage}_answered", passed=False,
                                      message=f"Stage {stage} was not asked (model-call budget spent).")]
            else:
                checks = check(stage, answer, strip_citations(answer["raw"]), facts)
                if stage == "ohlcv_s3" and state.retrieval is not None:
                    checks.append(citations_retrieved(answer["raw"], state.retrieval.passages))
            state.passed[stage] = all(c.passed for c in checks)
            failed = [c.message for c in checks if not c.passed]
            if failed:
                state.feedback[stage] = " ".join(failed)
            else:
                state.feedback.pop(stage, None)
            results.extend(checks)
        return results

    # ------------------------------------------------------------ answer

    def correct(self, draft: Draft, failed: list[CheckResult], ctx: RunContext) -> str | None:
        return self._facts_text(ctx)

    def _facts_text(self, ctx: RunContext) -> str:
        facts = ctx.detection.facts
        if ctx.detection.task == "footprint":
            return chains.footprint_text(facts)
        return "\n".join(filter(None, [chains.ohlcv_text(facts), chains.hindsight(facts)]))

    def render(self, draft: Draft, ctx: RunContext) -> str:
        facts = ctx.detection.facts
        final = "report" if ctx.detection.task == "footprint" else "ohlcv_s3"
        answer = (draft.fields.get(final) or {}).get("raw", "")
        judgment = facts["label"] if ctx.detection.task == "footprint" else (draft.fields[final] or {}).get("judgment")
        head = f"**{facts['direction'].capitalize()} breakout through {chains.price(facts['level'])}: {judgment} breakout.**"
        extra = chains.hindsight(facts) if ctx.detection.task == "ohlcv" else ""
        return "\n".join(filter(None, [head, answer, extra]))

    def result(self, draft: Draft | None, ctx: RunContext) -> dict[str, Any]:
        """Facts, each stage's answer and verdict, and what a chart needs (see chart.py)."""
        facts = {k: v for k, v in ctx.detection.facts.items() if k not in ("tables", "table", "dates")}
        out: dict[str, Any] = {"task": ctx.detection.task, "facts": facts}
        state = self._runs.get(ctx)
        if state is None:
            return out
        out["stages"] = {s: {**{k: v for k, v in a.items() if k != "raw"}, "passed": state.passed.get(s, False)}
                         for s, a in state.answers.items()}
        if ctx.detection.task == "footprint" and state.data.footprint is not None:
            out["chart"] = footprint_chart_data(state.data.footprint, facts)
        elif state.data.bars is not None and "index" in facts:
            out["chart"] = ohlcv_chart_data(state.data.bars, facts, self.config)
        final = state.answers.get("report") or state.answers.get("ohlcv_s3") or {}
        out["model_judgment"] = final.get("judgment")
        out["judgment"] = self._judgment(ctx, state)
        return out

    @staticmethod
    def _judgment(ctx: RunContext, state: _RunState) -> str | None:
        """The reply's call: the checked model answer when every stage passed, else the facts'."""
        facts = ctx.detection.facts
        if ctx.detection.task == "footprint":
            return facts.get("label")
        if "evidence_true" not in facts:
            return None
        if state.answers and all(state.passed.get(s) for s in chains.OHLCV_STAGES):
            return state.answers["ohlcv_s3"].get("judgment")
        return "true" if facts["evidence_true"] else "false"

    def finish(self, text: str, ctx: RunContext) -> str:
        return f"{text}\n\n{DISCLAIMER}"

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
        "judgment": "true" if facts["evidence_true"] else "false",
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
