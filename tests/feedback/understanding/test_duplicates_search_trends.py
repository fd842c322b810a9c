"""Near-duplicates, search and trends, each against an independent brute-force reference."""

from __future__ import annotations

import itertools
import math
from datetime import date, datetime, timedelta

import numpy as np
import pytest
from scipy.stats import poisson

from prodloop.feedback.understanding import (
    Corpus,
    KeywordIndex,
    find_duplicates,
    match_duplicates,
    normalise_text,
    semantic_search,
    similar_items,
    theme_trends,
)
from prodloop.feedback.words import content_words


def random_corpus(n: int = 60, seed: int = 1) -> Corpus:
    rng = np.random.default_rng(seed)
    base = rng.normal(size=(n // 3, 8))
    vectors = np.vstack(
        [base, base + 0.05 * rng.normal(size=base.shape), rng.normal(size=(n - 2 * len(base), 8))]
    )
    order = rng.permutation(n)
    return Corpus.of([int(i) * 7 + 3 for i in order], [f"text {i}" for i in range(n)], vectors)


def test_normalise_text() -> None:
    assert (
        normalise_text("  Export   FAILS!! see https://x.io/a?b=1 — Café ")
        == "export fails see cafe"
    )


def test_duplicate_groups_match_brute_force_components() -> None:
    corpus = random_corpus()
    threshold = 0.95
    groups = find_duplicates(corpus, threshold=threshold)
    # Reference: union of pairs found by an all-pairs loop in plain Python.
    vectors = [list(map(float, v)) for v in corpus.embeddings]
    component = {i: {i} for i in corpus.ids}
    for (a, va), (b, vb) in itertools.combinations(zip(corpus.ids, vectors, strict=True), 2):
        if sum(x * y for x, y in zip(va, vb, strict=True)) >= threshold:
            merged = component[a] | component[b]
            for member in merged:
                component[member] = merged
    expected = sorted({tuple(sorted(c)) for c in component.values() if len(c) > 1})
    assert [(g.canonical, *g.duplicates) for g in groups] == expected
    assert all(g.min_similarity >= threshold - 1e-4 for g in groups)


def test_same_words_are_duplicates_whatever_the_embedding() -> None:
    corpus = Corpus.of([5, 2, 9], ["Export is broken!", "export is BROKEN", "other"], np.eye(3))
    groups = find_duplicates(corpus)
    assert [(g.canonical, g.duplicates) for g in groups] == [(2, (5,))]
    new = Corpus.of([10, 11], ["EXPORT is broken", "nothing alike"], np.eye(3)[[2, 1]] * -1)
    assert match_duplicates(corpus, new) == [2, None]


def test_semantic_search_matches_brute_force() -> None:
    corpus = random_corpus(n=40)
    query = np.random.default_rng(5).normal(size=8)
    hits = semantic_search(query, corpus, limit=5)
    unit = query / np.linalg.norm(query)
    reference = sorted(
        (
            (-float(np.dot(v.astype(np.float64), unit)), i)
            for i, v in zip(corpus.ids, corpus.embeddings, strict=True)
        )
    )[:5]
    assert [h.item_id for h in hits] == [i for _, i in reference]
    assert [h.score for h in hits] == pytest.approx([-s for s, _ in reference], abs=1e-6)
    like = similar_items(corpus.ids[0], corpus, limit=3)
    assert corpus.ids[0] not in [h.item_id for h in like]
    with pytest.raises(ValueError, match="dimensions"):
        semantic_search(np.ones(3), corpus)


def test_bm25_matches_the_textbook_formula() -> None:
    texts = [
        "Export to CSV fails",
        "CSV export is slow and the export button is hidden",
        "Login with SSO",
        "Exporting reports",
    ]
    index = KeywordIndex.build([1, 2, 3, 4], texts)
    docs = [content_words(t) for t in texts]
    average = sum(map(len, docs)) / len(docs)
    query = "csv export"

    def bm25(doc: list[str]) -> float:
        score = 0.0
        for term in set(content_words(query)):
            df = sum(term in d for d in docs)
            tf = doc.count(term)
            idf = math.log(1 + (len(docs) - df + 0.5) / (df + 0.5))
            score += idf * tf * 2.5 / (tf + 1.5 * (0.25 + 0.75 * len(doc) / average))
        return score

    expected = sorted(((-bm25(d), i) for i, d in zip([1, 2, 3, 4], docs, strict=True)))
    hits = index.search(query)
    assert [h.item_id for h in hits] == [i for s, i in expected if s < 0]
    assert hits[0].score == pytest.approx(-expected[0][0], abs=1e-6)
    assert index.search("nothing matches") == []


def test_surge_flag_worked_example() -> None:
    as_of = date(2026, 3, 18)  # a Wednesday; its week starts Monday 16 March
    monday = date(2026, 3, 16)
    events: list[tuple[str, datetime | date]] = []
    # "sso": 2 a week for 8 baseline weeks, then 6 a week for the last 4 → R = 24, E = 8.
    for week in range(12):
        for n in range(2 if week < 8 else 6):
            events.append(("sso", datetime(2025, 12, 29, 9) + timedelta(weeks=week, hours=n)))
    # "csv": steady 3 a week.
    events += [
        ("csv", date(2025, 12, 29) + timedelta(weeks=w)) for w in range(12) for _ in range(3)
    ]
    events.append(("csv", date(2025, 1, 1)))  # outside the window: ignored
    trends = {t.key: t for t in theme_trends(events, as_of=as_of)}
    sso = trends["sso"]
    assert sso.weeks[-1] == monday
    assert len(sso.weeks) == 12
    assert sso.counts == (2,) * 8 + (6,) * 4
    assert (sso.recent, sso.expected, sso.ratio) == (24, 8.0, 3.0)
    assert sso.p_value == pytest.approx(poisson.sf(23, 8.0))
    assert sso.surging
    assert not trends["csv"].surging
    assert trends["csv"].ratio == 1.0
    assert next(iter(theme_trends(events, as_of=as_of))).key == "sso"
    # A new theme with only 4 recent items is not a surge, however large the ratio.
    small = theme_trends([("new", monday)] * 4, as_of=as_of)[0]
    assert small.ratio == 2.0
    assert not small.surging
