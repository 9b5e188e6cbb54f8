"""What the breakout tools mean by their terms, with the numbers they use: the answer to "what is a false
breakout?" is the definition every judgment here applies, read from the scan's configuration, so it
cannot drift from what the tools do."""

from __future__ import annotations

import re

from assistants.market.breakouts import ScanConfig
from stages.reply import CheckResult

# Each term, the words that ask about it (first match wins for a span of text), in the order a reply gives them.
_TERMS: tuple[tuple[str, str], ...] = (
    ("trading range", r"\btrading ranges?\b|\branges?\b|\bconsolidation(?: zones?)?\b|\bsideways\b"),
    ("breakout", r"\bbreak-?outs?\b|\bbreak(?:s|ing)? out\b|\bbreakdowns?\b"),
    ("true breakout", r"\b(?:true|real|genuine|valid|successful)\s+break-?outs?\b|"
                      r"\b(?:true|real|genuine|valid)\b(?=\s+(?:and|or|vs\.?|versus)\s+(?:an?\s+)?(?:false|fake|failed)\s+break)"),
    ("false breakout", r"\b(?:false|fake|failed)\s+break-?outs?\b|\bfake-?outs?\b|\bbull traps?\b|\bbear traps?\b|"
                       r"\b(?:false|fake|failed)\b(?=\s+(?:and|or|vs\.?|versus)\s+(?:an?\s+)?(?:true|real|genuine|valid)\s+break)"),
    ("confirmation", r"\bconfirm(?:s|ed|ation|ing)?\b"),
    ("average true range", r"\baverage true range\b|\batr\b"),
    ("touch", r"\btouch(?:es|ed)?\b|\btests? of the level\b"),
)


def definitions(config: ScanConfig) -> dict[str, str]:
    """Every term's definition as the tools apply it, with the configured numbers."""
    threshold = f" by more than {config.threshold_atr:g} ATR" if config.threshold_atr else ""
    return {
        "trading range": (f"A trading range is the band between the highest high and the lowest low of the {config.window} "
                          "bars before the current one; its top and bottom are the levels a breakout crosses."),
        "breakout": (f"A breakout is the first close beyond the trading range{threshold}: above its top (upward) or below its "
                     "bottom (downward); the closes beyond it right after are the same breakout."),
        "true breakout": (f"A breakout is true when, within the next {config.horizon} bars, the price moves "
                          f"{config.target_atr:g} ATR beyond the level before it closes back inside the range."),
        "false breakout": (f"A breakout is false when the price closes back inside the range before moving {config.target_atr:g} "
                           f"ATR beyond the level (or the {config.horizon} bars pass without either)."),
        "confirmation": ("A breakout bar is confirmed by three signs, each judged on its own: volume at least "
                         f"{config.volume_ratio_min:g} times the range's average, a close in the outer "
                         f"{1 - config.close_location_min:.0%} of the bar, and a close at least {config.strength_atr_min:g} ATR "
                         "beyond the level; the calibrated model weighs them into the probability that the breakout is true."),
        "average true range": (f"The average true range (ATR) is the mean over the {config.atr_period} prior bars of each "
                               "bar's true range (the largest of high − low, |high − previous close| and |low − previous "
                               "close|); distances here are measured in ATRs."),
        "touch": (f"A range bar touches a level when it comes within {config.touch_atr:g} ATR of it; more touches mean a "
                  "better-tested level."),
    }


def _split(question: str) -> tuple[list[str], str]:
    """The terms a question asks about, in the order replies give them, and its words besides them; the
    longest match takes its words first, so the "breakout" of "false breakout" is that term alone."""
    matches = sorted(((m.start(), m.end(), term) for term, pattern in _TERMS
                      for m in re.finditer(pattern, question, re.IGNORECASE)), key=lambda m: m[0] - m[1])
    taken: list[tuple[int, int, str]] = []
    for start, end, term in matches:
        if all(end <= a or start >= b for a, b, _ in taken):
            taken.append((start, end, term))
    rest = question
    for start, end, _ in sorted(taken, reverse=True):
        rest = rest[:start] + " " + rest[end:]
    order = [t for t, _ in _TERMS]
    return sorted({t for _, _, t in taken}, key=order.index), rest


def asked_terms(question: str) -> list[str]:
    """The terms a question asks about, in the order replies give them."""
    return _split(question)[0]


# The words a question asking only for definitions may hold besides the terms themselves.
_FILLER = frozenset("""a an the is are was what whats what's does do did mean means meant by and or between difference define
definition explain please in trading stock stocks market markets technical analysis counts count as of term terms word
exactly called tell me about how when it its it's this that these those vs versus here you your i traders trader
people usually typically one we they""".split())


def definition_only(question: str) -> bool:
    """Whether a question asks nothing but what terms of this glossary mean ("What is a false breakout?",
    "explain trading ranges"); one that asks more ("a breakout strategy for beginners") is not answered by them."""
    terms, rest = _split(question)
    return bool(terms) and all(w in _FILLER for w in re.findall(r"[a-z']+", rest.lower()))


def glossary_answer(question: str, config: ScanConfig) -> str | None:
    """The definitions a question asks for, as the tools apply them; None when it asks more than definitions."""
    terms = asked_terms(question)
    if not terms or not definition_only(question):
        return None
    known = definitions(config)
    return "Here is how the breakout tools define it:\n" + "\n".join(f"- {known[t]}" for t in terms)


def glossary_check(text: str, question: str, config: ScanConfig) -> CheckResult:
    """A definitions reply answers the question when it gives every asked term's definition, as applied."""
    known = definitions(config)
    missing = [t for t in asked_terms(question) if known[t] not in text]
    return CheckResult(name="answers_question", kind="coverage", passed=not missing,
                       message=f"it does not define {', '.join(missing)}" if missing else "",
                       expected=[known[t] for t in asked_terms(question)])
