"""Caption scores as MolT5 and ChemLLMBench report them: corpus BLEU-2/4, ROUGE-1/2/L, METEOR.

BLEU comes from nltk (`corpus_bleu`), ROUGE from Google's `rouge-score`, METEOR from nltk with
WordNet 3.0 for its synonym stage (see `evals.wordnet`). Texts are lower-cased and split into
words and punctuation by nltk's `wordpunct_tokenize`; MolT5 splits with SciBERT's WordPiece
vocabulary, which is not available offline, so the numbers are of the same kind, not identical
to the decimal.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class CaptionScores(BaseModel):
    rouge1: float
    rouge2: float
    rougeL: float  # noqa: N815 - the name every paper uses
    meteor: float | None = None


def tokens(text: str) -> list[str]:
    from nltk.tokenize import wordpunct_tokenize

    return wordpunct_tokenize(text.lower())


def caption_scores(reference: str, hypothesis: str, wordnet: Any | None) -> CaptionScores:
    """Per-item ROUGE F-measures and METEOR (None without WordNet)."""
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"])
    rouge = scorer.score(reference, hypothesis)
    meteor = None
    if wordnet is not None:
        from nltk.translate.meteor_score import meteor_score

        meteor = float(meteor_score([tokens(reference)], tokens(hypothesis), wordnet=wordnet))
    return CaptionScores(rouge1=rouge["rouge1"].fmeasure, rouge2=rouge["rouge2"].fmeasure,
                         rougeL=rouge["rougeL"].fmeasure, meteor=meteor)


def corpus_bleu(references: list[str], hypotheses: list[str]) -> tuple[float, float]:
    """BLEU-2 and BLEU-4 over a whole set of captions (one reference each)."""
    from nltk.translate.bleu_score import corpus_bleu as bleu

    refs = [[tokens(r)] for r in references]
    hyps = [tokens(h) for h in hypotheses]
    return float(bleu(refs, hyps, weights=(0.5, 0.5))), float(bleu(refs, hyps, weights=(0.25, 0.25, 0.25, 0.25)))
