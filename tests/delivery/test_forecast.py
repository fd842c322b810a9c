"""Monte Carlo forecasts against analytic answers: constant and Bernoulli throughput."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prodloop.delivery import forecast
from prodloop.delivery.flow import open_items_by_feature
from prodloop.delivery.forecast import (
    ThroughputHistory,
    forecast_completion,
    forecast_items,
    probabilities_of_meeting_targets,
    probability_of_finishing_by,
)
from prodloop.delivery.periods import Period
from tests.delivery.maths_helpers import utc, work_item

START = date(2025, 1, 6)


def history_of(counts: list[int]) -> ThroughputHistory:
    """A history window of ``len(counts)`` days ending the day before START."""
    first = START - timedelta(days=len(counts))
    return ThroughputHistory(Period(first, START), tuple(counts))


def binomial_at_least(days: int, p: float, items: int) -> float:
    """P(Binomial(days, p) >= items), exactly."""
    return sum(math.comb(days, k) * p**k * (1 - p) ** (days - k) for k in range(items, days + 1))


def negative_binomial_days(items: int, p: float, confidence: int) -> int:
    """The smallest d with P(items successes within d Bernoulli(p) days) >= confidence %."""
    days = items
    while binomial_at_least(days, p, items) < confidence / 100:
        days += 1
    return days


def binomial_count(days: int, p: float, confidence: int) -> int:
    """The largest c with P(Binomial(days, p) >= c) >= confidence %."""
    count = 0
    while binomial_at_least(days, p, count + 1) >= confidence / 100:
        count += 1
    return count


# --- constant throughput: the answer is exact ----------------------------------------------


@settings(max_examples=40, deadline=None)
@given(per_day=st.integers(1, 6), remaining=st.integers(1, 300), seed=st.integers(0, 2**32))
def test_constant_throughput_takes_exactly_ceil_n_over_k_days(
    per_day: int, remaining: int, seed: int
) -> None:
    result = forecast_completion(
        history_of([per_day] * 14), remaining_items=remaining, start=START, trials=300, seed=seed
    )
    days = math.ceil(remaining / per_day)
    for outcome in result.outcomes:
        assert outcome.days == days
        assert outcome.finish_date == START + timedelta(days=days - 1)
    assert result.unfinished_trials == 0


@settings(max_examples=30, deadline=None)
@given(per_day=st.integers(0, 6), days=st.integers(0, 90))
def test_constant_throughput_finishes_exactly_k_items_a_day(per_day: int, days: int) -> None:
    end = START + timedelta(days=days - 1)
    result = forecast_items(history_of([per_day] * 10), start=START, end=end, trials=200)
    assert result.days == days
    assert {outcome.items for outcome in result.outcomes} == {per_day * days}


def test_chunked_simulation_gives_the_same_exact_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(forecast, "MAX_DRAWS_PER_CHUNK", 1_000)  # forces many small chunks
    result = forecast_completion(history_of([2] * 5), remaining_items=501, start=START, trials=50)
    assert {outcome.days for outcome in result.outcomes} == {251}
    items = forecast_items(history_of([3] * 5), start=START, end=START + timedelta(99), trials=50)
    assert {outcome.items for outcome in items.outcomes} == {300}


# --- Bernoulli throughput: negative-binomial and binomial quantiles ------------------------


@pytest.mark.parametrize(
    ("successes", "failures", "remaining"), [(2, 3, 10), (1, 3, 5), (4, 1, 30)]
)
def test_bernoulli_completion_matches_the_negative_binomial(
    successes: int, failures: int, remaining: int
) -> None:
    p = successes / (successes + failures)
    trials = 10_000
    result = forecast_completion(
        history_of([1] * successes + [0] * failures),
        remaining_items=remaining,
        start=START,
        trials=trials,
        seed=7,
    )
    for outcome in result.outcomes:
        exact = negative_binomial_days(remaining, p, outcome.confidence)
        assert outcome.days is not None
        assert abs(outcome.days - exact) <= 1
        # The simulated quantile must be consistent with the exact CDF within Monte Carlo error.
        share = outcome.confidence / 100
        error = 4 * math.sqrt(share * (1 - share) / trials)
        assert binomial_at_least(outcome.days, p, remaining) >= share - error
        assert binomial_at_least(outcome.days - 1, p, remaining) <= share + error


def test_bernoulli_counts_match_the_binomial() -> None:
    p, days, trials = 0.4, 30, 10_000
    result = forecast_items(
        history_of([1, 1, 0, 0, 0]),
        start=START,
        end=START + timedelta(days=days - 1),
        trials=trials,
        seed=11,
    )
    for outcome in result.outcomes:
        exact = binomial_count(days, p, outcome.confidence)
        assert abs(outcome.items - exact) <= 1
        share = outcome.confidence / 100
        error = 4 * math.sqrt(share * (1 - share) / trials)
        assert binomial_at_least(days, p, outcome.items) >= share - error
        assert binomial_at_least(days, p, outcome.items + 1) <= share + error
    # Higher confidence never promises more.
    counts = [outcome.items for outcome in result.outcomes]
    assert counts == sorted(counts, reverse=True)


def test_probability_of_meeting_a_target_date() -> None:
    history = history_of([1, 1, 0, 0, 0])  # p = 0.4
    target = START + timedelta(days=24)  # 25 working days
    trials = 10_000
    chance = probability_of_finishing_by(
        history, remaining_items=10, start=START, target=target, trials=trials, seed=3
    )
    exact = binomial_at_least(25, 0.4, 10)
    assert abs(chance - exact) <= 4 * math.sqrt(exact * (1 - exact) / trials)
    assert probability_of_finishing_by(history, remaining_items=0, start=START, target=START) == 1
    before = START - timedelta(days=1)
    assert probability_of_finishing_by(history, remaining_items=1, start=START, target=before) == 0


# --- reproducibility and edges -------------------------------------------------------------


def test_same_seed_same_forecast_and_seeds_matter() -> None:
    history = history_of([0, 1, 3, 0, 2, 5, 1, 0, 0, 4])
    first = forecast_completion(history, remaining_items=40, start=START, seed=42)
    again = forecast_completion(history, remaining_items=40, start=START, seed=42)
    assert first == again
    others = {
        forecast_completion(history, remaining_items=40, start=START, trials=50, seed=seed).at(85)
        for seed in range(8)
    }
    assert len(others) > 1
    days = [first.at(confidence).days for confidence in (50, 85, 95)]
    assert days == sorted(d for d in days if d is not None)  # all known, never decreasing
    assert first.trials == 10_000
    assert first.history == history.period


def test_no_throughput_means_no_date() -> None:
    result = forecast_completion(history_of([0] * 30), remaining_items=5, start=START, trials=100)
    assert result.unfinished_trials == 100
    assert {(o.days, o.finish_date) for o in result.outcomes} == {(None, None)}


def test_dates_beyond_the_horizon_are_not_promised() -> None:
    history = history_of([1] + [0] * 9)  # one item every ten days on average
    result = forecast_completion(
        history, remaining_items=20, start=START, trials=500, horizon_days=60
    )
    assert result.unfinished_trials > 400
    assert result.at(50).finish_date is None


def test_history_from_work_items_and_validation() -> None:
    items = [
        work_item("F-1", utc(2025, 1, 1), done=utc(2025, 1, 2, 10)),
        work_item("F-2", utc(2025, 1, 1), done=utc(2025, 1, 2, 11)),
        work_item("F-3", utc(2025, 1, 1), done=utc(2025, 1, 4, 9)),
    ]
    window = Period(date(2025, 1, 1), date(2025, 1, 5))
    history = ThroughputHistory.from_items(items, period=window, time_zone="UTC")
    assert history.daily_counts == (0, 2, 0, 1)
    assert history.items_done == 3
    with pytest.raises(ValueError, match="daily counts"):
        ThroughputHistory(window, (1, 2))
    with pytest.raises(ValueError, match="negative"):
        ThroughputHistory(window, (1, -2, 0, 0))
    with pytest.raises(ValueError, match="no days"):
        ThroughputHistory(Period(START, START), ())
    with pytest.raises(ValueError, match="at least one remaining"):
        forecast_completion(history, remaining_items=0, start=START)
    with pytest.raises(ValueError, match="trial"):
        forecast_items(history, start=START, end=START, trials=0)
    with pytest.raises(ValueError, match="percentages"):
        forecast_items(history, start=START, end=START, confidences=(0,))


def test_confidence_ranks_are_integer_exact() -> None:
    ordered = np.arange(1, 10_001, dtype=np.int64)
    assert forecast.days_at_confidence(ordered, 85) == 8_500
    assert forecast.items_at_confidence(ordered, 85) == 1_501  # 8,500 trials reach >= 1,501


def test_probability_of_each_feature_meeting_its_target() -> None:
    items = [
        work_item("A-1", utc(2025, 1, 1), feature="F-A"),
        work_item("A-2", utc(2025, 1, 1), feature="F-A", started=utc(2025, 1, 2)),
        work_item("A-3", utc(2025, 1, 1), feature="F-A", done=utc(2025, 1, 3)),
        work_item("B-1", utc(2025, 1, 1), feature="F-B", cancelled=True),
        work_item("C-1", utc(2025, 1, 1)),
    ]
    remaining = open_items_by_feature(items)
    assert remaining == {"F-A": 2}
    chances = probabilities_of_meeting_targets(
        history_of([1] * 10),
        remaining_items=remaining,
        target_dates={"F-A": START + timedelta(days=1), "F-B": START, "F-Z": START},
        start=START,
        trials=100,
    )
    assert chances == {"F-A": 1.0, "F-B": 1.0, "F-Z": 1.0}
    too_soon = probabilities_of_meeting_targets(
        history_of([1] * 10), remaining_items=remaining, target_dates={"F-A": START}, start=START
    )
    assert too_soon == {"F-A": 0.0}  # one item a day: the second is done a day late
