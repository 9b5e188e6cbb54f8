"""The stages of the two chains: what each asks, how its answer is read, and how it is checked.

Footprint (BreakGPT): s1 direction → s2 level → s3 stronger side → report (true/false and
rationale). OHLCV: s1 direction, level and date → s2 confirmation evidence → s3 judgment.
Each stage's answer is checked against the deterministic facts from detect. With tools on,
later stages are told the checked facts; with tools off, the model's own earlier answers.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from assistants.market.answers import (
    answer_part,
    cites,
    matches,
    number_after,
    parse_dates,
    parse_direction,
    parse_judgment,
    parse_numbers,
    parse_side,
    to_float,
    unknown_numbers,
)
from stages.reply import CheckResult

FOOTPRINT_STAGES = ("s1", "s2", "s3", "report")
OHLCV_STAGES = ("ohlcv_s1", "ohlcv_s2", "ohlcv_s3")
_FEATURE_WORDS = {
    "volume ratio": "volume_ratio",
    "close location": "close_location",
    "touches": "touches",
    "width": "width_atr",
    "gap": "gap_atr",
}


MAX_TOKENS = {"s1": 48, "s2": 64, "s3": 80, "report": 160, "ohlcv_s1": 64, "ohlcv_s2": 128, "ohlcv_s3": 160}
"""Each stage's answer allowance: a short reason and the answer line (the report is longer)."""


def price(value: float) -> str:
    """A price as prompts and replies show it: 2 decimals, more for prices under 10."""
    digits = 2 if abs(value) >= 10 else 4 if abs(value) >= 0.1 else 6
    return f"{value:.{digits}f}"


def volume(value: float) -> str:
    return f"{value:,.0f}"


# ---------------------------------------------------------------- parsing


def parse_stage(stage: str, raw: str) -> dict[str, Any]:
    """The fields a stage's answer carries, read leniently; missing ones are None."""
    if stage == "s1":
        return {"direction": parse_direction(raw)}
    if stage == "s2":
        numbers = parse_numbers(raw)
        return {"level": to_float(numbers[-1]) if numbers else None}
    if stage == "s3":
        return {"side": parse_side(raw)}
    if stage == "ohlcv_s1":
        numbers = parse_numbers(answer_part(raw)) or parse_numbers(raw)
        dates = parse_dates(raw)
        return {
            "direction": parse_direction(raw),
            "level": to_float(numbers[0]) if numbers else None,
            "date": dates[-1] if dates else None,
        }
    if stage == "ohlcv_s2":
        return {"cited": parse_numbers(raw)}
    return {"judgment": parse_judgment(raw)}


# ---------------------------------------------------------------- footprint


def footprint_values(facts: dict[str, Any], answers: dict[str, dict[str, Any]], tools: bool) -> dict[str, Any]:
    """Template values for the footprint stages: checked facts (tools on) or earlier answers."""
    def given(stage: str, key: str) -> Any:
        if tools:
            return facts[key]
        return (answers.get(stage) or {}).get(key) or "unknown"

    direction = given("s1", "direction")
    level = given("s2", "level")
    values: dict[str, Any] = {
        "tables": facts["tables"],
        "facts": tools,
        "direction": direction,
        "level": price(level) if isinstance(level, float) else level,
        "side": given("s3", "side"),
        "beyond": {"upward": "above", "downward": "below"}.get(direction, "beyond"),
        "prior_high": price(facts["prior_high"]),
        "prior_low": price(facts["prior_low"]),
        "last_high": price(facts["last_high"]),
        "last_low": price(facts["last_low"]),
        "pairs": [(price(p), volume(s), volume(b)) for p, s, b in facts["pairs"]] if tools else [],
        "sell_volume": volume(facts["sell_volume"]) if tools else "unknown",
        "buy_volume": volume(facts["buy_volume"]) if tools else "unknown",
    }
    return values


def footprint_check(stage: str, fields: dict[str, Any], raw: str, facts: dict[str, Any]) -> list[CheckResult]:
    if stage == "s1":
        return [_equal("s1_direction", fields.get("direction"), facts["direction"], "the breakout direction")]
    if stage == "s2":
        found = fields.get("level")
        ok = found is not None and abs(found - facts["level"]) < facts["tick"] / 2
        extreme = "high" if facts["direction"] == "upward" else "low"
        return [_check("s2_level", ok, f"it gave the level {'nothing' if found is None else price(found)}; the prior "
                       f"{extreme} of the earlier bars is {price(facts['level'])}", facts["level"], found,
                       feedback=f"The level is the prior {extreme} of the earlier bars, {price(facts['level'])}.")]
    if stage == "s3":
        return [_equal("s3_side", fields.get("side"), facts["side"], "the stronger side at and beyond the level")]
    named_side = parse_side(raw)
    return [
        _equal("report_judgment", fields.get("judgment"), facts["label"], "the true/false judgment"),
        footprint_quotes(raw, facts),
        _equal("report_side", named_side or facts["side"], facts["side"], "the stronger side"),
    ]


