"""Turning rows of an export into feedback items: all rows or none, never twice."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from prodloop.feedback.ingest.accounts import AccountMatcher
from prodloop.feedback.ingest.layouts import Layout
from prodloop.feedback.ingest.values import (
    lookup,
    parse_rating,
    parse_tags,
    parse_time,
    plain_text,
)
from prodloop.feedback.models import FeedbackItem
from prodloop.feedback.schemas import ImportSummary, RowProblem

Progress = Callable[[int, int | None], None]
MAX_PROBLEMS_SHOWN = 20


class ImportRejected(Exception):
    """Rows that could not be read; nothing of the file was written."""

    def __init__(self, problems: list[RowProblem]) -> None:
        self.problems = problems
        shown = "; ".join(f"row {p.row}: {p.field}: {p.message}" for p in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(f"{len(problems)} malformed row(s), nothing imported: {shown}{more}")


@dataclass(frozen=True)
class ParsedItem:
    """One row read and checked, not yet stored."""

    external_id: str
    channel: str
    title: str
    text: str
    author_name: str
    author_email: str
    account: str | None
    received_at: datetime
    rating: float | None
    tags: list[str]
    meta: dict[str, Any]


def parse_row(row: int, record: dict[str, Any], layout: Layout) -> ParsedItem | list[RowProblem]:
    """The row as an item, or the problems that stop it."""
    if "__invalid__" in record:
        return [RowProblem(row=row, field="row", message=str(record["__invalid__"]))]
    problems: list[RowProblem] = []

    def get(name: str) -> Any:
        return lookup(record, layout.columns.get(name, ()))

    title = plain_text(get("title") or "")[:300]
    text = plain_text(get("text") or "")
    if not text and title:
        text = title
    received: datetime | None = None
    raw_time = get("received_at")
    if raw_time is None:
        problems.append(RowProblem(row=row, field="received_at", message="no date"))
    else:
        try:
            received = parse_time(raw_time)
        except ValueError as bad:
            problems.append(RowProblem(row=row, field="received_at", message=str(bad)))
    rating: float | None = None
    raw_rating = get("rating")
    if raw_rating is not None:
        try:
            rating = parse_rating(raw_rating, layout.rating_scale)
        except ValueError as bad:
            problems.append(RowProblem(row=row, field="rating", message=str(bad)))
    if not text and rating is None:  # a survey score without a comment is still signal
        problems.append(RowProblem(row=row, field="text", message="no feedback text"))
    email = str(get("author_email") or "").strip().lower()
    if email and "@" not in email:
        problems.append(RowProblem(row=row, field="author_email", message=f"{email!r} no email"))
    if problems or received is None:
        return problems
    author = str(get("author_name") or "").strip()[:200]
    external = get("external_id")
    external_id = (
        str(external).strip()
        if external is not None
        else _fingerprint(text, author or email, received)
    )
    meta = {
        name: record[name] for name in layout.meta_columns if record.get(name) not in (None, "")
    }
    account = get("account")
    return ParsedItem(
        external_id=external_id[:200],
        channel=str(get("channel") or layout.channel)[:32],
        title=title,
        text=text,
        author_name=author,
        author_email=email[:320],
        account=str(account).strip() if account is not None else None,
        received_at=received,
        rating=rating,
        tags=parse_tags(get("tags")),
        meta=meta,
    )


def _fingerprint(text: str, author: str, received: datetime) -> str:
    digest = hashlib.sha256(f"{author}\x1f{received.isoformat()}\x1f{text}".encode())
    return "sha256:" + digest.hexdigest()[:40]


def import_rows(
    session: Session,
    rows: Iterable[tuple[int, dict[str, Any]]],
    layout: Layout,
    *,
    progress: Progress | None = None,
) -> ImportSummary:
    """Check every row, then store the new ones; a bad row rejects the whole file.

    Items already imported from the same source (same external id) are left as they are.
    """
    parsed: list[ParsedItem] = []
    problems: list[RowProblem] = []
    count = 0
    for row, record in rows:
        count += 1
        result = parse_row(row, record, layout)
        if isinstance(result, list):
            problems.extend(result)
        else:
            parsed.append(result)
        if progress is not None and count % 500 == 0:
            progress(count, None)
    if problems:
        raise ImportRejected(problems)
    return store_items(session, parsed, source=layout.source, rows=count, progress=progress)


def store_items(
    session: Session,
    parsed: list[ParsedItem],
    *,
    source: str,
    rows: int | None = None,
    progress: Progress | None = None,
    matcher: AccountMatcher | None = None,
) -> ImportSummary:
    """Insert the items not stored yet under (``source``, external id); flush, never commit."""
    known = _existing_ids(session, source, {item.external_id for item in parsed})
    matcher = matcher or AccountMatcher(session)
    created: list[FeedbackItem] = []
    matched = 0
    for index, item in enumerate(parsed, start=1):
        if item.external_id in known:
            continue
        known.add(item.external_id)
        account = matcher.match(item.account, item.author_email)
        matched += account is not None
        record = FeedbackItem(
            source=source,
            external_id=item.external_id,
            channel=item.channel,
            title=item.title,
            text=item.text,
            author_name=item.author_name,
            author_email=item.author_email,
            account_id=account.id if account is not None else None,
            received_at=item.received_at,
            rating=item.rating,
            tags=item.tags,
            meta=item.meta,
        )
        session.add(record)
        created.append(record)
        if progress is not None and index % 1000 == 0:
            progress(index, len(parsed))
    session.flush()
    return ImportSummary(
        source=source,
        rows=rows if rows is not None else len(parsed),
        created=len(created),
        already_imported=len(parsed) - len(created),
        matched_accounts=matched,
        item_ids=[record.id for record in created],
    )


def _existing_ids(session: Session, source: str, external_ids: set[str]) -> set[str]:
    found: set[str] = set()
    wanted = sorted(external_ids)
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        found.update(
            session.scalars(
                select(FeedbackItem.external_id).where(
                    FeedbackItem.source == source, FeedbackItem.external_id.in_(chunk)
                )
            )
        )
    return found
