"""Wiring the understanding engine into the store: what happens to new items, search, themes.

New items are embedded, classified (sentiment and type), checked for near-duplicates of
what is already stored (merged, so requesters and votes carry over), given a theme when
themes exist, and given feature suggestions.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from prodloop.feedback import service
from prodloop.feedback.corpus import Progress, corpus_of, embedder_for, item_text, load_corpus
from prodloop.feedback.models import FeedbackItem, FeedbackTheme
from prodloop.feedback.themes_store import RebuildResult, assign_new
from prodloop.feedback.themes_store import rebuild_themes as _rebuild
from prodloop.feedback.understanding import (
    Corpus,
    Embedder,
    KeywordIndex,
    classify,
    find_duplicates,
    match_duplicates,
    semantic_search,
    theme_trends,
)
from prodloop.ledger.models import Account

__all__ = [
    "RebuildResult",
    "after_ingest",
    "embedder_for",
    "rebuild_themes",
    "search_items",
    "theme_summaries",
]


def after_ingest(
    session: Session,
    item_ids: Sequence[int],
    *,
    embedder: Embedder | None = None,
    suggest: bool = True,
) -> None:
    """Embed, classify, de-duplicate, theme and (with ``suggest``) link-suggest new items."""
    if not item_ids:
        return
    embedder = embedder or embedder_for(session)
    new = [
        item
        for item in session.scalars(
            select(FeedbackItem).where(FeedbackItem.id.in_(item_ids)).order_by(FeedbackItem.id)
        )
        if item_text(item).strip()
    ]
    if not new:
        return
    fresh = corpus_of(new, embedder)
    for item, label in zip(
        new, classify(list(fresh.texts), fresh.embeddings, embedder=embedder), strict=True
    ):
        item.sentiment = label.sentiment
        item.kind = label.kind
    _merge_duplicates(session, new, fresh, embedder)
    originals = [item for item in new if item.duplicate_of_id is None]
    session.flush()
    assign_new(session, fresh.subset([item.id for item in originals]))
    if suggest:
        suggest_for_items(session, originals, embedder=embedder)


def _merge_duplicates(
    session: Session, new: list[FeedbackItem], fresh: Corpus, embedder: Embedder
) -> None:
    """Fold each new near-duplicate into the stored (or earlier new) item it repeats.

    Done in memory: new items have no duplicates of their own yet, so nothing else moves.
    """
    by_id = {item.id: item for item in new}
    target_of: dict[int, FeedbackItem] = {}
    stored = [
        item
        for item in session.scalars(
            select(FeedbackItem)
            .where(FeedbackItem.duplicate_of_id.is_(None), FeedbackItem.id.not_in(list(by_id)))
            .order_by(FeedbackItem.id)
        )
        if item_text(item).strip()
    ]
    if stored:
        stored_by_id = {item.id: item for item in stored}
        matches = match_duplicates(corpus_of(stored, embedder), fresh)
        for item_id, original in zip(fresh.ids, matches, strict=True):
            if original is not None:
                target_of[item_id] = stored_by_id[original]
    for group in find_duplicates(fresh):
        canonical = by_id[group.canonical]
        target = target_of.get(canonical.id, canonical)
        for duplicate in group.duplicates:
            target_of.setdefault(duplicate, target)
    for item_id, target in target_of.items():
        item = by_id[item_id]
        item.duplicate_of_id = target.id
        target.votes += item.votes
        if target.theme_id is None:
            target.theme_id = item.theme_id


def suggest_for_items(
    session: Session, items: Sequence[FeedbackItem], *, embedder: Embedder | None = None
) -> None:
    """Store ranked feature suggestions for each item."""
    if not items:
        return
    embedder = embedder or embedder_for(session)
    texts = [item_text(item) for item in items]
    ranked = service.suggest_for_texts(session, texts, embed=embedder.embed)
    for item, suggestions in zip(items, ranked, strict=True):
        if suggestions:
            service.store_suggestions(session, suggestions, item_id=item.id)


def rebuild_themes(
    session: Session, *, embedder: Embedder | None = None, progress: Progress | None = None
) -> RebuildResult:
    """Recluster every item into themes (curated themes are kept)."""
    return _rebuild(session, embedder=embedder, progress=progress)


class SearchHit(BaseModel):
    """One search result."""

    id: int
    score: float
    channel: str
    account: str | None
    text: str
    received_at: datetime


def search_items(
    session: Session,
    text: str,
    *,
    semantic: bool = False,
    limit: int = 20,
    embedder: Embedder | None = None,
) -> list[SearchHit]:
    """Keyword search (BM25); with ``semantic``, fused with search by meaning (rank fusion)."""
    if not text.strip():
        return []
    embedder = embedder or embedder_for(session)
    corpus = load_corpus(session, embedder=embedder)
    if not len(corpus):
        return []
    keyword = KeywordIndex.build(list(corpus.ids), list(corpus.texts)).search(text, limit=limit * 2)
    scores: dict[int, float] = {}
    for rank, hit in enumerate(keyword):
        scores[hit.item_id] = scores.get(hit.item_id, 0.0) + 1 / (60 + rank)
    if semantic:
        query = embedder.embed([text])[0]
        for rank, hit in enumerate(semantic_search(query, corpus, limit=limit * 2)):
            scores[hit.item_id] = scores.get(hit.item_id, 0.0) + 1 / (60 + rank)
    top = sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))[:limit]
    items = {
        i.id: i
        for i in session.scalars(
            select(FeedbackItem).where(FeedbackItem.id.in_([item_id for item_id, _ in top]))
        )
    }
    best = top[0][1] if top else 1.0
    hits = []
    for item_id, score in top:
        item = items[item_id]
        account = item.account
        hits.append(
            SearchHit(
                id=item_id,
                score=round(score / best, 4),
                channel=item.channel,
                account=account.name if account is not None else None,
                text=item.text,
                received_at=item.received_at,
            )
        )
    return hits


class ThemeSummary(BaseModel):
    """A theme's size, trend and the revenue behind it."""

    id: int
    key: str
    label: str
    keywords: list[str]
    pinned: bool
    items: int
    recent: int
    expected: float
    surging: bool
    p_value: float | None
    weeks: list[str]
    counts: list[int]
    accounts: int
    arr: int
    arr_by_segment: dict[str, int]
    negative_share: float