def footprint_quotes(raw: str, facts: dict[str, Any]) -> CheckResult:
    """The rationale must quote the direction, the level and both volumes, and nothing invented."""
    missing = []
    if parse_direction(raw) != facts["direction"]:
        missing.append(f"the direction ({facts['direction']})")
    for label, value in (("level", facts["level"]), ("sell volume", facts["sell_volume"]),
                         ("buy volume", facts["buy_volume"])):
        if not cites(raw, value):
            missing.append(f"the {label} ({price(value) if label == 'level' else volume(value)})")
    invented = unknown_numbers(raw, footprint_allowed(facts))
    problems = ([f"quote {', '.join(missing)}"] if missing else []) + (
        [f"do not cite numbers that are not in the facts ({', '.join(invented[:5])})"] if invented else [])
    return _check("report_quotes", not problems, "the rationale did not " + "; ".join(problems),
                  None, {"missing": missing, "invented": invented}, feedback="The rationale must " + "; ".join(problems) + ".")


def footprint_allowed(facts: dict[str, Any]) -> list[float]:
    allowed = [facts["level"], facts["sell_volume"], facts["buy_volume"], facts["prior_high"], facts["prior_low"],
               facts["last_high"], facts["last_low"], facts["tick"], float(facts["bars"] - 1)]
    return allowed + [v for pair in facts["pairs"] for v in pair]


def footprint_text(facts: dict[str, Any]) -> str:
    """The chain's answer written from the facts alone."""
    beyond = "above" if facts["direction"] == "upward" else "below"
    extreme = "high" if facts["direction"] == "upward" else "low"
    push = "buyers" if facts["direction"] == "upward" else "sellers"
    verdict = "true" if facts["label"] == "true" else "false"
    return (
        f"**{facts['direction'].capitalize()} breakout through {price(facts['level'])}: a {verdict} breakout.**\n"
        f"- S1 direction: the last bar ({price(facts['last_low'])}–{price(facts['last_high'])}) leaves the range of the "
        f"{facts['bars'] - 1} earlier bars ({price(facts['prior_low'])}–{price(facts['prior_high'])}) {facts['direction']}.\n"
        f"- S2 level: the prior {extreme}, {price(facts['level'])}.\n"
        f"- S3 strength: read at an angle (sell at p vs buy at p + one tick) at and {beyond} the level, sellers "
        f"{volume(facts['sell_volume'])} vs buyers {volume(facts['buy_volume'])}: the {facts['side']} side is stronger.\n"
        f"- Report: an {facts['direction']} breakout needs {push} to be stronger beyond the level; here the "
        f"{facts['side']}s are, so it is a {verdict} breakout."
    )


# ---------------------------------------------------------------- OHLCV


def ohlcv_values(facts: dict[str, Any], answers: dict[str, dict[str, Any]], tools: bool) -> dict[str, Any]:
    s1 = answers.get("ohlcv_s1") or {}
    level = facts["level"] if tools else s1.get("level")
    return {
        "name": facts["name"],
        "table": facts["table"],
        "facts": tools,
        "window": facts["window"],
        "range_high": price(facts["range_high"]),
        "range_low": price(facts["range_low"]),
        "direction": facts["direction"] if tools else s1.get("direction") or "unknown",
        "level": price(level) if isinstance(level, float) else "unknown",
        "date": facts["date"] if tools else s1.get("date") or "unknown",
        **{k: f"{facts[k]:.2f}" if isinstance(facts[k], float) else facts[k] for k in (
            "volume_ratio", "close_location", "atr_multiple", "gap_atr", "width_atr", "touches",
            "volume_ratio_min", "close_location_min", "strength_atr_min")},
        "evidence": evidence_text(facts) if tools else (answers.get("ohlcv_s2") or {}).get("raw", "not given"),
        "probability": f"{round(100 * facts['probability'])}%",
        "base_rate": f"{round(100 * facts['base_rate'])}%",
        "call": facts["call"],
    }


