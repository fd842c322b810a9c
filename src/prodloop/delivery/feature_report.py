"""When will it ship? A feature's delivery picture and its Monte Carlo forecast.

Forecasts sample the daily throughput of a *team* — the feature's ledger team, else the team
holding most of its work items — over a stated history window: the ``history_days`` whole
local days before today. Day 1 of every forecast is today. The feature page, its signal and
the CLI use the same seed, so they quote the same probability.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from sqlalchemy.orm import Session

from prodloop.delivery.facts import StatusCategory, WorkItemFacts
from prodloop.delivery.flow import by_team, work_started_at
from prodloop.delivery.forecast import (
    DEFAULT_SEED,
    DEFAULT_TRIALS,
    ThroughputHistory,
    forecast_completion,
    probability_of_finishing_by,
)
from prodloop.delivery.ledger_facts import load_features
from prodloop.delivery.ownership import is_open
from prodloop.delivery.periods import Period, start_of_day
from prodloop.delivery.report_schemas import (
    FeatureDelivery,
    FeatureForecast,
    FeatureItemCounts,
    FeatureWorkItem,
    ThroughputWindow,
)
from prodloop.delivery.service import load_pull_requests, load_work_items
from prodloop.delivery.signals import FeatureFacts, feature_delay
from prodloop.delivery.slips import item_due_date_slips
from prodloop.ledger.errors import RuleError
from prodloop.ledger.service import get_feature

DEFAULT_HISTORY_DAYS = 90
MAX_HISTORY_DAYS = 3650
DONE_ITEMS_SHOWN = 10


# --- the history window -------------------------------------------------------------------


def history_period(today: date, days: int) -> Period:
    """The ``days`` whole local days before ``today`` (today itself is day 1 of a forecast)."""
    if not 1 <= days <= MAX_HISTORY_DAYS:
        raise RuleError(
            f"the history window must be 1 to {MAX_HISTORY_DAYS} days, not {days}",
            field="history_days",
        )
    return Period(today - timedelta(days=days), today)


def team_history(
    items: Iterable[WorkItemFacts], *, team: str | None, period: Period, time_zone: str
) -> tuple[ThroughputHistory, ThroughputWindow]:
    """The daily throughput of ``items`` over ``period`` and how to describe it."""
    history = ThroughputHistory.from_items(items, period=period, time_zone=time_zone)
    window = ThroughputWindow(
        team=team,
        start=period.start,
        end=period.last,
        days=period.days,
        items_done=history.items_done,
    )
    return history, window


def busiest_team(items: Iterable[WorkItemFacts]) -> str | None:
    """The team holding most of ``items`` (ties: the first alphabetically)."""
    counts = Counter(item.team for item in items if item.team)
    if not counts:
        return None
    return min(counts, key=lambda team: (-counts[team], team))


def forecast_team(feature: FeatureFacts, items: Iterable[WorkItemFacts]) -> str | None:
    """Whose throughput forecasts ``feature``: its ledger team, else its busiest team."""
    return feature.team or busiest_team(items)


def target_probability(
    history: ThroughputHistory, *, remaining: int, today: date, target: date, seed: int
) -> float:
    """The chance ``remaining`` items are done by the end of ``target``, working from today."""
    return probability_of_finishing_by(
        history, remaining_items=remaining, start=today, target=target, seed=seed
    )


def target_probabilities(
    features: Iterable[FeatureFacts],
    items: Sequence[WorkItemFacts],
    *,
    today: date,
    time_zone: str,
    history_days: int = DEFAULT_HISTORY_DAYS,
    seed: int = DEFAULT_SEED,
) -> dict[str, float]:
    """Per undelivered feature with a future target and linked work, its chance of making it.

    Features whose team completed nothing in the window get no probability: with no
    throughput to sample, the forecast has nothing to say.
    """
    period = history_period(today, history_days)
    teams = by_team(items)
    features_items: dict[str | None, list[WorkItemFacts]] = {}
    for item in items:
        features_items.setdefault(item.feature, []).append(item)
    histories: dict[str, ThroughputHistory] = {}
    chances: dict[str, float] = {}
    for feature in features:
        own = features_items.get(feature.key, [])
        team = forecast_team(feature, own)
        if feature.delivered or feature.target_date is None or feature.target_date < today:
            continue
        if not own or team is None:
            continue
        if team not in histories:
            histories[team] = team_history(
                teams.get(team, ()), team=team, period=period, time_zone=time_zone
            )[0]
        if histories[team].items_done == 0:
            continue
        remaining = sum(1 for item in own if is_open(item))
        chances[feature.key] = target_probability(
            histories[team], remaining=remaining, today=today, target=feature.target_date, seed=seed
        )
    return chances


# --- one feature --------------------------------------------------------------------------


def item_category(item: WorkItemFacts) -> StatusCategory:
    """Where the item stands now."""
    if item.cancelled:
        return StatusCategory.CANCELLED
    if item.done_at is not None:
        return StatusCategory.DONE
    if work_started_at(item) is not None:
        return StatusCategory.IN_PROGRESS
    return StatusCategory.TODO


def current_status(item: WorkItemFacts) -> str:
    """The tool's own name for the item's status, as far as its history says."""
    if item.status_history:
        return item.status_history[-1].to_status
    return item_category(item).value.replace("_", " ").capitalize()


def feature_work_item(item: WorkItemFacts) -> FeatureWorkItem:
    """The feature page's row for ``item``."""
    return FeatureWorkItem(
        key=item.key,
        title=item.title,
        item_type=item.item_type,
        category=item_category(item),
        status=current_status(item),
        team=item.team,
        assignee=item.assignee,
        unplanned=item.unplanned,
        created_at=item.created_at,
        done_at=item.done_at,
        due_date=item.due_date,
        redatings=item_due_date_slips(item).redatings,
    )


