"""Monte Carlo forecast: prodloop (vectorised numpy) against a naive pure-Python loop.

Both answer "when will these 60 items be done?" at 50 / 85 / 95% from the same 90-day history
with 10,000 trials, in one run, and the ratio is printed. The budget from the delivery issue
is 10,000 trials in under 0.2 s.

    .venv/bin/python benchmarks/bench_forecast.py
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from prodloop.delivery.forecast import (
    CONFIDENCES,
    ThroughputHistory,
    forecast_completion,
    forecast_items,
)
from prodloop.delivery.periods import Period

TRIALS = 10_000
REMAINING_ITEMS = 60
HISTORY_DAYS = 90
BUDGET_SECONDS = 0.2
START = date(2025, 1, 6)


def sample_history() -> ThroughputHistory:
    """90 days of plausible daily throughput: quiet weekends, busy weekdays."""
    rng = random.Random(2025)
    first = START - timedelta(days=HISTORY_DAYS)
    counts = []
    for offset in range(HISTORY_DAYS):
        weekday = (first + timedelta(days=offset)).weekday()
        counts.append(0 if weekday >= 5 else rng.choice([0, 1, 1, 2, 2, 3, 4]))
    return ThroughputHistory(Period(first, START), tuple(counts))


def naive_completion_days(
    counts: Sequence[int], remaining: int, trials: int, seed: int
) -> dict[int, int]:
    """The reference: one trial at a time, one day at a time, in plain Python."""
    rng = random.Random(seed)
    days_needed = []
    for _ in range(trials):
        done = days = 0
        while done < remaining:
            done += rng.choice(counts)
            days += 1
        days_needed.append(days)
    days_needed.sort()
    return {c: days_needed[math.ceil(c * trials / 100) - 1] for c in CONFIDENCES}


def naive_items_done(counts: Sequence[int], days: int, trials: int, seed: int) -> dict[int, int]:
    """The reference for "how many by this date"."""
    rng = random.Random(seed)
    totals = sorted(sum(rng.choice(counts) for _ in range(days)) for _ in range(trials))
    return {c: totals[trials - math.ceil(c * trials / 100)] for c in CONFIDENCES}


@dataclass(frozen=True)
class Timing:
    """The first (cold) and fastest of several runs of one piece of work, and its answer."""

    first: float
    best: float
    answer: object


def timed(runs: int, work: Callable[[], object]) -> Timing:
    """Run ``work`` ``runs`` times."""
    seconds, answer = [], None
    for _ in range(runs):
        began = time.perf_counter()
        answer = work()
        seconds.append(time.perf_counter() - began)
    return Timing(first=seconds[0], best=min(seconds), answer=answer)


def report(name: str, ours: Timing, reference: Timing) -> bool:
    """Print one side-by-side comparison; True when prodloop's cold run met the budget."""
    within = ours.first < BUDGET_SECONDS
    print(name)
    print(
        f"  prodloop (numpy)        best {ours.best * 1000:7.1f} ms   "
        f"first call {ours.first * 1000:6.1f} ms   {ours.answer}"
    )
    print(
        f"  naive pure-Python loop  best {reference.best * 1000:7.1f} ms   "
        f"first call {reference.first * 1000:6.1f} ms   {reference.answer}"
    )
    print(
        f"  ratio naive/prodloop    {reference.best / ours.best:.1f}x (best runs); "
        f"budget {BUDGET_SECONDS * 1000:.0f} ms for a cold run: {'met' if within else 'MISSED'}"
    )
    return within


def main() -> int:
    """Run both questions side by side; exit 1 if prodloop misses the budget."""
    history = sample_history()
    counts = history.daily_counts
    print(
        f"{TRIALS:,} trials, {HISTORY_DAYS}-day history "
        f"(mean {sum(counts) / len(counts):.2f} items/day)\n"
    )
    completion = timed(
        5,
        lambda: {
            o.confidence: o.days
            for o in forecast_completion(
                history, remaining_items=REMAINING_ITEMS, start=START, trials=TRIALS, seed=1
            ).outcomes
        },
    )
    naive_completion = timed(3, lambda: naive_completion_days(counts, REMAINING_ITEMS, TRIALS, 1))
    ok = report(f"when will {REMAINING_ITEMS} items be done (days)", completion, naive_completion)
    end = START + timedelta(days=41)
    items = timed(
        5,
        lambda: {
            o.confidence: o.items
            for o in forecast_items(history, start=START, end=end, trials=TRIALS, seed=1).outcomes
        },
    )
    naive_items = timed(3, lambda: naive_items_done(counts, 42, TRIALS, 1))
    ok = report("how many items in the next 42 days", items, naive_items) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