def evidence_text(facts: dict[str, Any]) -> str:
    vr = "n/a (no volume data)" if facts["volume_ratio"] is None else f"{facts['volume_ratio']:.2f}"
    marks = {True: "confirms", False: "does not confirm"}
    return (
        f"volume ratio {vr} ({marks[facts['volume_confirmed']]}), close location {facts['close_location']:.2f} "
        f"({marks[facts['close_confirmed']]}), {facts['atr_multiple']:.2f} ATR beyond the level "
        f"({marks[facts['strength_confirmed']]}); {facts['confirmations']} of 3 confirm"
    )


def _percent(value: float) -> float:
    return round(100 * value)


def ohlcv_allowed(facts: dict[str, Any]) -> list[float]:
    """Every number a breakout reply may cite: measured values, rule thresholds, probabilities in %."""
    keys = ("level", "close", "range_high", "range_low", "atr", "width_atr", "touches", "volume_ratio",
            "close_location", "gap_atr", "atr_multiple", "volume_ratio_min", "close_location_min",
            "strength_atr_min", "confirmations", "window", "bars", "events", "events_up", "events_down",
            "last_close", "last_range_low", "last_range_high", "target_atr", "horizon", "bars_to_outcome",
            "events_any", "unlisted")
    allowed = [float(facts[k]) for k in keys if facts.get(k) is not None]
    allowed += [_percent(facts[k]) for k in ("probability", "base_rate") if facts.get(k) is not None]
    allowed += [float(facts[k]) for k in ("probability", "base_rate") if facts.get(k) is not None]
    allowed += [float(v) for v in (facts.get("cases") or {}).values() if isinstance(v, int)]
    for extra in (facts.get("recent"), facts.get("asked"), *(facts.get("listed") or [])):
        allowed += [float(v) for k, v in (extra or {}).items() if isinstance(v, (int, float)) and k != "index"]
        allowed += [_percent(extra[k]) for k in ("probability",) if extra and extra.get(k) is not None]
    return allowed + [to_float(n) for n in parse_numbers(asked_words(facts))] + [3.0, 0.0, 1.0, 2.0]


def asked_words(facts: dict[str, Any]) -> str:
    """What a reply may repeat from the question and the data's name: the period as written, the options, the source."""
    intent = facts.get("intent") or {}
    period = (intent.get("period") or {}).get("label", "")
    options = " ".join(o["text"] for o in (intent.get("choices") or {}).get("options", []))
    return " ".join([period, *intent.get("extra", []), options, facts.get("source", "")])


def ohlcv_check(stage: str, fields: dict[str, Any], raw: str, facts: dict[str, Any]) -> list[CheckResult]:
    if stage == "ohlcv_s1":
        level = fields.get("level")
        level_ok = level is not None and matches(price(level), facts["level"]) or (
            level is not None and abs(level - facts["level"]) <= 1e-3 * abs(facts["level"]))
        side = "high" if facts["direction"] == "upward" else "low"
        return [
            _equal("s1_direction", fields.get("direction"), facts["direction"], "the breakout direction"),
            _check("s1_level", level_ok, f"it gave the level {'nothing' if level is None else price(level)}; the "
                   f"range {side} is {price(facts['level'])}", facts["level"], level,
                   feedback=f"The level is the range {side}, {price(facts['level'])}."),
            _equal("s1_date", fields.get("date"), facts["date"], "the breakout date"),
        ]
    checks = [cited_numbers(f"{stage[-2:]}_numbers", raw, facts)]
    if stage == "ohlcv_s2":
        return checks
    judgment = fields.get("judgment")
    expected = facts["call"]
    return [
        _check("s3_judgment", judgment is not None, "it gave no true/false call",
               expected, judgment, feedback="End with 'Answer: true breakout' or 'Answer: false breakout'."),
        *checks,
        _check("s3_consistent", judgment is None or judgment == expected,
               f"it called it a {judgment} breakout; the calibrated probability {round(100 * facts['probability'])}% "
               f"makes it a {expected} breakout", expected, judgment,
               feedback=f"The calibrated probability of a true breakout is {round(100 * facts['probability'])}%: "
                        f"call it a {expected} breakout."),
    ]


