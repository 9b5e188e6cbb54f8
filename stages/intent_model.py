"""A small learned reader of what a question asks: word and character n-grams, logistic regression.

Wordings vary without end; a list of phrasings tuned to one test set does not carry to the next.
A linear model over n-grams, fitted on a few hundred labelled paraphrases (the template packs'
questions and public instruction-set wordings, entities masked), generalises across wordings and
fits in a second or two, so it is fitted where it runs instead of shipped as a pickle that breaks
with the next scikit-learn; the fitted model is kept in the user cache, keyed by the examples and
the scikit-learn release. Below `threshold` confidence the answer is "not understood".
"""

from __future__ import annotations

import hashlib
import json
import pickle
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from stages.atomic import atomic_path

NOT_UNDERSTOOD = "not_understood"
INSTRUCTION = "instruction"  # the family of a sentence about the answer's form, which asks nothing
# A sentence ends at . ? ! before a capital; without a space only after a word ("answer.The"), never
# inside a SMILES ("CC(=O)O.Cl").
_SENTENCE_END = re.compile(r"(?<=[.?!])\s+(?=[A-Z\"'(\[])|(?<=[a-z]{3}[.?!])(?=[A-Z][a-z])")


class Example(BaseModel):
    text: str = Field(description="a question with its entities masked")
    label: str
    source: str = ""


class IntentGuess(BaseModel):
    label: str = Field(description=f"the family, or {NOT_UNDERSTOOD!r} below the confidence threshold")
    confidence: float
    best: str = Field(description="the most likely family even when not confident")
    runner_up: str = ""


@dataclass
class IntentModel:
    """Fitted from labelled examples; `guess` reads one (masked) question."""

    examples: Sequence[Example]
    threshold: float = 0.35
    # Below this share of its words seen in the examples, a question is not understood whatever the
    # classifier says: "zorp the flibbet" leaves only "the", and a linear model still picks a family.
    min_known: float = 0.0
    _pipeline: Any = field(default=None, init=False, repr=False)

    def fit(self) -> IntentModel:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import FeatureUnion, make_pipeline

        features = FeatureUnion([
            ("words", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, lowercase=True,
                                      token_pattern=r"(?u)\b\w+\b")),
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, lowercase=True)),
        ])
        self._pipeline = make_pipeline(features, LogisticRegression(C=8.0, max_iter=2000, class_weight="balanced"))
        self._pipeline.fit([e.text for e in self.examples], [e.label for e in self.examples])
        return self

    def known_share(self, text: str) -> float:
        """The share of the text's words that occur in the examples."""
        if self._pipeline is None:
            self.fit()
        words = self._pipeline.steps[0][1].transformer_list[0][1]
        tokens = [t for t in words.build_analyzer()(text) if " " not in t]
        return sum(t in words.vocabulary_ for t in tokens) / len(tokens) if tokens else 1.0

    def guess(self, text: str) -> IntentGuess:
        if self._pipeline is None:
            self.fit()
        probabilities = self._pipeline.predict_proba([text])[0]
        classes = self._pipeline.classes_
        order = probabilities.argsort()[::-1]
        best, confidence = str(classes[order[0]]), float(probabilities[order[0]])
        runner_up = str(classes[order[1]]) if len(order) > 1 else ""
        label = best if confidence >= self.threshold and self.known_share(text) >= self.min_known else NOT_UNDERSTOOD
        return IntentGuess(label=label, confidence=round(confidence, 3), best=best, runner_up=runner_up)


def cached_model(examples: Sequence[Example], cache_dir: Path, threshold: float = 0.35, min_known: float = 0.0) -> IntentModel:
    """The model fitted on `examples`, from the cache when these examples were fitted before."""
    import sklearn

    digest = hashlib.sha256(json.dumps([e.model_dump() for e in examples], sort_keys=True).encode()).hexdigest()[:16]
    path = cache_dir / "intent" / f"{digest}-sklearn{sklearn.__version__}-{threshold}-{min_known}.pkl"
    if path.is_file():
        try:
            with path.open("rb") as handle:
                model = pickle.load(handle)
            if isinstance(model, IntentModel):
                return model
        except (OSError, pickle.UnpicklingError, AttributeError, EOFError, ImportError):
            path.unlink(missing_ok=True)
    model = IntentModel(examples, threshold, min_known).fit()
    with atomic_path(path) as temp, temp.open("wb") as handle:
        pickle.dump(model, handle)
    return model


def without_instructions(stem: str, read: Callable[[str], IntentGuess], keep: Callable[[str], bool] = lambda _: False) -> str:
    """The stem without its sentences about the answer's form ("Now you're an expert in …", "You MUST include
    the final answer within [ANSWER] tags."), which ask nothing; `keep` spares sentences that carry the problem."""
    sentences = _SENTENCE_END.split(stem.strip())
    if len(sentences) == 1:  # a lone sentence is the question itself
        return stem
    kept = [s for s in sentences if keep(s) or read(s).label != INSTRUCTION]
    return " ".join(kept) if kept else stem
