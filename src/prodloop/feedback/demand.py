"""A feature's demand profile: who asked for it, which accounts, how much ARR is at stake.

Demand comes from confirmed links only: an item linked to the feature, every item of a
theme linked to it, and the duplicates merged into those items (their requesters carry
over). ARR at stake counts each distinct requesting account once.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from prodloop.feedback.models import FeatureLink, FeedbackItem
from prodloop.ledger.models import Account, Feature

CONFIRMED = "confirmed"


class Requester(BaseModel):
    """Someone who asked, with their account."""

    name: str
    email: str
    account: str | None
    segment: str | None
    arr: int
    items: int
    last_asked_at: datetime


class AccountDemand(BaseModel):
    """One requesting account."""

    id: int
    name: str
    segment: str
    arr: int
    items: int


class Verbatim(BaseModel):
    """A customer's own words."""

    id: int
    text: str
    author: str
    account: str | None
    channel: str
    received_at: datetime
    votes: int


class DemandProfile(BaseModel):
    """Everything the "who asked" section of a feature page shows."""

    feature: str
    items: int
    requesters: list[Requester]
    accounts: list[AccountDemand]
    arr_at_stake: int
    arr_by_segment: dict[str, int]
    trend: dict[str, int]
    verbatims: list[Verbatim]


def demand_items(session: Session, feature_id: int) -> list[FeedbackItem]:
    """The items behind a feature's confirmed links, duplicates of them included."""
    links = session.scalars(
        select(FeatureLink).where(
            FeatureLink.feature_id == feature_id, FeatureLink.status == CONFIRMED
        )
    ).all()
    item_ids = {link.item_id for link in links if link.item_id is not None}
    theme_ids = {link.theme_id for link in links if link.theme_id is not None}
    if not item_ids and not theme_ids:
        return []
    direct = select(FeedbackItem).where(
        or_(FeedbackItem.id.in_(item_ids), FeedbackItem.theme_id.in_(theme_ids))
    )
    found = {item.id: item for item in session.scalars(direct)}
    frontier = set(found)
    while frontier:  # duplicates merged into linked items, and theirs
        dupes = session.scalars(
            select(FeedbackItem).where(FeedbackItem.duplicate_of_id.in_(frontier))
        ).all()
        frontier = {d.id for d in dupes if d.id not in found}
        found.update({d.id: d for d in dupes})
    return sorted(found.values(), key=lambda i: (i.received_at, i.id))


def requester_key(item: FeedbackItem) -> str:
    """Who asked: the email, else the name, else the item itself (an anonymous review)."""
    return item.author_email or item.author_name.lower() or f"item:{item.id}"


def demand_profile(session: Session, feature: Feature, *, months: int = 12) -> DemandProfile:
    """Requesters, accounts, ARR at stake by segment, monthly trend and verbatims."""
    items = demand_items(session, feature.id)
    accounts: dict[int, Account] = {}
    account_items: Counter[int] = Counter()
    people: dict[str, list[FeedbackItem]] = {}
    for item in items:
        people.setdefault(requester_key(item), []).append(item)
        if item.account is not None:
            accounts[item.account.id] = item.account
            account_items[item.account.id] += 1
    by_segment: Counter[str] = Counter()
    for account in accounts.values():
        by_segment[account.segment] += account.arr
    requesters = [_requester(asked) for asked in people.values()]
    requesters.sort(key=lambda r: (-r.arr, -r.items, r.name))
    trend: Counter[str] = Counter(item.received_at.strftime("%Y-%m") for item in items)
    recent = dict(sorted(trend.items())[-months:])
    verbatims = sorted(
        (i for i in items if i.duplicate_of_id is None),
        key=lambda i: (-(i.account.arr if i.account else 0), -i.votes, -len(i.text), i.id),
    )[:8]
    return DemandProfile(
        feature=feature.key,
        items=len(items),
        requesters=requesters,
        accounts=sorted(
            (
                AccountDemand(
                    id=a.id, name=a.name, segment=a.segment, arr=a.arr, items=account_items[a.id]
                )
                for a in accounts.values()
            ),
            key=lambda a: (-a.arr, a.name),
        ),
        arr_at_stake=sum(by_segment.values()),
        arr_by_segment=dict(sorted(by_segment.items())),
        trend=recent,
        verbatims=[
            Verbatim(
                id=i.id,
                text=i.text,
                author=i.author_name or i.author_email or "anonymous",
                account=i.account.name if i.account else None,
                channel=i.channel,
                received_at=i.received_at,
                votes=i.votes,
            )
            for i in verbatims
        ],
    )


def _requester(asked: list[FeedbackItem]) -> Requester:
    first = asked[0]
    account = next((i.account for i in asked if i.account is not None), None)
    return Requester(
        name=first.author_name or first.author_email or "anonymous",
        email=first.author_email,
        account=account.name if account else None,
        segment=account.segment if account else None,
        arr=account.arr if account else 0,
        items=len(asked),
        last_asked_at=max(i.received_at for i in asked),
    )
