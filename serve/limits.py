"""Server-side caps on what one API or UI request may ask for (`[serve.limits]`).

A value above a cap is refused with a message that names the cap, rather than silently lowered,
so a client learns what this server allows; budgets the client leaves unset are lowered to the
caps (the engine's default wall time is longer than a server allows).
"""

from __future__ import annotations

from typing import Any

from stages.config import RequestLimits
from stages.messages import RunOptions

_CAPPED = ("max_repairs", "max_model_calls", "max_wall_s", "max_tokens")


class OverLimit(ValueError):
    """A request asks for more than this server allows; `param` names the field."""

    def __init__(self, param: str, value: object, cap: object, cap_name: str = "") -> None:
        super().__init__(f"{param} is {value}; this server allows at most {cap} (serve.limits.{cap_name or param}).")
        self.param = param


def capped_options(given: dict[str, Any], limits: RequestLimits) -> RunOptions:
    """RunOptions from a client's fields, refused above a cap and lowered to the caps where unset."""
    for name in _CAPPED:
        value, cap = given.get(name), getattr(limits, name)
        if isinstance(value, int | float) and not isinstance(value, bool) and value > cap:
            raise OverLimit(name, value, cap)
    options = RunOptions.model_validate(given)
    lowered: dict[str, Any] = {}
    for name in _CAPPED:
        cap = getattr(limits, name)
        if name not in given and name != "max_tokens" and getattr(options, name) > cap:
            lowered[name] = cap
    return options.model_copy(update=lowered) if lowered else options


def check_counts(messages: int, attachments: int, limits: RequestLimits) -> None:
    """The conversation's length and attachment count within their caps."""
    if messages > limits.max_messages:
        raise OverLimit("messages", f"{messages} messages", f"{limits.max_messages}", "max_messages")
    if attachments > limits.max_attachments:
        raise OverLimit("attachments", f"{attachments} attachments", f"{limits.max_attachments}", "max_attachments")