def cited_numbers(name: str, raw: str, facts: dict[str, Any]) -> CheckResult:
    """Every number and date cited must be a fact; named features must carry their own value."""
    wrong = [f"{n} (not a fact)" for n in unknown_numbers(raw, ohlcv_allowed(facts))]
    for word, key in _FEATURE_WORDS.items():
        number = number_after(raw, word)
        if number is not None and facts.get(key) is not None and not matches(number, float(facts[key])):
            wrong.append(f"{word} {number} (is {facts[key]:.2f})")
    scope = facts.get("scope") or {}
    period = scope.get("period") or {}
    known = {*facts.get("dates", []), facts.get("last_date"), facts.get("date"), (facts.get("recent") or {}).get("date"),
             (facts.get("intent") or {}).get("date"), facts.get("first_date"), scope.get("data_first"),
             scope.get("data_last"), period.get("start"), period.get("end"), *(e["date"] for e in facts.get("listed") or []),
             *parse_dates(" ".join([*(scope.get("missing") or []), asked_words(facts)]))}
    wrong += [f"{d} (not a bar in the data)" for d in parse_dates(raw) if d not in known]
    return _check(name, not wrong, "it cited values that are not in the data: " + "; ".join(wrong[:6]),
                  None, wrong, feedback="Cite only the measured values given; leave out " + "; ".join(wrong[:6]) + ".")


def stage_answer(stage: str, facts: dict[str, Any]) -> str:
    """What a stage's answer says when it copies the checked facts (tools on): a short reason that cites
    only facts, then the answer line the stage asks for. The target a fine-tune learns."""
    extreme = "high" if facts["direction"] == "upward" else "low"
    if stage == "s1":
        return (f"The last bar spans {price(facts['last_low'])} to {price(facts['last_high'])}, outside the earlier "
                f"{price(facts['prior_low'])} to {price(facts['prior_high'])}. Answer: {facts['direction']}")
    if stage == "s2":
        return f"The prior {extreme} of the earlier tables is the level. Answer: {price(facts['level'])}"
    if stage == "s3":
        return (f"Sellers traded {volume(facts['sell_volume'])} and buyers {volume(facts['buy_volume'])}. "
                f"Answer: {facts['side']}")
    if stage == "report":
        return (f"The breakout is {facts['direction']} through {price(facts['level'])}; sellers traded "
                f"{volume(facts['sell_volume'])} and buyers {volume(facts['buy_volume'])}, so the {facts['side']}s are "
                f"stronger. Answer: {facts['label']} breakout")
    if stage == "ohlcv_s1":
        beyond = "above" if facts["direction"] == "upward" else "below"
        return (f"The last bar closed {beyond} the range {extreme} of {price(facts['level'])}. "
                f"Answer: {facts['direction']}, {price(facts['level'])}, {facts['date']}")
    if stage == "ohlcv_s2":
        return f"{evidence_text(facts)[:1].upper()}{evidence_text(facts)[1:]}. Answer: {facts['confirmations']} of 3 confirm"
    return (f"On {facts['date']} the close was {facts['atr_multiple']:.2f} ATR beyond {price(facts['level'])} and "
            f"{facts['confirmations']} of 3 measures confirm; the fitted probability is {round(100 * facts['probability'])}% "
            f"against a base rate of {round(100 * facts['base_rate'])}%. Answer: {facts['call']} breakout")


def hindsight(facts: dict[str, Any]) -> str:
    outcome = facts.get("outcome")
    if outcome in (None, "open"):
        return ""
    what = {
        "target": f"reached the target ({facts['target_atr']:g} ATR beyond the level) after {facts['bars_to_outcome']:.0f} bars",
        "failed": f"closed back inside the range after {facts['bars_to_outcome']:.0f} bars",
        "timeout": f"neither reached the target nor closed back inside within {facts['horizon']} bars",
    }[outcome]
    return f"In hindsight (later bars in the data): the price {what}."


# ---------------------------------------------------------------- shared


def _check(name: str, passed: bool, message: str, expected: Any, found: Any, feedback: str = "") -> CheckResult:
    """`message` says what the draft got wrong; `feedback` tells the model what to write instead."""
    return CheckResult(name=name, passed=bool(passed), message="" if passed else message,
                       feedback="" if passed else feedback, expected=expected, found=found)


def _equal(name: str, found: Any, expected: Any, what: str) -> CheckResult:
    message = f"it gave {what} as {found or 'nothing'}; the data shows {expected}"
    return _check(name, found == expected, message, expected, found, feedback=f"{what.capitalize()} is {expected}.")


def bars_table(bars: pd.DataFrame) -> str:
    """A compact text table of bars for prompts."""
    rows = [
        f"{d:%Y-%m-%d}{'' if d.hour == 0 and d.minute == 0 else f' {d:%H:%M}'} {price(o)} {price(h)} {price(lo)} {price(c)} {v:,.0f}"
        for d, o, h, lo, c, v in zip(bars.index, *(bars[k].to_numpy() for k in ("open", "high", "low", "close")),
                                     bars["volume"].fillna(0).to_numpy(), strict=True)
    ]
    return "\n".join(rows)

