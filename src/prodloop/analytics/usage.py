"""Which events mean a ledger feature was used, and adoption queries built from them.

Services take a session and never commit; every change to a feature's usage events is
written to the ledger's audit log.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from prodloop.analytics.insights.adoption import (
    AdoptionQuery,
    AdoptionResult,
    CurveInterval,
    FeatureUsage,
    Unit,
    UsageEvent,
    run_adoption,
)
from prodloop.analytics.models import FeatureUsageEvent
from prodloop.analytics.query.engine import Engine
from prodloop.ledger import service as ledger
from prodloop.ledger.errors import RuleError
from prodloop.ledger.models import Feature, StageChange
from prodloop.ledger.records import add_record, change_record, remove_record
from prodloop.ledger.stages import Stage

#: Stages that mean a feature reached its users; the first move into one is its launch.
LAUNCH_STAGES = (Stage.LAUNCHED.value, Stage.ADOPTED.value)


def list_usage_events(session: Session, feature_key: str) -> list[FeatureUsageEvent]:
    """The events that mean feature ``feature_key`` was used, by event name."""
    feature = ledger.get_feature(session, feature_key)
    return _mapped(session, feature)


def _mapped(session: Session, feature: Feature) -> list[FeatureUsageEvent]:
    query = (
        select(FeatureUsageEvent)
        .where(FeatureUsageEvent.feature_id == feature.id)
        .order_by(FeatureUsageEvent.event)
    )
    return list(session.execute(query).scalars())


def set_usage_events(
    session: Session,
    feature_key: str,
    events: Sequence[UsageEvent],
    *,
    actor: str,
    at: datetime | None = None,
) -> list[FeatureUsageEvent]:
    """Make ``events`` exactly the usage events of ``feature_key`` (audited, not committed).

    ``at`` dates the additions and changes (default: now), as for imported history.
    """
    feature = ledger.get_feature(session, feature_key)
    wanted: dict[str, UsageEvent] = {}
    for number, usage in enumerate(events):
        if usage.event in wanted:
            raise RuleError(
                f"event {usage.event!r} is listed twice; give it one property filter",
                field=f"events[{number}].event",
            )
        wanted[usage.event] = usage
    current = {row.event: row for row in _mapped(session, feature)}
    for name, row in current.items():
        if name not in wanted:
            remove_record(session, row, actor=actor, label=_label(feature, name))
    for name, usage in wanted.items():
        existing = current.get(name)
        if existing is None:
            record = FeatureUsageEvent(
                feature_id=feature.id, event=name, property_filter=dict(usage.properties)
            )
            add_record(session, record, actor=actor, label=_label(feature, name), at=at)
        elif existing.property_filter != usage.properties:
            changes = {"property_filter": dict(usage.properties)}
            label = _label(feature, name)
            change_record(session, existing, changes, actor=actor, label=label, at=at)
    return _mapped(session, feature)


def _label(feature: Feature, event: str) -> str:
    return f"usage event {event} of feature {feature.key}"


def usage_event_of(row: FeatureUsageEvent) -> UsageEvent:
    """A stored mapping as the adoption insight takes it."""
    return UsageEvent(event=row.event, properties=dict(row.property_filter or {}))


def launch_date(session: Session, feature: Feature) -> date | None:
    """The feature's launch date: the ledger's, else its first move to launched or adopted."""
    if feature.launch_date is not None:
        return feature.launch_date
    query = (
        select(StageChange.changed_at)
        .where(StageChange.feature_id == feature.id, StageChange.to_stage.in_(LAUNCH_STAGES))
        .order_by(StageChange.changed_at)
        .limit(1)
    )
    moment = session.execute(query).scalar_one_or_none()
    if moment is None:
        return None
    workspace = ledger.get_workspace(session)
    zone = workspace.time_zone if workspace is not None else "UTC"
    return moment.astimezone(ZoneInfo(zone)).date()


def feature_usage(session: Session, feature_key: str) -> FeatureUsage:
    """Feature ``feature_key`` with its launch date and usage events, for the insight."""
    feature = ledger.get_feature(session, feature_key)
    rows = _mapped(session, feature)
    if not rows:
        raise RuleError(
            f"feature {feature_key} has no usage events mapped; map the events that mean "
            f"it was used first",
            field="usage_events",
        )
    return FeatureUsage(
        key=feature.key,
        title=feature.title,
        launch_date=launch_date(session, feature),
        events=[usage_event_of(row) for row in rows],
    )


def adoption_query(
    session: Session,
    feature_keys: Sequence[str],
    *,
    date_from: date,
    date_to: date,
    unit: Unit = "person",
    curve_interval: CurveInterval = "week",
    retention_weeks: int = 8,
) -> AdoptionQuery:
    """An adoption query for the ledger features ``feature_keys``, usage events resolved."""
    return AdoptionQuery(
        features=[feature_usage(session, key) for key in feature_keys],
        date_from=date_from,
        date_to=date_to,
        unit=unit,
        curve_interval=curve_interval,
        retention_weeks=retention_weeks,
    )


#: How far back a feature's adoption looks by default (from launch, at most a year).
DEFAULT_DAYS = 365


def default_window(launched: date | None, today: date) -> tuple[date, date]:
    """The default adoption window: from launch (at most a year back) to yesterday."""
    last = today - timedelta(days=1)
    first = last - timedelta(days=DEFAULT_DAYS - 1)
    if launched is not None and first < launched <= last:
        first = launched
    return first, last


def feature_adoption(
    session: Session,
    engine: Engine,
    feature_key: str,
    *,
    today: date,
    tz: str,
    date_from: date | None = None,
    date_to: date | None = None,
    unit: Unit = "person",
    curve_interval: CurveInterval = "week",
) -> AdoptionResult:
    """Adoption of one ledger feature, over the default window unless one is given."""
    usage = feature_usage(session, feature_key)
    first, last = default_window(usage.launch_date, today)
    try:
        query = AdoptionQuery(
            features=[usage],
            date_from=date_from or first,
            date_to=date_to or last,
            unit=unit,
            curve_interval=curve_interval,
        )
    except ValidationError as invalid:
        error = invalid.errors()[0]
        field = ".".join(str(part) for part in error["loc"]) or "date_to"
        raise RuleError(error["msg"].removeprefix("Value error, "), field=field) from invalid
    return run_adoption(engine, query, tz=tz)
