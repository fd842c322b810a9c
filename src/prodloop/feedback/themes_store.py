"""Themes kept in the app store: rebuilt or grown by the engine, curated by people.

The understanding engine works on a :class:`ThemeModel` in memory; this module loads one
from the tables and writes one back. A theme row is found again by the engine's stable key,
so its id (what links and URLs use) survives rebuilds; themes people renamed or pinned keep
their label and members.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from prodloop.feedback.corpus import Progress, load_corpus
from prodloop.feedback.models import FeatureLink, FeedbackItem, FeedbackTheme
from prodloop.feedback.understanding import (
    Corpus,
    Embedder,
    Theme,
    ThemeModel,
    assign,
    build_themes,
    merge,
    pin,
    rename,
    split,
    vector_from_bytes,
    vector_to_bytes,
)
from prodloop.ledger.errors import NotFoundError, RuleError


@dataclass(frozen=True)
class RebuildResult:
    """What a rebuild did."""

    themes: int
    kept: int
    created: int
    items: int


def load_model(session: Session) -> ThemeModel:
    """The stored themes as the engine's model (members: items that are not duplicates)."""
    rows = list(session.scalars(select(FeedbackTheme).order_by(FeedbackTheme.id)))
    members: dict[int, list[int]] = {row.id: [] for row in rows}
    unthemed: list[int] = []
    for item_id, theme_id in session.execute(
        select(FeedbackItem.id, FeedbackItem.theme_id)
        .where(FeedbackItem.duplicate_of_id.is_(None), FeedbackItem.embedding.is_not(None))
        .order_by(FeedbackItem.id)
    ):
        if theme_id is None or theme_id not in members:
            unthemed.append(item_id)
        else:
            members[theme_id].append(item_id)
    themes = tuple(
        Theme(
            key=row.key,
            label=row.label,
            keywords=tuple(row.keywords),
            phrases=tuple(row.phrases),
            member_ids=tuple(members[row.id]),
            centroid=vector_from_bytes(row.centroid or b""),
            pinned=row.pinned,
            renamed=row.renamed,
        )
        for row in rows
        if members[row.id] and row.centroid
    )
    return ThemeModel(themes=themes, unthemed=tuple(unthemed))


def save_model(session: Session, model: ThemeModel) -> dict[str, FeedbackTheme]:
    """Write ``model`` back: rows matched by key, members re-pointed, vanished themes dropped.

    A vanished theme that people linked to a feature is kept (empty) so the link survives.
    """
    rows = {row.key: row for row in session.scalars(select(FeedbackTheme))}
    kept: dict[str, FeedbackTheme] = {}
    for theme in model.themes:
        row = rows.get(theme.key)
        if row is None:
            row = FeedbackTheme(key=theme.key)
            session.add(row)
        row.label = theme.label[:200]
        row.keywords = list(theme.keywords)
        row.phrases = list(theme.phrases)
        row.pinned = theme.pinned
        row.renamed = theme.renamed
        row.centroid = vector_to_bytes(theme.centroid)
        kept[theme.key] = row
    session.flush()
    linked = set(
        session.scalars(select(FeatureLink.theme_id).where(FeatureLink.theme_id.is_not(None)))
    )
    for key, row in rows.items():
        if key not in kept and row.id not in linked:
            session.delete(row)
    session.flush()
    session.execute(update(FeedbackItem).values(theme_id=None))
    for theme in model.themes:
        _point(session, list(theme.member_ids), kept[theme.key].id)
    _theme_duplicates(session)
    return kept


def _point(session: Session, item_ids: Sequence[int], theme_id: int | None) -> None:
    for start in range(0, len(item_ids), 500):
        chunk = item_ids[start : start + 500]
        session.execute(
            update(FeedbackItem).where(FeedbackItem.id.in_(chunk)).values(theme_id=theme_id)
        )


