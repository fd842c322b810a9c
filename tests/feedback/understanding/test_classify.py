"""Sentiment and type on a small hand-labelled set of product feedback (written for this test).

Measured when written: sentiment 0.80; kind 0.925 by rules alone, 0.975 with MiniLM prototypes.
The floors asserted below sit just under those figures.
"""

from __future__ import annotations

import pytest

from prodloop.feedback.understanding import KINDS, MiniLMEmbedder, classify, sentiment_of

# (text, kind, sentiment)
LABELLED = [
    ("The app crashes every time I open the reports page", "bug", "negative"),
    ("Export to CSV doesn't work since the last update", "bug", "negative"),
    ("I get a 500 error when saving a dashboard", "bug", "negative"),
    ("Charts show the wrong totals for March", "bug", "negative"),
    ("Login page is blank on Safari", "bug", "negative"),
    ("The mobile app freezes when uploading a photo", "bug", "negative"),
    ("Notifications are not sent anymore, something is broken", "bug", "negative"),
    ("Search returns nothing even for exact titles", "bug", "negative"),
    ("Please add an option to export reports as PDF", "feature_request", "neutral"),
    ("It would be great to have a Slack integration", "feature_request", "positive"),
    ("We would love dark mode", "feature_request", "positive"),
    ("Could you add support for SAML single sign-on?", "feature_request", "positive"),
    ("Ability to schedule reports weekly would help our team", "feature_request", "positive"),
    ("Allow us to bulk edit tags", "feature_request", "neutral"),
    ("I wish there was a keyboard shortcut for search", "feature_request", "positive"),
    ("Integration with Salesforce please", "feature_request", "positive"),
    ("How do I change my billing email?", "question", "neutral"),
    ("Is there a way to invite guests without a seat?", "question", "neutral"),
    ("Where can I find my API key?", "question", "neutral"),
    ("Can I export the audit log?", "question", "neutral"),
    ("What does the churn score mean?", "question", "neutral"),
    ("Does the free plan include SSO?", "question", "positive"),
    ("Which browsers are supported", "question", "neutral"),
    ("When will the new editor be available?", "question", "neutral"),
    ("Your support is slow and nobody answers my emails", "complaint", "negative"),
    ("The new pricing is far too expensive for a small team", "complaint", "negative"),
    ("Really frustrating to find anything in the settings", "complaint", "negative"),
    ("Terrible onboarding, we are thinking of switching to a competitor", "complaint", "negative"),
    ("The interface is cluttered and confusing", "complaint", "negative"),
    ("Disappointed that the price went up again", "complaint", "negative"),
    ("Too many emails from you, it's annoying", "complaint", "negative"),
    ("This is unacceptable, we lost a day of work", "complaint", "negative"),
    ("Love the new dashboard, great work!", "praise", "positive"),
    ("Thanks for the quick fix, support was excellent", "praise", "positive"),
    ("The onboarding was smooth and intuitive", "praise", "positive"),
    ("Amazing product, it saves us hours every week", "praise", "positive"),
    ("Kudos to the team for the new editor", "praise", "positive"),
    ("Best analytics tool we have used", "praise", "positive"),
    ("Really happy with the mobile app", "praise", "positive"),
    ("Fantastic release, the charts look brilliant", "praise", "positive"),
]


def accuracy(predicted: list[str], expected: list[str]) -> float:
    return sum(p == e for p, e in zip(predicted, expected, strict=True)) / len(expected)


def test_sentiment_accuracy_on_the_hand_labelled_set() -> None:
    predicted = [sentiment_of(text)[0] for text, _, _ in LABELLED]
    assert accuracy(predicted, [s for _, _, s in LABELLED]) >= 0.75
    assert sentiment_of("I love it")[1] > 0.5 > -0.5 > sentiment_of("the app is broken")[1] - 0.5


def test_kind_accuracy_rules_alone_and_with_embeddings(minilm: MiniLMEmbedder) -> None:
    texts = [t for t, _, _ in LABELLED]
    expected = [k for _, k, _ in LABELLED]
    rules = accuracy([c.kind for c in classify(texts)], expected)
    blended = classify(texts, minilm.embed(texts), embedder=minilm)
    with_model = accuracy([c.kind for c in blended], expected)
    assert rules >= 0.9
    assert with_model >= 0.95
    assert all(set(c.kind_scores) == set(KINDS) for c in blended)
    with pytest.raises(ValueError, match="same length"):
        classify(texts, minilm.embed(texts[:2]), embedder=minilm)