def theme_summaries(session: Session, *, now: datetime) -> list[ThemeSummary]:
    """Every live theme with size, weekly trend and surge flag, accounts and ARR; largest first."""
    themes = {
        t.id: t
        for t in session.scalars(
            select(FeedbackTheme).where(FeedbackTheme.merged_into_id.is_(None))
        )
    }
    rows = session.execute(
        select(
            FeedbackItem.theme_id,
            FeedbackItem.received_at,
            FeedbackItem.account_id,
            FeedbackItem.sentiment,
        ).where(FeedbackItem.theme_id.in_(themes))
    ).all()
    accounts = {a.id: a for a in session.scalars(select(Account))}
    per_theme: dict[int, list[tuple[datetime, int | None, str | None]]] = {t: [] for t in themes}
    for theme_id, received_at, account_id, sentiment in rows:
        if theme_id is not None:
            per_theme[theme_id].append((received_at, account_id, sentiment))
    trends = {
        t.key: t
        for t in theme_trends(
            [
                (themes[theme_id].key, received_at)
                for theme_id, received_at, _, _ in rows
                if theme_id is not None
            ],
            as_of=(now + timedelta(days=1)).date(),
        )
    }
    out = []
    for theme_id, theme in themes.items():
        members = per_theme[theme_id]
        if not members:
            continue
        distinct = {a for _, a, _ in members if a is not None and a in accounts}
        by_segment: Counter[str] = Counter()
        for account_id in distinct:
            by_segment[accounts[account_id].segment] += accounts[account_id].arr
        trend = trends.get(theme.key)
        out.append(
            ThemeSummary(
                id=theme.id,
                key=theme.key,
                label=theme.label,
                keywords=theme.keywords,
                pinned=theme.pinned,
                items=len(members),
                recent=trend.recent if trend else 0,
                expected=round(trend.expected, 2) if trend else 0.0,
                surging=bool(trend and trend.surging),
                p_value=trend.p_value if trend else None,
                weeks=[str(w) for w in trend.weeks] if trend else [],
                counts=list(trend.counts) if trend else [],
                accounts=len(distinct),
                arr=sum(by_segment.values()),
                arr_by_segment=dict(sorted(by_segment.items())),
                negative_share=round(
                    sum(1 for _, _, s in members if s == "negative") / len(members), 3
                ),
            )
        )
    return sorted(out, key=lambda t: (-t.items, t.id))
