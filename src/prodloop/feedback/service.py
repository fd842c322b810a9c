"""Feedback use cases: importing, submitting, the triage inbox, duplicates and feature links.

Every function takes the caller's session and never commits: a web request or a CLI
command is one unit of work, so a failed import leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, joinedload

from prodloop.feedback.ingest.files import decode, detect_format, read_rows
from prodloop.feedback.ingest.importer import ParsedItem, Progress, import_rows, store_items
from prodloop.feedback.ingest.layouts import layout_for
from prodloop.feedback.ingest.values import parse_tags
from prodloop.feedback.linking import Embed, FeatureText, Suggestion, rank_features
from prodloop.feedback.models import FeatureLink, FeedbackItem
from prodloop.feedback.schemas import FeedbackIn, ImportSummary
from prodloop.ledger.errors import NotFoundError, RuleError
from prodloop.ledger.models import Account, Feature
from prodloop.ledger.records import Listing, Paged, paginate
from prodloop.store.base import utcnow

LINK_STATUSES = ("suggested", "confirmed", "rejected")


def import_file(
    session: Session,
    path: Path,
    *,
    source: str,
    overrides: dict[str, str] | None = None,
    progress: Progress | None = None,
) -> ImportSummary:
    """Import an export file of ``source``'s layout; all rows or none, never twice."""
    layout = layout_for(source, overrides)
    text = decode(path.read_bytes())
    rows = read_rows(text, detect_format(path, source))
    return import_rows(session, rows, layout, progress=progress)


def import_text(
    session: Session, text: str, *, source: str, fmt: str, overrides: dict[str, str] | None = None
) -> ImportSummary:
    """Import an export already in memory (the HTTP upload)."""
    layout = layout_for(source, overrides)
    return import_rows(session, read_rows(text, fmt), layout)


def submit_items(
    session: Session, items: Sequence[FeedbackIn], *, source: str, now: datetime | None = None
) -> ImportSummary:
    """Store items sent over HTTP or the form (same idempotence: by external id)."""
    from prodloop.feedback.ingest.importer import _fingerprint

    when = now or utcnow()
    parsed = []
    for item in items:
        received = item.received_at or when
        author = item.author_name or item.author_email
        parsed.append(
            ParsedItem(
                external_id=item.external_id or _fingerprint(item.text, author, received),
                channel=item.channel,
                title=item.title,
                text=item.text,
                author_name=item.author_name,
                author_email=item.author_email.strip().lower(),
                account=item.account,
                received_at=received,
                rating=item.rating,
                tags=parse_tags(item.tags),
                meta=item.metadata,
            )
        )
    return store_items(session, parsed, source=source)


def get_item(session: Session, item_id: int) -> FeedbackItem:
    """The item with ``item_id``."""
    item = session.get(FeedbackItem, item_id)
    if item is None:
        raise NotFoundError(f"no feedback item {item_id}", field="id")
    return item


@dataclass(frozen=True)
class InboxFilters:
    """What the triage inbox narrows to; every field is optional."""

    channel: str | None = None
    segment: str | None = None
    sentiment: str | None = None
    kind: str | None = None
    theme_id: int | None = None
    unlinked: bool = False
    status: str | None = None
    account_id: int | None = None
    q: str | None = None
    include_duplicates: bool = False


def inbox_query(filters: InboxFilters) -> Select[FeedbackItem]:
    """The items matching ``filters`` (duplicates hidden unless asked for)."""
    query = select(FeedbackItem).options(joinedload(FeedbackItem.account))
    if not filters.include_duplicates:
        query = query.where(FeedbackItem.duplicate_of_id.is_(None))
    if filters.channel:
        query = query.where(FeedbackItem.channel == filters.channel)
    if filters.segment:
        query = query.join(Account, FeedbackItem.account_id == Account.id).where(
            Account.segment == filters.segment
        )
    if filters.sentiment:
        query = query.where(FeedbackItem.sentiment == filters.sentiment)
    if filters.kind:
        query = query.where(FeedbackItem.kind == filters.kind)
    if filters.theme_id is not None:
        query = query.where(FeedbackItem.theme_id == filters.theme_id)
    if filters.status:
        query = query.where(FeedbackItem.status == filters.status)
    if filters.account_id is not None:
        query = query.where(FeedbackItem.account_id == filters.account_id)
    if filters.unlinked:
        confirmed = select(FeatureLink.item_id).where(
            FeatureLink.status == "confirmed", FeatureLink.item_id.is_not(None)
        )
        themed = select(FeatureLink.theme_id).where(
            FeatureLink.status == "confirmed", FeatureLink.theme_id.is_not(None)
        )
        query = query.where(
            FeedbackItem.id.not_in(confirmed),
            (FeedbackItem.theme_id.is_(None)) | FeedbackItem.theme_id.not_in(themed),
        )
    if filters.q:
        needle = f"%{filters.q.strip().lower()}%"
        query = query.where(
            func.lower(FeedbackItem.text).like(needle) | func.lower(FeedbackItem.title).like(needle)
        )
    return query