def item_counts(items: Iterable[WorkItemFacts]) -> FeatureItemCounts:
    """How many items are in each category, and how many are unplanned."""
    counts = FeatureItemCounts()
    for item in items:
        counts.total += 1
        counts.unplanned += item.unplanned
        category = item_category(item).value
        setattr(counts, category, getattr(counts, category) + 1)
    return counts


def _unavailable(
    reason: str, *, remaining: int, target: date | None, today: date, seed: int
) -> FeatureForecast:
    return FeatureForecast(
        remaining_items=remaining,
        history=None,
        trials=0,
        seed=seed,
        start=today,
        target_date=target,
        probability_of_meeting_target=None,
        explanation=reason,
        unavailable=reason,
    )


def load_team_history(
    session: Session, team: str, *, period: Period, time_zone: str
) -> tuple[ThroughputHistory, ThroughputWindow]:
    """The team's daily throughput over ``period``, read from the store."""
    since = start_of_day(period.start, time_zone)
    team_items = load_work_items(session, team=team, since=since)
    return team_history(team_items, team=team, period=period, time_zone=time_zone)


def explain_history(days: int, team: str, history: ThroughputHistory, trials: int) -> str:
    done = history.items_done
    return (
        f"From {days} days of {team} throughput "
        f"({done} item{'' if done == 1 else 's'} done), {trials:,} trials"
    )


def _why_not(items: Sequence[WorkItemFacts], remaining: int, team: str | None) -> str | None:
    """Why a feature cannot be forecast yet (None when it can)."""
    if not items:
        return "No work items are linked to this feature yet."
    if remaining == 0:
        return "Every linked work item is finished."
    if team is None:
        return "No team to forecast from: give the feature a team in the ledger."
    return None


