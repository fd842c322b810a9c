"""Items as the understanding engine sees them: ids, texts and stored embeddings.

Embeddings are computed once per item and kept with it (with the model's name). A store
keeps using the model it was built with, so a demo embedded with the hashing fallback is
not silently mixed with MiniLM vectors.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from prodloop.feedback.models import FeedbackItem
from prodloop.feedback.understanding import (
    Corpus,
    Embedder,
    HashingEmbedder,
    MiniLMEmbedder,
    default_embedder,
    minilm_available,
    vector_from_bytes,
    vector_to_bytes,
)

Progress = Callable[[int, int | None], None]
BATCH = 256


def item_text(item: FeedbackItem) -> str:
    """What is embedded: the title (when it adds something) and the text."""
    if item.title and item.title not in item.text:
        return f"{item.title}. {item.text}"
    return item.text


def embedder_for(session: Session, preferred: str = "auto") -> Embedder:
    """The embedder asked for; with ``auto``, the one this store used, else the default."""
    if preferred == "hashing":
        return HashingEmbedder()
    if preferred == "minilm":
        return default_embedder() if minilm_available() else MiniLMEmbedder()
    used = session.scalar(
        select(FeedbackItem.embedding_model)
        .where(FeedbackItem.embedding_model.is_not(None))
        .order_by(FeedbackItem.id.desc())
        .limit(1)
    )
    if used is not None:
        hashing = HashingEmbedder()
        if used == hashing.name:
            return hashing
    return default_embedder()


def embed_items(
    items: Sequence[FeedbackItem], embedder: Embedder, *, progress: Progress | None = None
) -> None:
    """Store an embedding on each item that has none from ``embedder``."""
    todo = [i for i in items if i.embedding is None or i.embedding_model != embedder.name]
    for start in range(0, len(todo), BATCH):
        batch = todo[start : start + BATCH]
        vectors = embedder.embed([item_text(i) for i in batch])
        for item, vector in zip(batch, vectors, strict=True):
            item.embedding = vector_to_bytes(vector)
            item.embedding_model = embedder.name
        if progress is not None:
            progress(start + len(batch), len(todo))


def corpus_of(items: Sequence[FeedbackItem], embedder: Embedder) -> Corpus:
    """The engine's corpus of ``items`` (embedding any that lack a vector)."""
    embed_items(items, embedder)
    if not items:
        return Corpus.of([], [], np.zeros((0, embedder.dimension), dtype=np.float32))
    vectors = np.stack([vector_from_bytes(i.embedding or b"") for i in items])
    return Corpus.of([i.id for i in items], [item_text(i) for i in items], vectors)


def load_corpus(
    session: Session, *, embedder: Embedder | None = None, progress: Progress | None = None
) -> Corpus:
    """Every item with words that is not a duplicate, in id order."""
    embedder = embedder or embedder_for(session)
    items = [
        item
        for item in session.scalars(
            select(FeedbackItem)
            .where(FeedbackItem.duplicate_of_id.is_(None))
            .order_by(FeedbackItem.id)
        )
        if item_text(item).strip()
    ]
    embed_items(items, embedder, progress=progress)
    session.flush()
    return corpus_of(items, embedder)
