"""Conversations fitted to the training length so the answer is always trained on.

TRL cuts a long sequence at its end, which drops the assistant's answer, the one part that
teaches anything: a 1,400-token breakout sample cut at 256 tokens trains on bars alone. So a
conversation too long is fitted before it reaches the trainer: the start of its longest user
message (the oldest bars of a table, the front of a long passage) is cut until the whole fits;
the answer is never cut, and a conversation whose answer alone does not fit is left out.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

CUT_MARK = "[…] "


class Fitted(BaseModel):
    conversations: list[dict[str, Any]]
    trimmed: int
    dropped: int


def _length(tokenizer: Any, messages: list[dict[str, Any]]) -> int:
    return len(tokenizer.apply_chat_template(messages, tokenize=True, return_dict=True)["input_ids"])


def _with_user_text(messages: list[dict[str, Any]], index: int, text: str) -> list[dict[str, Any]]:
    return [{**m, "content": text} if i == index else m for i, m in enumerate(messages)]


def fit_conversation(tokenizer: Any, conversation: dict[str, Any], max_length: int) -> dict[str, Any] | None:
    """The conversation as it is when it fits; else with the front of its longest user message cut
    (binary search on characters) so that it does; None when even an empty prompt would not fit."""
    messages = conversation["messages"]
    if _length(tokenizer, messages) <= max_length:
        return conversation
    users = [i for i, m in enumerate(messages) if m.get("role") == "user" and isinstance(m.get("content"), str)]
    if not users:
        return None
    index = max(users, key=lambda i: len(messages[i]["content"]))
    text = messages[index]["content"]
    if _length(tokenizer, _with_user_text(messages, index, CUT_MARK)) > max_length:
        return None
    keep_low, keep_high = 0, len(text)  # characters kept from the end of the message
    while keep_low < keep_high:
        middle = (keep_low + keep_high + 1) // 2
        if _length(tokenizer, _with_user_text(messages, index, CUT_MARK + text[-middle:])) <= max_length:
            keep_low = middle
        else:
            keep_high = middle - 1
    kept = CUT_MARK + text[-keep_low:] if keep_low else CUT_MARK
    return {**conversation, "messages": _with_user_text(messages, index, kept)}


def fit_conversations(tokenizer: Any, conversations: list[dict[str, Any]], max_length: int) -> Fitted:
    fitted, trimmed, dropped = [], 0, 0
    for conversation in conversations:
        result = fit_conversation(tokenizer, conversation, max_length)
        if result is None:
            dropped += 1
            continue
        trimmed += result is not conversation
        fitted.append(result)
    return Fitted(conversations=fitted, trimmed=trimmed, dropped=dropped)
