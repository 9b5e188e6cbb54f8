"""Long conversations are fitted to the training length by cutting the oldest prompt text, never the answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from stages.config import Settings
from stages.models import model_dir
from train.fit_length import CUT_MARK, fit_conversation, fit_conversations


@pytest.fixture(scope="module")
def tokenizer():
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(model_dir(Settings().cache_dir, "smollm2-135m-instruct"))


def conversation(bars: int) -> dict:
    table = "\n".join(f"2024-01-{i % 28 + 1:02d},{100 + i},{101 + i},{99 + i},{100.5 + i},{1000 + i}" for i in range(bars))
    return {"messages": [{"role": "system", "content": "You judge breakouts."},
                         {"role": "user", "content": f"date,open,high,low,close,volume\n{table}\nIs the last bar a true breakout?"},
                         {"role": "assistant", "content": "The close left the range on volume 1.8x: Answer: true breakout"}]}


def length(tokenizer, messages) -> int:
    return len(tokenizer.apply_chat_template(messages, tokenize=True, return_dict=True)["input_ids"])


def test_a_long_conversation_keeps_its_answer_and_its_question(tokenizer) -> None:
    long = conversation(200)
    assert length(tokenizer, long["messages"]) > 256
    fitted = fit_conversation(tokenizer, long, 256)
    assert fitted is not None and length(tokenizer, fitted["messages"]) <= 256
    assert fitted["messages"][2] == long["messages"][2]  # the answer, whole
    user = fitted["messages"][1]["content"]
    assert user.startswith(CUT_MARK) and user.endswith("Is the last bar a true breakout?")
    assert long["messages"][1]["content"].endswith(user[len(CUT_MARK):])  # only the front was cut


def test_short_ones_pass_and_an_answer_too_long_keeps_its_start(tokenizer) -> None:
    short = conversation(3)
    too_long = {"messages": [{"role": "user", "content": "Say it. " * 50}, {"role": "assistant", "content": "word " * 400}]}
    result = fit_conversations(tokenizer, [short, conversation(200), too_long], 256)
    assert (result.trimmed, result.answer_cut, len(result.conversations)) == (2, 1, 3)
    assert result.conversations[0] == short
    assert result.conversations[2]["messages"] == [{"role": "user", "content": CUT_MARK}, too_long["messages"][1]]
