"""Suggesting features for feedback: ranking, scores and the reason they give."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from prodloop.feedback.linking import (
    OVERLAP_WEIGHT,
    SIMILARITY_WEIGHT,
    FeatureText,
    keyword_overlap,
    rank_features,
)
from prodloop.feedback.words import content_words

FEATURES = [
    FeatureText(1, "sso", "Single sign-on", "Sign in with Okta, Azure AD or any SAML provider."),
    FeatureText(2, "usage-billing", "Usage-based billing", "Pay for what you use, not seats."),
    FeatureText(3, "dark-mode", "Dark mode", "A dark theme for the whole app."),
]
VOCABULARY = sorted({w for f in FEATURES for w in content_words(f.text)} | {"night", "eye"})


def bag_of_words(texts: Sequence[str]) -> np.ndarray:
    """An independent, transparent embedder: word counts over a fixed vocabulary."""
    index = {w: i for i, w in enumerate(VOCABULARY)}
    out = np.zeros((len(texts), len(VOCABULARY)), dtype=np.float32)
    for row, text in enumerate(texts):
        for word in content_words(text):
            if word in index:
                out[row, index[word]] += 1
    return out


def test_ranking_puts_the_feature_the_text_is_about_first() -> None:
    texts = [
        "SSO with Okta keeps failing, we need SAML sign-on",
        "We pay per seat but want usage billing",
        "a dark theme please, my eyes hurt at night",
    ]
    ranked = rank_features(texts, FEATURES, embed=bag_of_words)
    assert [r[0].key for r in ranked] == ["sso", "usage-billing", "dark-mode"]
    top = ranked[0][0]
    assert {"okta", "saml"} <= set(top.matched_words)
    assert "“okta”" in top.reason
    assert f"{top.score:.2f}" in top.reason
    assert all(r[i].score >= r[i + 1].score for r in ranked for i in range(len(r) - 1))


def test_score_is_the_declared_blend() -> None:
    text = "usage billing please"
    (suggestions,) = rank_features([text], FEATURES, embed=bag_of_words, limit=5)
    top = suggestions[0]
    vectors = bag_of_words([text, FEATURES[1].text])
    cosine = float(
        vectors[0] @ vectors[1] / np.linalg.norm(vectors[0]) / np.linalg.norm(vectors[1])
    )
    overlap, _ = keyword_overlap(text, FEATURES[1])
    assert abs(top.score - (SIMILARITY_WEIGHT * cosine + OVERLAP_WEIGHT * overlap)) < 1e-3


def test_keyword_overlap_weights_title_words_double() -> None:
    feature = FeatureText(9, "x", "Audit export", "Download the log")
    # content words: audit, export (title, weight 2 each), download, log (weight 1 each)
    overlap, matched = keyword_overlap("export the audit trail", feature)
    assert matched == ("audit", "export")
    assert overlap == 4 / 6


def test_unrelated_text_gets_no_suggestion() -> None:
    (suggestions,) = rank_features(["the weather is nice"], FEATURES, embed=bag_of_words)
    assert suggestions == []
