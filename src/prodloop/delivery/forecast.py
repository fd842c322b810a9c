"""Monte Carlo delivery forecasts from a stated history of daily throughput (ActionableAgile).

Each trial replays the future one local day at a time, starting on ``start`` (day 1), and
draws that day's number of completed items at random, with replacement, from the daily
throughput of the history window — days with nothing done included. Then:

* **when will N items be done** — a trial finishes on the first day its running total
  reaches N. The date at confidence c is the earliest date by which at least c% of the
  trials had finished;
* **how many items by a date** — the total over the days from ``start`` to ``end``
  inclusive. The count at confidence c is the largest count reached or exceeded in at least
  c% of the trials;
* **probability of meeting a target date** — the share of trials whose total by the target
  date reaches N.

With a constant history (k items every day) every trial needs exactly ceil(N / k) days, at
every confidence. Trials run vectorised in numpy from one ``numpy.random.Generator`` seeded
with ``seed``, so the same inputs and seed always give the same forecast.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

from prodloop.delivery.facts import WorkItemFacts
from prodloop.delivery.flow import daily_throughput
from prodloop.delivery.periods import Period

CONFIDENCES = (50, 85, 95)
DEFAULT_TRIALS = 10_000
DEFAULT_SEED = 0
DEFAULT_HORIZON_DAYS = 3_650
# Upper bound on random draws held in memory at once (trials x days).
MAX_DRAWS_PER_CHUNK = 2_000_000

Counts = npt.NDArray[np.int64]


@dataclass(frozen=True)
class ThroughputHistory:
    """Items completed on each local day of ``period`` (oldest first): the sampling pool."""

    period: Period
    daily_counts: tuple[int, ...]

    def __post_init__(self) -> None:
        if len(self.daily_counts) != self.period.days:
            raise ValueError(
                f"{len(self.daily_counts)} daily counts for a {self.period.days}-day history"
            )
        if not self.daily_counts:
            raise ValueError("the history window holds no days")
        if min(self.daily_counts) < 0:
            raise ValueError("daily throughput cannot be negative")

    @classmethod
    def from_items(
        cls, items: Iterable[WorkItemFacts], *, period: Period, time_zone: str
    ) -> ThroughputHistory:
        """The daily throughput of ``items`` over ``period`` in ``time_zone``."""
        return cls(period, daily_throughput(items, period=period, time_zone=time_zone))

    @property
    def items_done(self) -> int:
        """Items completed in the whole window."""
        return sum(self.daily_counts)

    def as_array(self) -> Counts:
        """The daily counts as an int64 array."""
        return np.asarray(self.daily_counts, dtype=np.int64)


@dataclass(frozen=True)
class ForecastDate:
    """Days of work needed (``start`` is day 1) and the finish date at one confidence.

    None when fewer than ``confidence`` % of trials finished within the horizon.
    """

    confidence: int
    days: int | None
    finish_date: date | None


@dataclass(frozen=True)
class CompletionForecast:
    """ "When will these N items be done?" at each confidence."""

    remaining_items: int
    start: date
    history: Period
    trials: int
    seed: int
    unfinished_trials: int
    outcomes: tuple[ForecastDate, ...]

    def at(self, confidence: int) -> ForecastDate:
        """The outcome at ``confidence`` percent."""
        return next(o for o in self.outcomes if o.confidence == confidence)


@dataclass(frozen=True)
class ForecastCount:
    """Items done by the end date in at least ``confidence`` % of trials."""

    confidence: int
    items: int


@dataclass(frozen=True)
class ItemsForecast:
    """ "How many items by this date?" at each confidence."""

    start: date
    end: date
    days: int
    history: Period
    trials: int
    seed: int
    outcomes: tuple[ForecastCount, ...]

    def at(self, confidence: int) -> ForecastCount:
        """The outcome at ``confidence`` percent."""
        return next(o for o in self.outcomes if o.confidence == confidence)


# --- the simulation -----------------------------------------------------------------------


def simulate_items_done(
    daily_counts: Counts, *, days: int, trials: int, rng: np.random.Generator
) -> Counts:
    """Per trial, the items completed over ``days`` sampled days."""
    totals = np.zeros(trials, dtype=np.int64)
    width = max(1, MAX_DRAWS_PER_CHUNK // max(trials, 1))
    for offset in range(0, days, width):
        draws = rng.integers(0, daily_counts.size, size=(trials, min(width, days - offset)))
        totals += daily_counts[draws].sum(axis=1)
    return totals


def simulate_days_to_finish(
    daily_counts: Counts,
    *,
    remaining_items: int,
    trials: int,
    rng: np.random.Generator,
    horizon_days: int,
) -> Counts:
    """Per trial, the day (1-based) its running total reaches ``remaining_items``.

    Trials still short after ``horizon_days`` get ``horizon_days + 1``.
    """
    finish = np.full(trials, horizon_days + 1, dtype=np.int64)
    if daily_counts.sum() == 0:
        return finish
    done = np.zeros(trials, dtype=np.int64)
    active = np.arange(trials)
    expected_days = remaining_items / float(daily_counts.mean())
    elapsed = 0
    while active.size and elapsed < horizon_days:
        width = min(
            math.ceil(expected_days * 1.25) + 8,
            max(1, MAX_DRAWS_PER_CHUNK // active.size),
            horizon_days - elapsed,
        )
        draws = daily_counts[rng.integers(0, daily_counts.size, size=(active.size, width))]
        running = done[active, None] + np.cumsum(draws, axis=1)
        reached = running >= remaining_items
        finished = reached[:, -1]  # running totals never fall, so the last column decides
        finish[active[finished]] = elapsed + reached[finished].argmax(axis=1) + 1
        done[active] = running[:, -1]
        active = active[~finished]
        elapsed += width
    return finish


def days_at_confidence(sorted_days: Counts, confidence: int) -> int:
    """The smallest d with at least ``confidence`` % of trials finished by day d."""
    index = _ceil_share(sorted_days.size, confidence) - 1
    return int(sorted_days[max(index, 0)])


def items_at_confidence(sorted_items: Counts, confidence: int) -> int:
    """The largest count reached or exceeded by at least ``confidence`` % of trials."""
    index = sorted_items.size - _ceil_share(sorted_items.size, confidence)
    return int(sorted_items[min(max(index, 0), sorted_items.size - 1)])


def _ceil_share(trials: int, confidence: int) -> int:
    # ceil(trials * confidence / 100) in integers, so 85% of 10,000 is exactly 8,500.
    return -(-trials * confidence // 100)


def _check(trials: int, confidences: Sequence[int]) -> None:
    if trials < 1:
        raise ValueError("a forecast needs at least one trial")
    if any(not 0 < c <= 100 for c in confidences):
        raise ValueError("confidences are percentages within 1..100")


# --- the questions people ask -------------------------------------------------------------


def forecast_completion(
    history: ThroughputHistory,
    *,
    remaining_items: int,
    start: date,
    trials: int = DEFAULT_TRIALS,
    seed: int = DEFAULT_SEED,
    confidences: Sequence[int] = CONFIDENCES,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
) -> CompletionForecast:
    """When will ``remaining_items`` items be done, working from ``start``?"""
    _check(trials, confidences)
    if remaining_items < 1:
        raise ValueError("forecast at least one remaining item")
    rng = np.random.default_rng(seed)
    finish = np.sort(
        simulate_days_to_finish(
            history.as_array(),
            remaining_items=remaining_items,
            trials=trials,
            rng=rng,
            horizon_days=horizon_days,
        )
    )
    return CompletionForecast(
        remaining_items=remaining_items,
        start=start,
        history=history.period,
        trials=trials,
        seed=seed,
        unfinished_trials=int((finish > horizon_days).sum()),
        outcomes=tuple(
            _forecast_date(finish, confidence, start, horizon_days) for confidence in confidences
        ),
    )


def _forecast_date(finish: Counts, confidence: int, start: date, horizon_days: int) -> ForecastDate:
    """The finish day and date at ``confidence`` from sorted per-trial finish days."""
    days = days_at_confidence(finish, confidence)
    if days > horizon_days:
        return ForecastDate(confidence, None, None)
    return ForecastDate(confidence, days, start + timedelta(days=days - 1))


def forecast_items(
    history: ThroughputHistory,
    *,
    start: date,
    end: date,
    trials: int = DEFAULT_TRIALS,
    seed: int = DEFAULT_SEED,
    confidences: Sequence[int] = CONFIDENCES,
) -> ItemsForecast:
    """How many items will be done from ``start`` to ``end`` (both days included)?"""
    _check(trials, confidences)
    days = max((end - start).days + 1, 0)
    totals = np.sort(
        simulate_items_done(
            history.as_array(), days=days, trials=trials, rng=np.random.default_rng(seed)
        )
    )
    return ItemsForecast(
        start=start,
        end=end,
        days=days,
        history=history.period,
        trials=trials,
        seed=seed,
        outcomes=tuple(ForecastCount(c, items_at_confidence(totals, c)) for c in confidences),
    )


def probability_of_finishing_by(
    history: ThroughputHistory,
    *,
    remaining_items: int,
    start: date,
    target: date,
    trials: int = DEFAULT_TRIALS,
    seed: int = DEFAULT_SEED,
) -> float:
    """Share of trials that finish ``remaining_items`` items by the end of ``target``."""
    _check(trials, ())
    if remaining_items <= 0:
        return 1.0
    days = (target - start).days + 1
    if days <= 0:
        return 0.0
    totals = simulate_items_done(
        history.as_array(), days=days, trials=trials, rng=np.random.default_rng(seed)
    )
    return float((totals >= remaining_items).mean())


def probabilities_of_meeting_targets(
    history: ThroughputHistory,
    *,
    remaining_items: Mapping[str, int],
    target_dates: Mapping[str, date],
    start: date,
    trials: int = DEFAULT_TRIALS,
    seed: int = DEFAULT_SEED,
) -> dict[str, float]:
    """Per feature key with a target date, the chance its remaining items are done by then.

    Every feature is forecast from the same history and seed (common random numbers), so
    features compare fairly; a feature with no remaining items has probability 1.
    """
    return {
        key: probability_of_finishing_by(
            history,
            remaining_items=remaining_items.get(key, 0),
            start=start,
            target=target,
            trials=trials,
            seed=seed,
        )
        for key, target in target_dates.items()
    }
