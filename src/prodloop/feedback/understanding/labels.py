"""Human-readable theme labels: class-based TF-IDF keywords and representative verbatims."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np

from prodloop.feedback.understanding.corpus import Vectors
from prodloop.feedback.words import content_words

KEYWORDS_PER_THEME = 5
PHRASES_PER_THEME = 3
LABEL_KEYWORDS = 3


def class_keywords(
    groups: Mapping[str, Sequence[str]], *, limit: int = KEYWORDS_PER_THEME
) -> dict[str, tuple[str, ...]]:
    """The words that set each group of texts apart (c-TF-IDF, as in BERTopic).

    weight(word, group) = tf(word, group) · log(1 + A / f(word)), where A is the mean number
    of words per group and f the word's frequency over all groups. Ties break alphabetically.
    """
    counts = {
        key: Counter(w for text in texts for w in content_words(text))
        for key, texts in groups.items()
    }
    total: Counter[str] = Counter()
    for counter in counts.values():
        total.update(counter)
    if not counts:
        return {}
    average = sum(total.values()) / len(counts)
    out: dict[str, tuple[str, ...]] = {}
    for key, counter in counts.items():
        size = sum(counter.values()) or 1
        scored = sorted(
            (
                (-(count / size) * math.log(1 + average / total[word]), word)
                for word, count in counter.items()
            ),
        )
        out[key] = tuple(word for _, word in scored[:limit])
    return out


def representative_rows(embeddings: Vectors, centroid: Vectors, *, limit: int) -> list[int]:
    """Rows closest to the centroid, nearest first (ties: lower row first)."""
    if not len(embeddings):
        return []
    similarity = embeddings @ centroid
    order = np.lexsort((np.arange(len(similarity)), -similarity))
    return [int(r) for r in order[:limit]]


def representative_phrases(
    texts: Sequence[str], embeddings: Vectors, centroid: Vectors, *, limit: int = PHRASES_PER_THEME
) -> tuple[str, ...]:
    """Up to ``limit`` distinct member texts nearest the centroid."""
    seen: set[str] = set()
    phrases: list[str] = []
    for row in representative_rows(embeddings, centroid, limit=min(len(texts), limit * 4)):
        text = " ".join(texts[row].split())
        if text.lower() in seen:
            continue
        seen.add(text.lower())
        phrases.append(text[:200])
        if len(phrases) == limit:
            break
    return tuple(phrases)


def label_from(keywords: Sequence[str], phrases: Sequence[str]) -> str:
    """A short label: the leading keywords, or the first phrase when there are none."""
    if keywords:
        return " / ".join(keywords[:LABEL_KEYWORDS])
    if phrases:
        return phrases[0][:80]
    return "untitled theme"
