"""Near-duplicate feedback: the same request sent twice, or worded almost the same way.

Two items are near-duplicates when their normalised texts are equal, or when the cosine
similarity of their embeddings is at least the threshold. Groups are the connected
components of that relation; each group's canonical item is its smallest id (with
auto-increment ids, the first one received), so the result never depends on input order.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np

from prodloop.feedback.understanding.corpus import Corpus

DUPLICATE_THRESHOLD = 0.92
_BLOCK = 2048
_URL = re.compile(r"https?://\S+")
_NON_WORD = re.compile(r"[^\w]+")


def normalise_text(text: str) -> str:
    """Lower case, accents folded, URLs, punctuation and repeated spaces dropped."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    folded = _URL.sub(" ", folded.lower())
    return " ".join(_NON_WORD.sub(" ", folded).split())


@dataclass(frozen=True)
class DuplicateGroup:
    """A canonical item and the items that repeat it."""

    canonical: int
    duplicates: tuple[int, ...]
    min_similarity: float


def find_duplicates(
    corpus: Corpus, *, threshold: float = DUPLICATE_THRESHOLD
) -> list[DuplicateGroup]:
    """Groups of near-duplicates in ``corpus`` (groups of one are left out), by canonical id."""
    if not 0 < threshold <= 1:
        raise ValueError("threshold must be in (0, 1]")
    order = sorted(range(len(corpus)), key=lambda r: corpus.ids[r])
    ids = [corpus.ids[r] for r in order]
    vectors = corpus.embeddings[order] if order else corpus.embeddings
    parent = list(range(len(ids)))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: int, b: int) -> None:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    pair_similarity: dict[tuple[int, int], float] = {}
    by_text: dict[str, int] = {}
    for row, r in enumerate(order):
        key = normalise_text(corpus.texts[r])
        if key and key in by_text:
            union(by_text[key], row)
            pair_similarity[(by_text[key], row)] = 1.0
        elif key:
            by_text[key] = row
    for start in range(0, len(ids), _BLOCK):
        block = vectors[start : start + _BLOCK] @ vectors.T
        rows, cols = np.nonzero(block >= threshold - 1e-6)
        for a, b in zip(rows.tolist(), cols.tolist(), strict=True):
            a += start
            if a < b:
                union(a, b)
                pair_similarity.setdefault((a, b), float(block[a - start, b]))
    members: dict[int, list[int]] = {}
    for row in range(len(ids)):
        members.setdefault(root(row), []).append(row)
    groups = []
    for rows_in_group in members.values():
        if len(rows_in_group) < 2:
            continue
        inside = set(rows_in_group)
        edges = [s for (a, b), s in pair_similarity.items() if a in inside and b in inside]
        groups.append(
            DuplicateGroup(
                canonical=ids[rows_in_group[0]],
                duplicates=tuple(ids[r] for r in rows_in_group[1:]),
                min_similarity=round(min(edges), 4),
            )
        )
    return sorted(groups, key=lambda g: g.canonical)


def match_duplicates(
    existing: Corpus, new: Corpus, *, threshold: float = DUPLICATE_THRESHOLD
) -> list[int | None]:
    """For each item of ``new``: the existing item it repeats (most similar, then smallest id)."""
    if not len(existing):
        return [None] * len(new)
    by_text: dict[str, int] = {}
    for item_id, text in sorted(zip(existing.ids, existing.texts, strict=True)):
        by_text.setdefault(normalise_text(text), item_id)
    ids = np.asarray(existing.ids)
    out: list[int | None] = []
    for row, text in enumerate(new.texts):
        exact = by_text.get(normalise_text(text))
        if exact is not None and normalise_text(text):
            out.append(exact)
            continue
        similarity = existing.embeddings @ new.embeddings[row]
        best = np.lexsort((ids, -similarity))[0]
        out.append(int(ids[best]) if similarity[best] >= threshold - 1e-6 else None)
    return out
