"""Conversations fitted to the training length so the answer is always trained on.

TRL cuts a long sequence at its end, which drops the assistant's answer, the one part that
teaches anything: a 1,400-token breakout sample cut at 256 tokens trains on bars alone. So a
conversation too long is fitted before it reaches the trainer: the start of its longest user
message (the oldest bars of a table, the front of a long passage) is cut until the whole fits.
When even the answer alone is longer, the prompt is cut to a mark and the trainer keeps the
answer's start: the most of the answer the length allows.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

CUT_MARK = "[…] "


class Fitted(BaseModel):
    conversations: list[dict[str, Any]]
    trimmed: int
    answer_cut: int


def _length(tokenizer: Any, messages: list[dict[str, Any]]) -> int:
    return len(tokenizer.apply_chat_template(messages, tokenize=True, return_dict=True)["input_ids"])


def _with_user_text(messages: list[dict[str, Any]], index: int, text: str) -> list[dict[str, Any]]:
    return [{**m, "content": text} if i == index else m for i, m in enumerate(messages)]


def fit_conversation(tokenizer: Any, conversation: dict[str, Any], max_length: int) -> dict[str, Any]:
    """The conversation as it is when it fits; else with the front of its longest user message cut
    (binary search on characters) so that it does, or down to the mark when the answer alone is longer."""
    messages = conversation["messages"]
    if _length(tokenizer, messages) <= max_length:
        return conversation
    users = [i for i, m in enumerate(messages) if m.get("role") == "user" and isinstance(m.get("content"), str)]
    if not users:
        return conversation
    index = max(users, key=lambda i: len(messages[i]["content"]))
    text = messages[index]["content"]
    if _length(tokenizer, _with_user_text(messages, index, CUT_MARK)) > max_length:
        return {**conversation, "messages": _with_user_text(messages, index, CUT_MARK)}
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
    fitted, trimmed, answer_cut = [], 0, 0
    for conversation in conversations:
        result = fit_conversation(tokenizer, conversation, max_length)
        if result is not conversation:
            trimmed += 1
            answer_cut += _length(tokenizer, result["messages"]) > max_length
        fitted.append(result)
    return Fitted(conversations=fitted, trimmed=trimmed, answer_cut=answer_cut)