def feature_forecast(
    session: Session,
    feature: FeatureFacts,
    items: Sequence[WorkItemFacts],
    *,
    today: date,
    time_zone: str,
    history_days: int = DEFAULT_HISTORY_DAYS,
    seed: int = DEFAULT_SEED,
    trials: int = DEFAULT_TRIALS,
) -> FeatureForecast:
    """Forecast the feature's remaining items from its team's recent throughput."""
    period = history_period(today, history_days)
    remaining = sum(1 for item in items if is_open(item))
    target = feature.target_date
    team = forecast_team(feature, items)
    reason = _why_not(items, remaining, team)
    if reason is None and team is not None:
        history, window = load_team_history(session, team, period=period, time_zone=time_zone)
        if history.items_done:
            return _forecast(history, window, remaining, target, today, seed, trials)
        reason = f"{team} finished no work items in the last {history_days} days."
    return _unavailable(reason or "", remaining=remaining, target=target, today=today, seed=seed)


def _forecast(
    history: ThroughputHistory,
    window: ThroughputWindow,
    remaining: int,
    target: date | None,
    today: date,
    seed: int,
    trials: int,
) -> FeatureForecast:
    """The Monte Carlo forecast of ``remaining`` items from ``history``."""
    completion = forecast_completion(
        history, remaining_items=remaining, start=today, trials=trials, seed=seed
    )
    chance = None
    if target is not None:
        chance = probability_of_finishing_by(
            history, remaining_items=remaining, start=today, target=target, trials=trials, seed=seed
        )
    return FeatureForecast(
        remaining_items=remaining,
        history=window,
        trials=trials,
        seed=seed,
        start=today,
        outcomes=completion.outcomes,
        unfinished_trials=completion.unfinished_trials,
        target_date=target,
        probability_of_meeting_target=chance,
        explanation=explain_history(window.days, window.team or "the team", history, trials),
    )


def item_rows(
    items: Iterable[WorkItemFacts],
) -> tuple[list[FeatureWorkItem], list[FeatureWorkItem]]:
    """The open items (in progress first) and the done ones (latest first) as page rows."""
    rows = [feature_work_item(item) for item in items]
    open_rows = sorted(
        (row for row in rows if row.category in {StatusCategory.TODO, StatusCategory.IN_PROGRESS}),
        key=lambda row: (row.category != StatusCategory.IN_PROGRESS, row.key),
    )
    done_rows = sorted(
        (row for row in rows if row.category is StatusCategory.DONE),
        key=lambda row: row.done_at or row.created_at,
        reverse=True,
    )
    return open_rows, done_rows


def feature_delivery(
    session: Session,
    feature_key: str,
    *,
    today: date,
    time_zone: str,
    history_days: int = DEFAULT_HISTORY_DAYS,
    seed: int = DEFAULT_SEED,
) -> FeatureDelivery:
    """The feature's work items, due-date slips and forecast against its target date."""
    get_feature(session, feature_key)  # NotFoundError naming the feature
    feature = load_features(session, keys=[feature_key])[0]
    items = load_work_items(session, feature=feature_key)
    forecast = feature_forecast(
        session,
        feature,
        items,
        today=today,
        time_zone=time_zone,
        history_days=history_days,
        seed=seed,
    )
    delay = feature_delay(
        feature, items, today=today, probability=forecast.probability_of_meeting_target
    )
    open_rows, done_rows = item_rows(items)
    redated = [s for s in map(item_due_date_slips, items) if s.redatings]
    return FeatureDelivery(
        feature=feature.key,
        title=feature.title,
        stage=feature.stage,
        team=forecast_team(feature, items),
        target_date=feature.target_date,
        days_past_target=delay.days_past_target,
        today=today,
        counts=item_counts(items),
        open_items=open_rows,
        done_items=done_rows[:DONE_ITEMS_SHOWN],
        target_slips=delay.target_slips,
        item_slips=delay.item_slips,
        redated_items=sorted(redated, key=lambda s: (-s.redatings, s.subject)),
        pull_requests=len(load_pull_requests(session, feature=feature_key)),
        forecast=forecast,
    )
