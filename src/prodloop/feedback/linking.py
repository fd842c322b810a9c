"""Suggesting which ledger features a feedback item or theme is about, and why.

The score blends meaning (cosine similarity between the text's embedding and the feature's
title + description embedding) with plain keyword overlap (the share of the feature's
content words that the text uses), so a suggestion can always say which words matched.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from prodloop.feedback.words import content_words

Vectors = npt.NDArray[np.float32]
Embed = Callable[[Sequence[str]], Vectors]

SIMILARITY_WEIGHT = 0.6
OVERLAP_WEIGHT = 0.4
MIN_SCORE = 0.12


@dataclass(frozen=True)
class FeatureText:
    """What a feature is called and says it does."""

    feature_id: int
    key: str
    title: str
    description: str

    @property
    def text(self) -> str:
        """Title and description as one text (the title twice: it names the thing)."""
        return f"{self.title}. {self.title}. {self.description}"


@dataclass(frozen=True)
class Suggestion:
    """One ranked feature for a text, with the parts of its score."""

    feature_id: int
    key: str
    title: str
    score: float
    similarity: float
    overlap: float
    matched_words: tuple[str, ...]

    @property
    def reason(self) -> str:
        """Why it was suggested, in words a person checks at a glance."""
        words = ", ".join(f"“{w}”" for w in self.matched_words[:5]) or "no shared words"
        return (
            f"score {self.score:.2f}: meaning similarity {self.similarity:.2f}, "
            f"keyword overlap {self.overlap:.2f} ({words})"
        )


def keyword_overlap(text: str, feature: FeatureText) -> tuple[float, tuple[str, ...]]:
    """Share of the feature's distinct content words that ``text`` uses, and which ones."""
    feature_words = list(dict.fromkeys(content_words(f"{feature.title} {feature.description}")))
    if not feature_words:
        return 0.0, ()
    used = set(content_words(text))
    title_words = set(content_words(feature.title))
    matched = tuple(w for w in feature_words if w in used)
    # Title words count double: they say what the feature is.
    weight = sum(2 if w in title_words else 1 for w in feature_words)
    hit = sum(2 if w in title_words else 1 for w in matched)
    return hit / weight, matched


def rank_features(
    texts: Sequence[str],
    features: Sequence[FeatureText],
    *,
    embed: Embed,
    limit: int = 3,
    feature_vectors: Vectors | None = None,
) -> list[list[Suggestion]]:
    """For each text, the best ``limit`` features scoring at least :data:`MIN_SCORE`."""
    if not texts or not features:
        return [[] for _ in texts]
    text_vectors = _unit(embed(list(texts)))
    if feature_vectors is None:
        feature_vectors = _unit(embed([f.text for f in features]))
    similarities = text_vectors @ feature_vectors.T
    ranked: list[list[Suggestion]] = []
    for row, text in enumerate(texts):
        suggestions = []
        for column, feature in enumerate(features):
            similarity = max(0.0, float(similarities[row, column]))
            overlap, matched = keyword_overlap(text, feature)
            score = SIMILARITY_WEIGHT * similarity + OVERLAP_WEIGHT * overlap
            if score >= MIN_SCORE:
                suggestions.append(
                    Suggestion(
                        feature_id=feature.feature_id,
                        key=feature.key,
                        title=feature.title,
                        score=round(score, 4),
                        similarity=round(similarity, 4),
                        overlap=round(overlap, 4),
                        matched_words=matched,
                    )
                )
        suggestions.sort(key=lambda s: (-s.score, s.key))
        ranked.append(suggestions[:limit])
    return ranked


def _unit(vectors: Vectors) -> Vectors:
    array = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    unit: Vectors = array / norms
    return unit