def inbox(
    session: Session, filters: InboxFilters, listing: Listing = Listing()
) -> Paged[FeedbackItem]:
    """One page of the triage inbox, newest first by default."""
    sortable = {
        "received_at": FeedbackItem.received_at,
        "channel": FeedbackItem.channel,
        "votes": FeedbackItem.votes,
        "rating": FeedbackItem.rating,
        "id": FeedbackItem.id,
    }
    return paginate(session, inbox_query(filters), listing, sortable, "-received_at")


def merge_duplicate(session: Session, item: FeedbackItem, into: FeedbackItem) -> FeedbackItem:
    """Fold ``item`` into ``into``: its votes add up and its requester counts for ``into``."""
    if item.id == into.id:
        raise RuleError("an item cannot duplicate itself", field="into")
    target = into
    seen = {item.id}
    while target.duplicate_of_id is not None:  # always merge into the original
        if target.id in seen:
            raise RuleError("those items already duplicate each other", field="into")
        seen.add(target.id)
        target = get_item(session, target.duplicate_of_id)
    if target.id == item.id:
        raise RuleError(f"item {into.id} is already a duplicate of {item.id}", field="into")
    for child in session.scalars(
        select(FeedbackItem).where(FeedbackItem.duplicate_of_id == item.id)
    ):
        child.duplicate_of_id = target.id
    item.duplicate_of_id = target.id
    target.votes += item.votes
    if target.theme_id is None:
        target.theme_id = item.theme_id
    session.flush()
    return target


def unmerge_duplicate(session: Session, item: FeedbackItem) -> None:
    """Undo a merge: the original gives back the item's votes."""
    if item.duplicate_of_id is None:
        raise RuleError(f"item {item.id} is not a duplicate", field="id")
    original = get_item(session, item.duplicate_of_id)
    original.votes = max(1, original.votes - item.votes)
    item.duplicate_of_id = None
    session.flush()


def feature_texts(session: Session) -> list[FeatureText]:
    """Every feature not retired, as text to match feedback against."""
    features = session.scalars(
        select(Feature).where(Feature.stage != "retired").order_by(Feature.key)
    )
    return [FeatureText(f.id, f.key, f.title, f.description) for f in features]


def suggest_for_texts(
    session: Session, texts: Sequence[str], *, embed: Embed, limit: int = 3
) -> list[list[Suggestion]]:
    """Ranked feature suggestions for each text."""
    return rank_features(texts, feature_texts(session), embed=embed, limit=limit)


def store_suggestions(
    session: Session,
    suggestions: Sequence[Suggestion],
    *,
    item_id: int | None = None,
    theme_id: int | None = None,
) -> list[FeatureLink]:
    """Keep suggestions as links to decide on; a link already decided is left alone."""
    if (item_id is None) == (theme_id is None):
        raise RuleError("a link is from an item or from a theme", field="item_id")
    existing = {
        link.feature_id: link
        for link in session.scalars(
            select(FeatureLink).where(
                FeatureLink.item_id == item_id
                if item_id is not None
                else FeatureLink.theme_id == theme_id
            )
        )
    }
    kept = []
    for suggestion in suggestions:
        link = existing.get(suggestion.feature_id)
        if link is None:
            link = FeatureLink(item_id=item_id, theme_id=theme_id, feature_id=suggestion.feature_id)
            session.add(link)
        if link.status == "suggested":
            link.score = suggestion.score
            link.reason = suggestion.reason
        kept.append(link)
    session.flush()
    return kept


def decide_link(
    session: Session,
    *,
    feature: Feature,
    confirm: bool,
    actor: str,
    item_id: int | None = None,
    theme_id: int | None = None,
    reason: str = "",
) -> FeatureLink:
    """A person confirms or rejects that an item or theme is about ``feature``."""
    if (item_id is None) == (theme_id is None):
        raise RuleError("give an item or a theme, not both", field="item_id")
    if item_id is not None:
        get_item(session, item_id)
    query = select(FeatureLink).where(FeatureLink.feature_id == feature.id)
    query = query.where(
        FeatureLink.item_id == item_id if item_id is not None else FeatureLink.theme_id == theme_id
    )
    link = session.scalars(query).first()
    if link is None:
        link = FeatureLink(
            item_id=item_id, theme_id=theme_id, feature_id=feature.id, reason=reason or "linked"
        )
        session.add(link)
    link.status = "confirmed" if confirm else "rejected"
    link.decided_by = actor
    link.decided_at = utcnow()
    session.flush()
    return link


def links_of(
    session: Session, *, item_id: int | None = None, theme_id: int | None = None
) -> list[FeatureLink]:
    """An item's or theme's links, best first."""
    query = select(FeatureLink).options(joinedload(FeatureLink.feature))
    if item_id is not None:
        query = query.where(FeatureLink.item_id == item_id)
    if theme_id is not None:
        query = query.where(FeatureLink.theme_id == theme_id)
    return sorted(session.scalars(query), key=lambda link: (-link.score, link.id))


def channel_counts(session: Session) -> dict[str, int]:
    """How many items (duplicates aside) each channel brought."""
    rows = session.execute(
        select(FeedbackItem.channel, func.count())
        .where(FeedbackItem.duplicate_of_id.is_(None))
        .group_by(FeedbackItem.channel)
    )
    return {str(channel): int(count) for channel, count in rows}
