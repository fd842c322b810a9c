"""Sentiment and type of a piece of feedback.

Sentiment is VADER (a lexicon and rules tuned for short social texts, Hutto & Gilbert 2014)
with a few product words added ("crash", "broken", "laggy" …): compound ≥ 0.05 is positive,
≤ -0.05 negative, neutral between. Type is a score per kind from cue phrases, plus — when
embeddings are given — the cosine similarity to a handful of prototype sentences per kind
embedded with the same embedder. The accuracy on the hand-labelled set in
``tests/feedback/understanding/test_classify.py`` is asserted there.
"""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

import numpy as np

from prodloop.feedback.understanding.corpus import Vectors, unit_rows
from prodloop.feedback.understanding.embedding import Embedder

Sentiment = Literal["positive", "neutral", "negative"]
Kind = Literal["bug", "feature_request", "question", "complaint", "praise"]
SENTIMENTS: tuple[Sentiment, ...] = get_args(Sentiment)
KINDS: tuple[Kind, ...] = get_args(Kind)

PRODUCT_LEXICON = {
    "crash": -2.0, "crashes": -2.0, "crashed": -2.0, "crashing": -2.0, "broken": -2.0,
    "bug": -1.5, "buggy": -2.0, "laggy": -1.5, "slow": -1.2, "unusable": -2.5,
    "freezes": -1.8, "error": -1.2, "errors": -1.2, "fails": -1.5, "failing": -1.5,
    "glitch": -1.5, "outage": -2.0, "timeout": -1.2, "confusing": -1.5, "clunky": -1.5,
    "overpriced": -1.8, "expensive": -1.0, "intuitive": 1.5, "seamless": 1.8, "smooth": 1.2,
}  # fmt: skip

# Each cue: alternatives (regular expressions joined with |) and the weight a match adds.
_CUES: dict[Kind, tuple[tuple[tuple[str, ...], float], ...]] = {
    "bug": (
        (
            (
                r"crash\w*",
                r"bug\w*",
                r"broken",
                r"error\w*",
                r"exception",
                r"stack ?trace",
                r"freez\w*",
                r"glitch\w*",
            ),
            2.0,
        ),
        (
            (
                r"\b(doesn'?t|does not|won'?t|will not|isn'?t|not|can'?t|cannot|never) "
                r"(work|load|save|open|sync|show|send|export|import|log ?in|sign ?in"
                r"|update|respond)"
                r"\w*",
            ),
            2.5,
        ),
        (
            (
                r"fail\w*",
                r"stuck",
                r"blank (page|screen)",
                r"404",
                r"500",
                r"timed? ?out",
                r"missing data",
                r"wrong (total|number|value)s?",
            ),
            1.5,
        ),
        (
            (
                r"since the (last )?update",
                r"after (the )?updat\w*",
                r"keeps? (crash|fail|log)\w*",
            ),
            1.0,
        ),
    ),
    "feature_request": (
        (
            (
                r"please add",
                r"add (a|an|support)",
                r"would (love|like) (to|a|an|it if)",
                r"wish (it|there|i|you)",
                r"it would be (great|nice|helpful|useful)",
                r"could you (add|make|support|let)",
                r"feature request",
                r"support for",
                r"option to",
                r"ability to",
                r"allow (us|me|users)",
                r"integrat\w+ with",
            ),
            2.5,
        ),
        (
            (
                r"should (have|support|allow|let)",
                r"needs? (a|an) \w+ (option|setting|mode|view)",
                r"dark mode",
                r"export to",
                r"api for",
            ),
            1.5,
        ),
    ),
    "question": (
        ((r"\?\s*$",), 2.0),
        (
            (
                r"^(how|what|why|when|where|which|who|can i|can we|can you|is (it|there)"
                r"|are there|does|do (you|i|we)|could i|should i|is this)\b",
            ),
            2.0,
        ),
        (
            (
                r"how (do|can|to) (i|we)",
                r"is there a way",
            ),
            1.0,
        ),
    ),
    "complaint": (
        (
            (
                r"too (expensive|slow|complicated|many|much)",
                r"frustrat\w*",
                r"annoy\w*",
                r"disappoint\w*",
                r"terrible",
                r"awful",
                r"worst",
                r"unacceptable",
                r"ridiculous",
                r"waste of",
                r"fed up",
                r"cancel\w*",
                r"switch(ing)? to",
            ),
            2.0,
        ),
        (
            (
                r"price (increase|hike)",
                r"support (is|was) (slow|useless|unhelpful)",
                r"nobody (answers|replied)",
                r"no one (answers|replied)",
                r"hard to (use|find)",
            ),
            1.5,
        ),
    ),
    "praise": (
        (
            (
                r"love",
                r"loving",
                r"great",
                r"awesome",
                r"amazing",
                r"fantastic",
                r"excellent",
                r"brilliant",
                r"perfect",
                r"thank(s| you)",
                r"kudos",
                r"well done",
                r"game ?changer",
                r"best (tool|app|product)",
            ),
            2.0,
        ),
    ),
}

