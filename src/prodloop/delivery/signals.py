"""The warning signs of delivery as first-class signals: delays, ownership gaps, firefighting.

Each signal names a kind, a severity, a subject (a feature key, a work-item key or a team), a
one-line message a person can act on, and the evidence it was computed from — the typed
result of :mod:`~prodloop.delivery.slips`, :mod:`~prodloop.delivery.ownership` or
:mod:`~prodloop.delivery.firefighting` — so every warning can say why it was raised. The
cut-offs live in one :class:`SignalThresholds`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from prodloop.delivery.facts import DueDateChange, WorkItemFacts
from prodloop.delivery.firefighting import (
    SprintScopeChange,
    UnplannedTrend,
    mid_sprint_additions,
    unplanned_share_by_team,
    unplanned_trend,
)
from prodloop.delivery.flow import by_feature
from prodloop.delivery.ownership import (
    TeamHandoffs,
    UnownedWork,
    bouncing_items,
    has_owner,
    is_open,
    unowned_work_by_team,
)
from prodloop.delivery.periods import Granularity, Period
from prodloop.delivery.slips import (
    DueDateSlips,
    FeatureItemSlips,
    due_date_slips,
    item_due_date_slips,
    roll_up_item_slips,
)
from prodloop.ledger.stages import SHIPPED_STAGES, Stage

NO_TEAM = "(no team)"
# Stages at which a feature's target date no longer matters: it shipped or was dropped.
DELIVERED_STAGES = frozenset(str(stage) for stage in (*SHIPPED_STAGES, Stage.RETIRED))


@dataclass(frozen=True)
class FeatureFacts:
    """A ledger feature as the delivery signals need it (``stage`` as the ledger names it)."""

    key: str
    title: str
    stage: str
    target_date: date | None = None
    owner: str | None = None
    team: str | None = None
    target_changes: tuple[DueDateChange, ...] = ()

    @property
    def delivered(self) -> bool:
        """Shipped (beta, launched, adopted) or retired."""
        return self.stage.lower() in DELIVERED_STAGES


class SignalKind(StrEnum):
    """What went wrong."""

    DUE_DATE_SLIPPED = "due_date_slipped"
    TARGET_DATE_SLIPPED = "target_date_slipped"
    PAST_TARGET_DATE = "past_target_date"
    TARGET_DATE_AT_RISK = "target_date_at_risk"
    FEATURE_WITHOUT_OWNER = "feature_without_owner"
    UNOWNED_WORK = "unowned_work"
    BOUNCING_BETWEEN_TEAMS = "bouncing_between_teams"
    RISING_UNPLANNED_WORK = "rising_unplanned_work"
    ADDED_MID_SPRINT = "added_mid_sprint"


class Severity(StrEnum):
    """How urgently someone should look."""

    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """0 for info, 2 for critical."""
        return list(Severity).index(self)


class SubjectKind(StrEnum):
    """What a signal is about."""

    FEATURE = "feature"
    WORK_ITEM = "work_item"
    TEAM = "team"


@dataclass(frozen=True)
class FeatureDelay:
    """Everything known about whether a feature will make its target date."""

    feature: str
    target_date: date | None
    days_past_target: int | None
    target_slips: DueDateSlips
    item_slips: FeatureItemSlips
    probability_of_meeting_target: float | None


Evidence = (
    DueDateSlips
    | FeatureDelay
    | FeatureFacts
    | UnownedWork
    | TeamHandoffs
    | UnplannedTrend
    | SprintScopeChange
)


@dataclass(frozen=True)
class Signal:
    """One warning sign about a feature, a work item or a team."""

    kind: SignalKind
    severity: Severity
    subject_kind: SubjectKind
    subject: str
    message: str
    evidence: Evidence


@dataclass(frozen=True)
class SignalThresholds:
    """When a statistic becomes a signal, and how severe it is."""

    redatings_warning: int = 2
    redatings_critical: int = 3
    days_slipped_warning: int = 14
    probability_warning: float = 0.85
    probability_critical: float = 0.5
    unowned_items_warning: int = 3
    min_handoffs: int = 3
    unplanned_alarm_share: float = 0.30
    unplanned_critical_share: float = 0.50
    mid_sprint_items: int = 2
    mid_sprint_share: float = 0.20


DEFAULT_THRESHOLDS = SignalThresholds()


def sort_signals(signals: Iterable[Signal]) -> tuple[Signal, ...]:
    """Most severe first, then by kind and subject."""
    return tuple(sorted(signals, key=lambda s: (-s.severity.rank, s.kind, s.subject)))


# --- delays -------------------------------------------------------------------------------


def feature_delay(
    feature: FeatureFacts,
    items: Iterable[WorkItemFacts],
    *,
    today: date,
    probability: float | None = None,
) -> FeatureDelay:
    """How late ``feature`` is (as of local ``today``) and how often its dates moved."""
    past = None
    if feature.target_date is not None and not feature.delivered:
        past = max((today - feature.target_date).days, 0)
    return FeatureDelay(
        feature=feature.key,
        target_date=feature.target_date,
        days_past_target=past,
        target_slips=due_date_slips(
            feature.key, feature.target_changes, current_due_date=feature.target_date
        ),
        item_slips=roll_up_item_slips(feature.key, items),
        probability_of_meeting_target=probability,
    )


def _slip_severity(slips: DueDateSlips, limits: SignalThresholds) -> Severity | None:
    if slips.redatings >= limits.redatings_critical:
        return Severity.CRITICAL
    if slips.redatings >= limits.redatings_warning or (
        slips.redatings and slips.days_slipped >= limits.days_slipped_warning
    ):
        return Severity.WARNING
    return None


def _slip_text(slips: DueDateSlips) -> str:
    times = "once" if slips.redatings == 1 else f"{slips.redatings} times"
    now = f", now {slips.current_due_date.isoformat()}" if slips.current_due_date else ""
    return f"re-dated {times} (+{slips.days_slipped} days slipped{now})"


def item_delay_signals(
    items: Iterable[WorkItemFacts], *, thresholds: SignalThresholds = DEFAULT_THRESHOLDS
) -> list[Signal]:
    """Open work items whose due date keeps moving."""
    signals = []
    for item in items:
        if not is_open(item):
            continue
        slips = item_due_date_slips(item)
        severity = _slip_severity(slips, thresholds)
        if severity is not None:
            message = f"{item.key} {_slip_text(slips)}"
            signals.append(
                Signal(
                    SignalKind.DUE_DATE_SLIPPED,
                    severity,
                    SubjectKind.WORK_ITEM,
                    item.key,
                    message,
                    slips,
                )
            )
    return signals


def _feature_delay_signals(
    feature: FeatureFacts, delay: FeatureDelay, limits: SignalThresholds
) -> list[Signal]:
    def signal(kind: SignalKind, severity: Severity, message: str) -> Signal:
        """A signal about this feature with its delay as evidence."""
        return Signal(kind, severity, SubjectKind.FEATURE, feature.key, message, delay)

    signals = []
    slip_severity = _slip_severity(delay.target_slips, limits)
    if slip_severity is not None:
        text = _slip_text(delay.target_slips)
        signals.append(
            signal(SignalKind.TARGET_DATE_SLIPPED, slip_severity, f"{feature.title} {text}")
        )
    if delay.days_past_target:
        message = (
            f"{feature.title} is {delay.days_past_target} days past its target date "
            f"({delay.target_date}) and still in {feature.stage}"
        )
        signals.append(signal(SignalKind.PAST_TARGET_DATE, Severity.CRITICAL, message))
    chance = delay.probability_of_meeting_target
    if delay.days_past_target == 0 and chance is not None and chance < limits.probability_warning:
        severity = Severity.CRITICAL if chance < limits.probability_critical else Severity.WARNING
        message = f"{feature.title} has a {chance:.0%} chance of meeting {delay.target_date}"
        signals.append(signal(SignalKind.TARGET_DATE_AT_RISK, severity, message))
    return signals


def delay_signals(
    features: Iterable[FeatureFacts],
    items: Sequence[WorkItemFacts],
    *,
    today: date,
    target_probabilities: Mapping[str, float] | None = None,
    thresholds: SignalThresholds = DEFAULT_THRESHOLDS,
) -> tuple[Signal, ...]:
    """Slipping items, re-dated or late features, and features unlikely to make their date.

    ``target_probabilities`` maps a feature key to its forecast chance of meeting its target
    (:func:`prodloop.delivery.forecast.probabilities_of_meeting_targets`).
    """
    chances = target_probabilities or {}
    signals = item_delay_signals(items, thresholds=thresholds)
    items_by_feature = by_feature(items)
    for feature in features:
        if feature.delivered:
            continue
        delay = feature_delay(
            feature,
            items_by_feature.get(feature.key, ()),
            today=today,
            probability=chances.get(feature.key),
        )
        signals.extend(_feature_delay_signals(feature, delay, thresholds))
    return sort_signals(signals)


# --- ownership ----------------------------------------------------------------------------


def _unowned_feature_signals(features: Iterable[FeatureFacts]) -> list[Signal]:
    """Features still in play that have no owner."""
    return [
        Signal(
            SignalKind.FEATURE_WITHOUT_OWNER,
            Severity.WARNING,
            SubjectKind.FEATURE,
            feature.key,
            f"{feature.title} ({feature.stage}) has no owner",
            feature,
        )
        for feature in features
        if not has_owner(feature.owner) and feature.stage.lower() != Stage.RETIRED
    ]


def _unowned_work_signals(items: Iterable[WorkItemFacts], limits: SignalThresholds) -> list[Signal]:
    """One signal per team holding unowned open work; a warning once it is a cluster."""
    signals = []
    for work in unowned_work_by_team(items):
        count = len(work.item_keys)
        severity = Severity.WARNING if count >= limits.unowned_items_warning else Severity.INFO
        team = work.team or NO_TEAM
        noun = "item has" if count == 1 else "items have"
        message = f"{count} open {noun} no owner in {team}"
        signals.append(
            Signal(SignalKind.UNOWNED_WORK, severity, SubjectKind.TEAM, team, message, work)
        )
    return signals


def _bouncing_signals(items: Iterable[WorkItemFacts], limits: SignalThresholds) -> list[Signal]:
    """Items handed between teams too often, or back to a team they had left."""
    return [
        Signal(
            SignalKind.BOUNCING_BETWEEN_TEAMS,
            Severity.WARNING,
            SubjectKind.WORK_ITEM,
            handoffs.key,
            f"{handoffs.key} changed teams {handoffs.handoffs} times: "
            + " → ".join(handoffs.teams),
            handoffs,
        )
        for handoffs in bouncing_items(items, min_handoffs=limits.min_handoffs)
    ]


def ownership_signals(
    features: Iterable[FeatureFacts],
    items: Sequence[WorkItemFacts],
    *,
    thresholds: SignalThresholds = DEFAULT_THRESHOLDS,
) -> tuple[Signal, ...]:
    """Features nobody owns, teams with unowned open work, items bouncing between teams."""
    return sort_signals(
        _unowned_feature_signals(features)
        + _unowned_work_signals(items, thresholds)
        + _bouncing_signals(items, thresholds)
    )


# --- firefighting -------------------------------------------------------------------------


def _unplanned_trend_signals(
    items: Sequence[WorkItemFacts],
    period: Period,
    granularity: Granularity,
    time_zone: str,
    limits: SignalThresholds,
) -> list[Signal]:
    """Teams whose unplanned share is above the alarm level and still climbing."""
    signals = []
    shares = unplanned_share_by_team(
        items, period=period, granularity=granularity, time_zone=time_zone
    )
    for team, team_shares in shares.items():
        trend = unplanned_trend(team_shares, alarm_share=limits.unplanned_alarm_share)
        if not trend.rising or trend.latest_share is None or trend.slope_per_bucket is None:
            continue
        critical = trend.latest_share >= limits.unplanned_critical_share
        message = (
            f"Unplanned work is {trend.latest_share:.0%} of {team or NO_TEAM}'s throughput "
            f"and rising ({trend.slope_per_bucket * 100:+.1f} points per {granularity})"
        )
        severity = Severity.CRITICAL if critical else Severity.WARNING
        signals.append(
            Signal(
                SignalKind.RISING_UNPLANNED_WORK,
                severity,
                SubjectKind.TEAM,
                team or NO_TEAM,
                message,
                trend,
            )
        )
    return signals


def _mid_sprint_signals(items: Iterable[WorkItemFacts], limits: SignalThresholds) -> list[Signal]:
    """Sprints that took in a noticeable amount of work after they started."""
    signals = []
    for change in mid_sprint_additions(items):
        added = len(change.added_mid_sprint)
        if added < limits.mid_sprint_items or change.share < limits.mid_sprint_share:
            continue
        team = change.team or NO_TEAM
        message = (
            f"{added} of {change.items_in_sprint} items in {change.sprint} ({team}) "
            f"were added after the sprint started"
        )
        signals.append(
            Signal(
                SignalKind.ADDED_MID_SPRINT,
                Severity.WARNING,
                SubjectKind.TEAM,
                team,
                message,
                change,
            )
        )
    return signals


def firefighting_signals(
    items: Sequence[WorkItemFacts],
    *,
    period: Period,
    granularity: Granularity,
    time_zone: str,
    thresholds: SignalThresholds = DEFAULT_THRESHOLDS,
) -> tuple[Signal, ...]:
    """Teams whose unplanned share is climbing, and sprints that took in work mid-way."""
    return sort_signals(
        _unplanned_trend_signals(items, period, granularity, time_zone, thresholds)
        + _mid_sprint_signals(items, thresholds)
    )
