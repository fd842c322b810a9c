"""Requests from operational teams: SLA clock, overdue and unowned surfacing first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from prodloop.feedback.requests import (
    SLA_HOURS,
    OpsRequestIn,
    OpsRequestUpdate,
    OpsTeam,
    RequestStatus,
    Urgency,
    create_request,
    list_requests,
    update_request,
)
from prodloop.ledger import service as ledger
from prodloop.ledger.errors import NotFoundError, RuleError
from prodloop.ledger.schemas import PersonIn

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ACTOR = "ops@example.com"


def _raise(db: Session, title: str, urgency: Urgency, *, owner: str | None = None) -> int:
    data = OpsRequestIn(
        title=title,
        team=OpsTeam.SUPPORT,
        requested_by="agent@example.com",
        urgency=urgency,
        owner=owner,
    )
    return create_request(db, data, actor=ACTOR, at=T0).id


def test_sla_clock_overdue_and_unowned(db: Session) -> None:
    ledger.create_person(db, PersonIn(name="Pat", email="pat@example.com"), actor=ACTOR)
    critical = _raise(db, "Refunds broken", Urgency.CRITICAL, owner="pat@example.com")
    low = _raise(db, "Rename a label", Urgency.LOW)
    high = _raise(db, "Bulk edit", Urgency.HIGH, owner="pat@example.com")
    now = T0 + timedelta(hours=30)
    found = list_requests(db, now=now)
    # Critical is 24h: 6h late. Low is unowned but on time. High (72h) has 42h left.
    assert [r.id for r in found] == [critical, low, high]
    by_id = {r.id: r for r in found}
    assert by_id[critical].overdue
    assert by_id[critical].hours_left == -6.0
    assert by_id[low].unowned
    assert not by_id[low].overdue
    assert by_id[high].hours_left == SLA_HOURS[Urgency.HIGH] - 30
    assert [r.id for r in list_requests(db, now=now, overdue=True)] == [critical]
    assert [r.id for r in list_requests(db, now=now, unowned=True)] == [low]


def test_closing_stops_the_clock(db: Session) -> None:
    request_id = _raise(db, "Refunds broken", Urgency.CRITICAL)
    from prodloop.feedback.requests import get_request

    request = get_request(db, request_id)
    update_request(
        db,
        request,
        OpsRequestUpdate(status=RequestStatus.DONE),
        actor=ACTOR,
        at=T0 + timedelta(hours=2),
    )
    assert list_requests(db, now=T0 + timedelta(days=9)) == []
    (closed,) = list_requests(db, now=T0 + timedelta(days=9), open_only=False)
    assert not closed.overdue
    assert closed.hours_left == 22.0
    with pytest.raises(RuleError, match="already done"):
        update_request(db, request, OpsRequestUpdate(status=RequestStatus.DONE), actor=ACTOR)


def test_unknown_owner_is_refused(db: Session) -> None:
    with pytest.raises(NotFoundError) as refused:
        _raise(db, "x", Urgency.LOW, owner="nobody@example.com")
    assert refused.value.field is not None
