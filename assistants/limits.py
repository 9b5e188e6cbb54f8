"""Input limits every assistant enforces in its detect stage."""

from __future__ import annotations

from stages.stage import BadInput

MAX_MESSAGE_CHARS = 60_000


def require_question(text: str, max_chars: int = MAX_MESSAGE_CHARS) -> str:
    """The stripped question, or a clear BadInput for empty or oversized messages."""
    question = text.strip()
    if not question:
        raise BadInput("The message is empty: please ask a question.")
    if len(question) > max_chars:
        raise BadInput(
            f"The message is {len(question):,} characters; the limit is {max_chars:,}. "
            "Attach large data as a file instead."
        )
    return question
