"""Demand profiles from confirmed links (ARR at stake vs brute force) and closing the loop."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from prodloop.feedback import service
from prodloop.feedback.demand import demand_profile
from prodloop.feedback.loop import outbox
from prodloop.feedback.models import FeedbackItem, FeedbackTheme
from prodloop.feedback.schemas import FeedbackIn
from prodloop.ledger import service as ledger
from prodloop.ledger.schemas import AccountIn, FeatureIn
from prodloop.ledger.stages import Stage

ACTOR = "pm@example.com"
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _feature(db: Session, key: str = "sso") -> int:
    feature = ledger.create_feature(
        db, FeatureIn(key=key, title="Single sign-on", stage="building"), actor=ACTOR
    )
    return feature.id


def test_arr_at_stake_matches_a_brute_force_sum(db: Session) -> None:
    rng = random.Random(7)
    segments = ["smb", "mid_market", "enterprise"]
    accounts = [
        ledger.create_account(
            db,
            AccountIn(
                name=f"Acct {i}",
                domain=f"acct{i}.com",
                segment=segments[i % 3],
                arr=rng.randrange(1_000, 500_000),
            ),
            actor=ACTOR,
        )
        for i in range(12)
    ]
    _feature(db)
    feature = ledger.get_feature(db, "sso")
    theme = FeedbackTheme(key="t-sign-in", label="sign-in")
    db.add(theme)
    db.flush()
    sent = [
        FeedbackIn(
            text=f"sso request {n}",
            author_email=f"user{rng.randrange(30)}@acct{rng.randrange(14)}.com",
            received_at=T0 + timedelta(days=rng.randrange(200)),
            external_id=f"e{n}",
        )
        for n in range(80)
    ]
    summary = service.submit_items(db, sent, source="api")
    items = {i.id: i for i in db.scalars(select(FeedbackItem))}
    ids = summary.item_ids
    linked_direct = set(rng.sample(ids, 20))
    in_theme = set(rng.sample(ids, 20))
    rejected = set(rng.sample(ids, 10)) - linked_direct - in_theme
    for item_id in in_theme:
        items[item_id].theme_id = theme.id
    for item_id in linked_direct:
        service.decide_link(db, feature=feature, confirm=True, actor=ACTOR, item_id=item_id)
    for item_id in rejected:
        service.decide_link(db, feature=feature, confirm=False, actor=ACTOR, item_id=item_id)
    service.decide_link(db, feature=feature, confirm=True, actor=ACTOR, theme_id=theme.id)
    # one unlinked duplicate merged into a linked item: its requester carries over
    leftover = next(i for i in ids if i not in linked_direct | in_theme)
    target = next(iter(linked_direct))
    service.merge_duplicate(db, items[leftover], items[target])

    profile = demand_profile(db, feature)

    counted = linked_direct | in_theme | {leftover}
    by_domain = {a.domain: a for a in accounts}
    distinct = {
        by_domain[items[i].author_email.split("@")[1]].id: by_domain[
            items[i].author_email.split("@")[1]
        ]
        for i in counted
        if items[i].author_email.split("@")[1] in by_domain
    }
    expected_by_segment: dict[str, int] = {}
    for account in distinct.values():
        expected_by_segment[account.segment] = expected_by_segment.get(account.segment, 0) + (
            account.arr
        )
    assert profile.items == len(counted)
    assert profile.arr_by_segment == dict(sorted(expected_by_segment.items()))
    assert profile.arr_at_stake == sum(a.arr for a in distinct.values())
    assert {r.email for r in profile.requesters} == {items[i].author_email for i in counted}
    assert sum(profile.trend.values()) == len(counted)
    assert items[target].votes == 2


def test_launch_lists_everyone_who_asked_and_resolves_their_items(db: Session) -> None:
    feature_id = _feature(db)
    feature = ledger.get_feature(db, "sso")
    sent = [
        FeedbackIn(text="need sso", author_email="a@x.com", author_name="Ann", external_id="1"),
        FeedbackIn(text="sso again", author_email="a@x.com", external_id="2"),
        FeedbackIn(text="okta please", author_email="b@y.com", external_id="3"),
        FeedbackIn(text="unrelated", author_email="c@z.com", external_id="4"),
    ]
    ids = service.submit_items(db, sent, source="api", now=T0).item_ids
    for item_id in ids[:3]:
        service.decide_link(db, feature=feature, confirm=True, actor=ACTOR, item_id=item_id)
    ledger.set_stage(db, feature, Stage.LAUNCHED, actor=ACTOR)
    messages = outbox(db, feature_id=feature_id)
    assert sorted(m.recipient for m in messages) == ["a@x.com", "b@y.com"]
    ann = next(m for m in messages if m.recipient == "a@x.com")
    assert sorted(ann.item_ids) == sorted(ids[:2])
    assert "Single sign-on" in ann.subject
    assert ann.status == "pending"
    statuses = {i.id: i.status for i in db.scalars(select(FeedbackItem))}
    assert [statuses[i] for i in ids] == ["resolved", "resolved", "resolved", "new"]
    # Launching again after a step back does not message anyone twice.
    ledger.set_stage(db, feature, Stage.BETA, actor=ACTOR)
    ledger.set_stage(db, feature, Stage.LAUNCHED, actor=ACTOR)
    assert len(outbox(db, feature_id=feature_id)) == 2
