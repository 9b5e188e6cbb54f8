"""The learned reader of intent: fitted on labelled wordings, unsure below its threshold, cached."""

from __future__ import annotations

from pathlib import Path

from stages.intent_model import NOT_UNDERSTOOD, Example, IntentModel, cached_model

EXAMPLES = [Example(text=t, label=label) for label, texts in {
    "weather": ["will it rain tomorrow", "what is the weather forecast", "is it sunny today", "how cold is it outside"],
    "cooking": ["how do I bake bread", "what is a good soup recipe", "how long do I boil an egg", "how to roast chicken"],
}.items() for t in texts]


def test_it_reads_an_unseen_wording() -> None:
    model = IntentModel(EXAMPLES).fit()
    assert model.guess("will it be sunny or rain this weekend").label == "weather"
    assert model.guess("give me a recipe to bake a cake").label == "cooking"


def test_below_the_threshold_it_says_not_understood() -> None:
    guess = IntentModel(EXAMPLES, threshold=0.99).fit().guess("quantum chromodynamics")
    assert guess.label == NOT_UNDERSTOOD and guess.best in ("weather", "cooking") and guess.confidence < 0.99


def test_the_fitted_model_is_cached_per_examples(tmp_path: Path) -> None:
    first = cached_model(EXAMPLES, tmp_path)
    files = list((tmp_path / "intent").glob("*.pkl"))
    assert len(files) == 1
    again = cached_model(EXAMPLES, tmp_path)
    assert again is not first and again.guess("is it sunny today").label == "weather"
    cached_model(EXAMPLES[:-1], tmp_path)
    assert len(list((tmp_path / "intent").glob("*.pkl"))) == 2


def test_a_broken_cache_file_is_refitted(tmp_path: Path) -> None:
    cached_model(EXAMPLES, tmp_path)
    path = next((tmp_path / "intent").glob("*.pkl"))
    path.write_bytes(b"not a pickle")
    assert cached_model(EXAMPLES, tmp_path).guess("how do I bake bread").label == "cooking"
