"""The typed page data the delivery reports hand to the web, the API and the CLI.

Where the maths already returns a frozen dataclass with the right shape (percentiles,
scatter points, throughput buckets, forecasts, slips) it is embedded as is, so the JSON is
the maths' own result; the models here add what a reader needs around it (names, titles,
the window a number was computed over, the sentence that explains it).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from prodloop.delivery.dora import DeploymentBucket
from prodloop.delivery.dora_bands import DoraMetric, PerformanceBand
from prodloop.delivery.facts import StatusCategory
from prodloop.delivery.firefighting import DEFAULT_ALARM_SHARE
from prodloop.delivery.flow import AgeBand, CycleTimePoint, ThroughputBucket, WipPoint
from prodloop.delivery.forecast import CompletionForecast, ForecastDate, ItemsForecast
from prodloop.delivery.percentiles import Percentiles
from prodloop.delivery.periods import ONE_DAY, Granularity, Period
from prodloop.delivery.pull_requests import PullRequestCycleSummary
from prodloop.delivery.signals import Severity, SignalKind, SignalThresholds, SubjectKind
from prodloop.delivery.slips import DueDateSlips, FeatureItemSlips

# --- shared -------------------------------------------------------------------------------


class ReportPeriod(BaseModel):
    """Local calendar days ``start`` to ``end`` (both included) in ``time_zone``."""

    start: date
    end: date = Field(description="The last day included.")
    days: int
    granularity: Granularity
    time_zone: str

    @classmethod
    def of(cls, period: Period, granularity: Granularity, time_zone: str) -> ReportPeriod:
        """Describe ``period`` (whose ``end`` is exclusive) for readers."""
        return cls(
            start=period.start,
            end=period.last,
            days=period.days,
            granularity=granularity,
            time_zone=time_zone,
        )

    @property
    def period(self) -> Period:
        """The period as the maths takes it (end exclusive)."""
        return Period(self.start, self.end + ONE_DAY)


class TeamName(BaseModel):
    """A team's key and display name."""

    key: str
    name: str


# --- team dashboard -----------------------------------------------------------------------


class AgingItem(BaseModel):
    """A work item in progress: its age against the team's cycle-time percentiles."""

    key: str
    title: str
    status: str
    assignee: str | None
    feature: str | None
    started_at: datetime
    age_days: float
    band: AgeBand | None


class UnplannedBucket(BaseModel):
    """Completed and unplanned items in the bucket starting on ``start``."""

    start: date
    items_done: int
    unplanned_done: int
    share: float | None


class UnplannedSummary(BaseModel):
    """The unplanned share of throughput over the period and its trend."""

    items_done: int
    unplanned_done: int
    share: float | None
    buckets: list[UnplannedBucket]
    slope_per_bucket: float | None
    latest_share: float | None
    rising: bool
    alarm_share: float = DEFAULT_ALARM_SHARE


class SprintAdditions(BaseModel):
    """A sprint that took in work after it started."""

    sprint: str
    items_in_sprint: int
    added_mid_sprint: list[str]
    share: float


class TeamDashboard(BaseModel):
    """One team's flow over a period: the JSON behind ``/delivery?team=…``."""

    team: TeamName
    period: ReportPeriod
    as_of: datetime
    work_items: int
    completed: int
    cycle_time: Percentiles
    lead_time: Percentiles
    scatter: tuple[CycleTimePoint, ...]
    throughput: tuple[ThroughputBucket, ...]
    throughput_per_week: float
    wip: tuple[WipPoint, ...]
    wip_now: int
    aging: list[AgingItem]
    pull_requests: PullRequestCycleSummary
    unplanned: UnplannedSummary
    mid_sprint: list[SprintAdditions]


# --- DORA ---------------------------------------------------------------------------------


class DoraTile(BaseModel):
    """One of the four keys: its value, how it reads, and its benchmark band."""

    metric: DoraMetric
    title: str
    value: float | None
    unit: str
    display: str
    basis: str
    band: PerformanceBand | None
    band_label: str | None
    badge: str | None = Field(description='e.g. "Elite (2023 report)".')


class DoraSummary(BaseModel):
    """The four DORA keys for a period (one repository or all), banded by one report year."""

    period: ReportPeriod
    repo: str | None
    repos: list[str]
    report_year: int
    report: str
    report_years: list[int]
    deployments: int
    tiles: list[DoraTile]
    deployments_by_week: tuple[DeploymentBucket, ...]


# --- signals ------------------------------------------------------------------------------


class SignalOut(BaseModel):
    """A warning sign with what it is about, whose it is and the evidence behind it."""

    kind: SignalKind
    severity: Severity
    subject_kind: SubjectKind
    subject: str
    subject_title: str | None
    team: str | None
    message: str
    evidence: dict[str, Any]


class SignalsReport(BaseModel):
    """Every delivery signal as of ``today``, most severe first."""

    today: date
    time_zone: str
    firefighting_window: ReportPeriod
    forecast_history_days: int
    thresholds: SignalThresholds
    signals: list[SignalOut]
    by_severity: dict[str, int]
    by_kind: dict[str, int]


# --- features and forecasts ---------------------------------------------------------------


class FeatureWorkItem(BaseModel):
    """A work item of a feature, as the feature page lists it."""

    key: str
    title: str
    item_type: str
    category: StatusCategory
    status: str
    team: str | None
    assignee: str | None
    unplanned: bool
    created_at: datetime
    done_at: datetime | None
    due_date: date | None
    redatings: int


class FeatureItemCounts(BaseModel):
    """How a feature's work items stand."""

    total: int = 0
    todo: int = 0
    in_progress: int = 0
    done: int = 0
    cancelled: int = 0
    unplanned: int = 0

    @property
    def remaining(self) -> int:
        """Items neither done nor cancelled."""
        return self.todo + self.in_progress


class ThroughputWindow(BaseModel):
    """The stated history a forecast samples from: a team's daily throughput."""

    team: str | None
    start: date
    end: date = Field(description="The last day included.")
    days: int
    items_done: int


class FeatureForecast(BaseModel):
    """When the feature's remaining items will be done, and the chance of making its target."""

    remaining_items: int
    history: ThroughputWindow | None
    trials: int
    seed: int
    start: date
    outcomes: tuple[ForecastDate, ...] = ()
    unfinished_trials: int = 0
    target_date: date | None
    probability_of_meeting_target: float | None
    explanation: str
    unavailable: str | None = None


class FeatureDelivery(BaseModel):
    """A feature's delivery picture: its items, its slips and its forecast."""

    feature: str
    title: str
    stage: str
    team: str | None
    target_date: date | None
    days_past_target: int | None
    today: date
    counts: FeatureItemCounts
    open_items: list[FeatureWorkItem]
    done_items: list[FeatureWorkItem]
    target_slips: DueDateSlips
    item_slips: FeatureItemSlips
    redated_items: list[DueDateSlips]
    pull_requests: int
    forecast: FeatureForecast


class TeamForecast(BaseModel):
    """Monte Carlo answers for a team: when N items will be done, how many by a date."""

    team: TeamName
    history: ThroughputWindow
    trials: int
    seed: int
    when: CompletionForecast | None
    how_many: ItemsForecast | None
    explanation: str
