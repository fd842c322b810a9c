"""Every delivery warning sign at once: delays, ownership gaps and firefighting, most severe
first, each with the team it concerns and the evidence it was computed from.

Windows: the unplanned-share trend is judged month by month over the last six calendar
months and the current one to date; mid-sprint additions only for sprints that started in
the last four weeks (older sprints are history, not news); the chance of meeting a target
date samples the feature's team over the last 90 days.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from prodloop.delivery.facts import WorkItemFacts
from prodloop.delivery.feature_report import DEFAULT_HISTORY_DAYS, target_probabilities
from prodloop.delivery.ledger_facts import load_features
from prodloop.delivery.periods import Granularity, Period, add_months, local_date
from prodloop.delivery.report_schemas import ReportPeriod, SignalOut, SignalsReport
from prodloop.delivery.service import load_work_items
from prodloop.delivery.signals import (
    DEFAULT_THRESHOLDS,
    NO_TEAM,
    FeatureFacts,
    Severity,
    Signal,
    SignalKind,
    SubjectKind,
    delay_signals,
    firefighting_signals,
    ownership_signals,
    sort_signals,
)

TREND_MONTHS = 6
RECENT_SPRINT_DAYS = 28

KIND_LABELS: dict[SignalKind, str] = {
    SignalKind.DUE_DATE_SLIPPED: "Due date slipped",
    SignalKind.TARGET_DATE_SLIPPED: "Target date re-dated",
    SignalKind.PAST_TARGET_DATE: "Past target date",
    SignalKind.TARGET_DATE_AT_RISK: "Target date at risk",
    SignalKind.FEATURE_WITHOUT_OWNER: "Feature without owner",
    SignalKind.UNOWNED_WORK: "Unowned work",
    SignalKind.BOUNCING_BETWEEN_TEAMS: "Bouncing between teams",
    SignalKind.RISING_UNPLANNED_WORK: "Rising unplanned work",
    SignalKind.ADDED_MID_SPRINT: "Added mid-sprint",
}
KIND_FAMILIES: dict[SignalKind, str] = {
    **dict.fromkeys(
        [
            SignalKind.DUE_DATE_SLIPPED,
            SignalKind.TARGET_DATE_SLIPPED,
            SignalKind.PAST_TARGET_DATE,
            SignalKind.TARGET_DATE_AT_RISK,
        ],
        "delay",
    ),
    **dict.fromkeys(
        [
            SignalKind.FEATURE_WITHOUT_OWNER,
            SignalKind.UNOWNED_WORK,
            SignalKind.BOUNCING_BETWEEN_TEAMS,
        ],
        "ownership",
    ),
    **dict.fromkeys(
        [SignalKind.RISING_UNPLANNED_WORK, SignalKind.ADDED_MID_SPRINT], "firefighting"
    ),
}


def firefighting_period(today: date, *, months: int = TREND_MONTHS) -> Period:
    """The last ``months`` calendar months and the current one to date."""
    return Period(add_months(today.replace(day=1), -months), today + timedelta(days=1))


def _firefighting(
    items: Sequence[WorkItemFacts], *, today: date, time_zone: str, period: Period
) -> list[Signal]:
    """Rising unplanned shares over ``period``; mid-sprint additions of recent sprints."""
    trend = firefighting_signals(
        items, period=period, granularity=Granularity.MONTH, time_zone=time_zone
    )
    recent = today - timedelta(days=RECENT_SPRINT_DAYS)
    sprint_items = [
        item
        for item in items
        if item.sprint_started_at is not None
        and local_date(item.sprint_started_at, time_zone) >= recent
    ]
    sprints = firefighting_signals(
        sprint_items, period=period, granularity=Granularity.MONTH, time_zone=time_zone
    )
    return [s for s in trend if s.kind is SignalKind.RISING_UNPLANNED_WORK] + [
        s for s in sprints if s.kind is SignalKind.ADDED_MID_SPRINT
    ]


def _team_of(
    signal: Signal, features: dict[str, FeatureFacts], items: dict[str, WorkItemFacts]
) -> str | None:
    if signal.subject_kind is SubjectKind.TEAM:
        return None if signal.subject == NO_TEAM else signal.subject
    if signal.subject_kind is SubjectKind.FEATURE:
        feature = features.get(signal.subject)
        return feature.team if feature else None
    item = items.get(signal.subject)
    return item.team if item else None


def _evidence(signal: Signal) -> dict[str, Any]:
    evidence: dict[str, Any] = dataclasses.asdict(signal.evidence)
    return evidence


def signal_out(
    signal: Signal, features: dict[str, FeatureFacts], items: dict[str, WorkItemFacts]
) -> SignalOut:
    """The API shape of ``signal``, with its team and the subject's title."""
    subject_title = None
    if signal.subject_kind is SubjectKind.FEATURE and signal.subject in features:
        subject_title = features[signal.subject].title
    elif signal.subject_kind is SubjectKind.WORK_ITEM and signal.subject in items:
        subject_title = items[signal.subject].title
    return SignalOut(
        kind=signal.kind,
        severity=signal.severity,
        subject_kind=signal.subject_kind,
        subject=signal.subject,
        subject_title=subject_title,
        team=_team_of(signal, features, items),
        message=signal.message,
        evidence=_evidence(signal),
    )


def delivery_signals(
    session: Session,
    *,
    today: date,
    time_zone: str,
    history_days: int = DEFAULT_HISTORY_DAYS,
) -> SignalsReport:
    """Every delayed, unowned and firefighting signal as of local ``today``, most severe first."""
    features = load_features(session)
    items = load_work_items(session)
    chances = target_probabilities(
        features, items, today=today, time_zone=time_zone, history_days=history_days
    )
    period = firefighting_period(today)
    found = sort_signals(
        [
            *delay_signals(features, items, today=today, target_probabilities=chances),
            *ownership_signals(features, items),
            *_firefighting(items, today=today, time_zone=time_zone, period=period),
        ]
    )
    by_key = {feature.key: feature for feature in features}
    items_by_key = {item.key: item for item in items}
    signals = [signal_out(signal, by_key, items_by_key) for signal in found]
    return SignalsReport(
        today=today,
        time_zone=time_zone,
        firefighting_window=ReportPeriod.of(period, Granularity.MONTH, time_zone),
        forecast_history_days=history_days,
        thresholds=DEFAULT_THRESHOLDS,
        signals=signals,
        by_severity=dict(Counter(s.severity.value for s in signals)),
        by_kind=dict(Counter(s.kind.value for s in signals)),
    )


def filter_signals(
    report: SignalsReport,
    *,
    kind: SignalKind | None = None,
    team: str | None = None,
    severity: Severity | None = None,
) -> SignalsReport:
    """The report keeping only signals of ``kind``, about ``team`` and of ``severity``."""
    wanted = team.strip().lower() if team else None
    kept = [
        signal
        for signal in report.signals
        if (kind is None or signal.kind is kind)
        and (severity is None or signal.severity is severity)
        and (wanted is None or (signal.team or "").lower() == wanted)
    ]
    return report.model_copy(update={"signals": kept})
