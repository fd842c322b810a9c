"""Requests from operational teams (support, sales, marketplace ops) and their SLA clock.

The SLA is declared once, per urgency: a request is due that many hours after it was
raised. Overdue requests (open past their due time) and unowned ones surface first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from prodloop.feedback.models import OpsRequest
from prodloop.ledger import service as ledger
from prodloop.ledger.errors import NotFoundError, RuleError
from prodloop.ledger.records import add_record, change_record
from prodloop.store.base import utcnow


class OpsTeam(StrEnum):
    """Who raised the request."""

    SUPPORT = "support"
    SALES = "sales"
    MARKETPLACE_OPS = "marketplace_ops"
    SUCCESS = "success"


class Urgency(StrEnum):
    """How soon it needs an answer."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class Impact(StrEnum):
    """How many customers or how much revenue it touches."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class RequestStatus(StrEnum):
    """Where the request stands; done and declined stop the clock."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DECLINED = "declined"

    @property
    def closed(self) -> bool:
        """Whether the SLA clock has stopped."""
        return self in {RequestStatus.DONE, RequestStatus.DECLINED}


SLA_HOURS: dict[Urgency, int] = {
    Urgency.CRITICAL: 24,
    Urgency.HIGH: 72,
    Urgency.MEDIUM: 7 * 24,
    Urgency.LOW: 30 * 24,
}


class OpsRequestIn(BaseModel):
    """A new request."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=300)
    description: str = ""
    team: OpsTeam
    requested_by: str = Field(min_length=1, max_length=320)
    urgency: Urgency = Urgency.MEDIUM
    impact: Impact = Impact.MEDIUM
    owner: str | None = Field(default=None, description="Owner's email (a ledger person).")
    account_id: int | None = None
    feature: str | None = Field(default=None, description="Feature key.")


class OpsRequestUpdate(BaseModel):
    """A change to a request; omitted fields stay as they are."""

    model_config = ConfigDict(extra="forbid")

    status: RequestStatus | None = None
    owner: str | None = None
    urgency: Urgency | None = None
    impact: Impact | None = None


class OpsRequestOut(BaseModel):
    """A request with its SLA state."""

    id: int
    title: str
    description: str
    team: str
    requested_by: str
    urgency: str
    impact: str
    owner: str | None
    account: str | None
    feature: str | None
    status: str
    created_at: datetime
    due_at: datetime
    closed_at: datetime | None
    overdue: bool
    unowned: bool
    hours_left: float


@dataclass(frozen=True)
class SlaState:
    """A request's clock as of a moment."""

    overdue: bool
    hours_left: float


def sla_state(request: OpsRequest, now: datetime) -> SlaState:
    """Overdue when open past its due time; hours left is negative once overdue."""
    end = request.closed_at if request.closed_at is not None else now
    left = (request.due_at - end).total_seconds() / 3600
    return SlaState(overdue=request.closed_at is None and left < 0, hours_left=round(left, 1))


def create_request(
    session: Session, data: OpsRequestIn, *, actor: str, at: datetime | None = None
) -> OpsRequest:
    """Raise a request (audited); its due time follows from its urgency."""
    request = new_request(session, data, at=at)
    return add_record(session, request, actor=actor, label=request.title, at=at)


def new_request(session: Session, data: OpsRequestIn, *, at: datetime | None = None) -> OpsRequest:
    """The request ``data`` describes, owner and links resolved, not yet stored."""
    created = at or utcnow()
    return OpsRequest(
        title=data.title.strip(),
        description=data.description,
        team=data.team.value,
        requested_by=data.requested_by,
        urgency=data.urgency.value,
        impact=data.impact.value,
        owner_id=ledger.get_person(session, data.owner).id if data.owner else None,
        account_id=ledger.get_account(session, data.account_id).id if data.account_id else None,
        feature_id=ledger.get_feature(session, data.feature).id if data.feature else None,
        status=RequestStatus.OPEN.value,
        due_at=created + timedelta(hours=SLA_HOURS[data.urgency]),
        created_at=created,
        updated_at=created,
    )


def get_request(session: Session, request_id: int) -> OpsRequest:
    """The request with ``request_id``."""
    request = session.get(OpsRequest, request_id)
    if request is None:
        raise NotFoundError(f"no request {request_id}", field="id")
    return request


def update_request(
    session: Session,
    request: OpsRequest,
    data: OpsRequestUpdate,
    *,
    actor: str,
    at: datetime | None = None,
) -> OpsRequest:
    """Change status, owner, urgency or impact; a new urgency restarts nothing but the due time."""
    when = at or utcnow()
    changes: dict[str, object] = {}
    if data.owner is not None:
        changes["owner_id"] = ledger.get_person(session, data.owner).id if data.owner else None
    if data.urgency is not None:
        changes["urgency"] = data.urgency.value
        changes["due_at"] = request.created_at + timedelta(hours=SLA_HOURS[data.urgency])
    if data.impact is not None:
        changes["impact"] = data.impact.value
    if data.status is not None:
        current = RequestStatus(request.status)
        if data.status is current:
            raise RuleError(f"request {request.id} is already {current.value}", field="status")
        changes["status"] = data.status.value
        changes["closed_at"] = when if data.status.closed else None
    return change_record(session, request, changes, actor=actor, label=request.title, at=at)


def list_requests(
    session: Session,
    *,
    now: datetime,
    team: OpsTeam | None = None,
    open_only: bool = True,
    overdue: bool = False,
    unowned: bool = False,
) -> list[OpsRequestOut]:
    """Requests, overdue first, then unowned, then by due time."""
    query = select(OpsRequest)
    if team is not None:
        query = query.where(OpsRequest.team == team.value)
    if open_only:
        query = query.where(OpsRequest.closed_at.is_(None))
    if unowned:
        query = query.where(OpsRequest.owner_id.is_(None))
    found = [request_out(r, now) for r in session.scalars(query)]
    if overdue:
        found = [r for r in found if r.overdue]
    return sorted(found, key=lambda r: (not r.overdue, not r.unowned, r.due_at, r.id))


def request_out(request: OpsRequest, now: datetime) -> OpsRequestOut:
    """The request as the API shows it."""
    state = sla_state(request, now)
    return OpsRequestOut(
        id=request.id,
        title=request.title,
        description=request.description,
        team=request.team,
        requested_by=request.requested_by,
        urgency=request.urgency,
        impact=request.impact,
        owner=request.owner.email if request.owner else None,
        account=request.account.name if request.account else None,
        feature=request.feature.key if request.feature else None,
        status=request.status,
        created_at=request.created_at,
        due_at=request.due_at,
        closed_at=request.closed_at,
        overdue=state.overdue,
        unowned=request.owner_id is None and request.closed_at is None,
        hours_left=state.hours_left,
    )