def _theme_duplicates(session: Session) -> None:
    """A duplicate belongs to its original's theme (filters by theme then find it too)."""
    pairs = session.execute(
        select(FeedbackItem.id, FeedbackItem.duplicate_of_id).where(
            FeedbackItem.duplicate_of_id.is_not(None)
        )
    ).all()
    if not pairs:
        return
    originals = dict(
        session.execute(
            select(FeedbackItem.id, FeedbackItem.theme_id).where(
                FeedbackItem.id.in_({o for _, o in pairs})
            )
        ).all()
    )
    by_theme: dict[int | None, list[int]] = {}
    for item_id, original in pairs:
        by_theme.setdefault(originals.get(original) if original else None, []).append(item_id)
    for theme_id, ids in by_theme.items():
        _point(session, ids, theme_id)


def rebuild_themes(
    session: Session, *, embedder: Embedder | None = None, progress: Progress | None = None
) -> RebuildResult:
    """Cluster every item afresh; curated themes keep their key, label and members."""
    corpus = load_corpus(session, embedder=embedder, progress=progress)
    previous = load_model(session)
    before = {theme.key for theme in previous.themes}
    model = build_themes(corpus, previous=previous if previous.themes else None)
    save_model(session, model)
    now = {theme.key for theme in model.themes}
    return RebuildResult(
        themes=len(now), kept=len(now & before), created=len(now - before), items=len(corpus)
    )


def assign_new(session: Session, corpus: Corpus) -> None:
    """Let new items join existing themes (or form new ones); existing members never move."""
    stored = load_model(session)
    if not stored.themes:
        return
    new = set(corpus.ids)  # stored already, but not yet placed: assign must see them as new
    model = ThemeModel(
        themes=stored.themes, unthemed=tuple(i for i in stored.unthemed if i not in new)
    )
    save_model(session, assign(model, corpus))


def get_theme(session: Session, theme_id: int) -> FeedbackTheme:
    """The theme with ``theme_id``."""
    theme = session.get(FeedbackTheme, theme_id)
    if theme is None:
        raise NotFoundError(f"no theme {theme_id}", field="theme")
    return theme


def rename_theme(session: Session, theme: FeedbackTheme, label: str) -> FeedbackTheme:
    """Give a theme a person's name for it; rebuilds keep it."""
    if not label.strip():
        raise RuleError("a theme needs a name", field="label")
    model = rename(load_model(session), theme.key, label.strip())
    save_model(session, model)
    return theme


def pin_theme(session: Session, theme: FeedbackTheme, pinned: bool = True) -> FeedbackTheme:
    """Pin (or unpin) a theme: rebuilds keep its members."""
    save_model(session, pin(load_model(session), theme.key, pinned))
    return theme


def merge_themes(
    session: Session, themes: Sequence[FeedbackTheme], into: FeedbackTheme
) -> FeedbackTheme:
    """Fold ``themes`` into ``into``; their feature links move along."""
    keys = [t.key for t in themes if t.id != into.id]
    if not keys:
        raise RuleError("name at least one other theme to merge", field="themes")
    corpus = load_corpus(session)
    model = merge(load_model(session), [*keys, into.key], into=into.key, corpus=corpus)
    target_links = set(
        session.scalars(select(FeatureLink.feature_id).where(FeatureLink.theme_id == into.id))
    )
    for theme in themes:
        if theme.id == into.id:
            continue
        for link in session.scalars(select(FeatureLink).where(FeatureLink.theme_id == theme.id)):
            if link.feature_id in target_links:
                session.delete(link)
            else:
                link.theme_id = into.id
                target_links.add(link.feature_id)
        theme.merged_into_id = into.id
    session.flush()
    save_model(session, model)
    return into


def split_theme(session: Session, theme: FeedbackTheme, parts: int = 2) -> list[FeedbackTheme]:
    """Split a theme that mixes topics into ``parts`` themes."""
    corpus = load_corpus(session)
    before = {t.key for t in load_model(session).themes}
    model = split(load_model(session), theme.key, corpus=corpus, parts=parts)
    rows = save_model(session, model)
    return [rows[t.key] for t in model.themes if t.key not in before or t.key == theme.key]
