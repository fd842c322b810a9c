"""Finding feedback: by meaning ("feedback like this") and by keywords (BM25)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from prodloop.feedback.understanding.corpus import Corpus, unit_rows
from prodloop.feedback.words import content_words

BM25_K1 = 1.5
BM25_B = 0.75


@dataclass(frozen=True)
class Hit:
    """One search result; higher scores are better."""

    item_id: int
    score: float


def _top(ids: Sequence[int], scores: npt.NDArray[np.float64], limit: int) -> list[Hit]:
    """The best ``limit`` by score, ties broken by smaller id."""
    order = np.lexsort((np.asarray(ids, dtype=np.int64), -scores))[:limit]
    return [Hit(int(ids[r]), round(float(scores[r]), 6)) for r in order]


def semantic_search(
    query: npt.ArrayLike, corpus: Corpus, *, limit: int = 10, exclude: Collection[int] = ()
) -> list[Hit]:
    """Items whose embedding is nearest ``query`` by cosine similarity."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    if not len(corpus):
        return []
    vector = unit_rows(query)[0].astype(np.float64)
    if vector.shape[0] != corpus.dimension:
        raise ValueError(f"query has {vector.shape[0]} dimensions, corpus {corpus.dimension}")
    scores = corpus.embeddings.astype(np.float64) @ vector
    if exclude:
        banned = np.fromiter((i in exclude for i in corpus.ids), dtype=bool, count=len(corpus))
        scores[banned] = -np.inf
    hits = _top(corpus.ids, scores, limit)
    return [h for h in hits if math.isfinite(h.score)]


def similar_items(item_id: int, corpus: Corpus, *, limit: int = 10) -> list[Hit]:
    """Feedback like item ``item_id`` (which must be in ``corpus``), itself left out."""
    where = corpus.positions()
    if item_id not in where:
        raise KeyError(f"item {item_id} is not in the corpus")
    return semantic_search(
        corpus.embeddings[where[item_id]], corpus, limit=limit, exclude={item_id}
    )


@dataclass(frozen=True)
class KeywordIndex:
    """A BM25 index (k1 = 1.5, b = 0.75) over the stemmed content words of each text."""

    ids: tuple[int, ...]
    term_counts: tuple[dict[str, int], ...]
    lengths: tuple[int, ...]
    document_frequency: dict[str, int]

    @classmethod
    def build(cls, ids: Sequence[int], texts: Sequence[str]) -> KeywordIndex:
        """Indexes ``texts``; ``ids`` name them."""
        if len(ids) != len(texts):
            raise ValueError("ids and texts must have the same length")
        counts = tuple(dict(Counter(content_words(t))) for t in texts)
        frequency: Counter[str] = Counter()
        for c in counts:
            frequency.update(c.keys())
        return cls(
            tuple(int(i) for i in ids),
            counts,
            tuple(sum(c.values()) for c in counts),
            dict(frequency),
        )

    def scores(self, query: str) -> npt.NDArray[np.float64]:
        """The BM25 score of every indexed text for ``query``."""
        n = len(self.ids)
        out = np.zeros(n, dtype=np.float64)
        if not n:
            return out
        average = (sum(self.lengths) / n) or 1.0
        for term in dict.fromkeys(content_words(query)):
            df = self.document_frequency.get(term, 0)
            if not df:
                continue
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            for row, counts in enumerate(self.term_counts):
                tf = counts.get(term, 0)
                if tf:
                    norm = BM25_K1 * (1 - BM25_B + BM25_B * self.lengths[row] / average)
                    out[row] += idf * tf * (BM25_K1 + 1) / (tf + norm)
        return out

    def search(self, query: str, *, limit: int = 10) -> list[Hit]:
        """The best matches for ``query`` with a positive score."""
        if limit < 1:
            raise ValueError("limit must be at least 1")
        scores = self.scores(query)
        return [h for h in _top(self.ids, scores, limit) if h.score > 0]