PROTOTYPES: dict[Kind, tuple[str, ...]] = {
    "bug": (
        "The app crashes when I click save.",
        "I get an error message and the page does not load.",
        "The export button is broken since the last update.",
    ),
    "feature_request": (
        "Please add an option to export reports to Excel.",
        "It would be great if we could integrate with Slack.",
        "We would love to have dark mode.",
    ),
    "question": (
        "How do I change my billing address?",
        "Is there a way to invite more people to my workspace?",
        "Where can I find the API key?",
    ),
    "complaint": (
        "Your support is slow and nobody answers my emails.",
        "The new pricing is far too expensive for a small team.",
        "This is really frustrating and confusing to use.",
    ),
    "praise": (
        "I love the new dashboard, great work!",
        "Thanks, the onboarding was smooth and easy.",
        "This product saves us hours every week, amazing.",
    ),
}
PROTOTYPE_WEIGHT = 4.0


def _whole_words(alternatives: tuple[str, ...]) -> str:
    """One pattern: a lone anchored pattern as it is, else the alternatives as whole words."""
    if len(alternatives) == 1 and alternatives[0].startswith(("^", "\\b", "\\?")):
        return alternatives[0]
    return r"\b(" + "|".join(alternatives) + r")\b"


_COMPILED = {
    kind: tuple(
        (re.compile(_whole_words(alternatives), re.IGNORECASE), weight)
        for alternatives, weight in cues
    )
    for kind, cues in _CUES.items()
}


@dataclass(frozen=True)
class Classification:
    """Sentiment (with its VADER compound score) and the most likely kind of feedback."""

    sentiment: Sentiment
    sentiment_score: float
    kind: Kind
    kind_scores: dict[str, float]


@functools.cache
def _analyzer() -> Any:
    vader: Any = importlib.import_module("vaderSentiment.vaderSentiment")
    analyzer = vader.SentimentIntensityAnalyzer()
    analyzer.lexicon.update(PRODUCT_LEXICON)
    return analyzer


def sentiment_of(text: str) -> tuple[Sentiment, float]:
    """Positive, neutral or negative, and the compound score in [-1, 1]."""
    score = float(_analyzer().polarity_scores(text)["compound"])
    if score >= 0.05:
        return "positive", round(score, 4)
    if score <= -0.05:
        return "negative", round(score, 4)
    return "neutral", round(score, 4)


def _cue_scores(text: str, sentiment_score: float) -> dict[Kind, float]:
    scores: dict[Kind, float] = dict.fromkeys(KINDS, 0.0)
    stripped = text.strip()
    for kind, cues in _COMPILED.items():
        scores[kind] = sum(weight for pattern, weight in cues if pattern.search(stripped))
    # Sentiment separates praise from complaints when the words alone don't.
    scores["praise"] += max(0.0, sentiment_score) * 1.5
    scores["complaint"] += max(0.0, -sentiment_score) * 1.5
    if scores["bug"] > 0:
        scores["complaint"] -= 0.5  # a broken thing is a bug first
    if scores["feature_request"] > 0:
        scores["praise"] -= 1.0  # "it would be great to have…" asks for something
    return scores


_PROTOTYPE_CACHE: dict[tuple[str, int], Vectors] = {}


def _prototype_vectors(embedder: Embedder) -> Vectors:
    """One unit vector per kind: the mean of its prototype sentences (cached per embedder)."""
    key = (embedder.name, embedder.dimension)
    if key not in _PROTOTYPE_CACHE:
        rows = [unit_rows(embedder.embed(PROTOTYPES[kind])).mean(axis=0) for kind in KINDS]
        _PROTOTYPE_CACHE[key] = unit_rows(np.vstack(rows))
    return _PROTOTYPE_CACHE[key]


def classify(
    texts: Sequence[str],
    embeddings: Vectors | None = None,
    *,
    embedder: Embedder | None = None,
) -> list[Classification]:
    """Sentiment and kind for each text; embeddings (with their embedder) sharpen the kind."""
    prototype_similarity = None
    if embeddings is not None and embedder is not None and len(texts):
        if len(embeddings) != len(texts):
            raise ValueError("texts and embeddings must have the same length")
        prototype_similarity = unit_rows(embeddings) @ _prototype_vectors(embedder).T
    out = []
    for row, text in enumerate(texts):
        sentiment, score = sentiment_of(text)
        scores = _cue_scores(text, score)
        if prototype_similarity is not None:
            sims = prototype_similarity[row]
            for column, kind in enumerate(KINDS):
                scores[kind] += PROTOTYPE_WEIGHT * float(sims[column] - sims.mean())
        kind = max(KINDS, key=lambda k: (scores[k], -KINDS.index(k)))
        if max(scores.values()) <= 0:
            kind = _fallback(sentiment)
        rounded: dict[str, float] = {str(k): round(v, 4) for k, v in scores.items()}
        out.append(Classification(sentiment, score, kind, rounded))
    return out


def _fallback(sentiment: Sentiment) -> Kind:
    """With no cue at all: negative text reads as a complaint, positive as praise."""
    if sentiment == "negative":
        return "complaint"
    if sentiment == "positive":
        return "praise"
    return "feature_request"
