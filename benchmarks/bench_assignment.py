"""Flag assignment in-process: prodloop's evaluators against GrowthBook's Python SDK.

The common case from the experiments issue: one flag with a rollout (80%) and two variants
(50/50), no targeting rules, decided for UUID-shaped person ids. Every path is checked to give
GrowthBook's variants on a sample before it is timed. Figures are evaluations per second, best
of three runs:

* GrowthBook ``eval_feature`` — the reference: the SDK's own evaluation of the equivalent
  feature (``benchmarks/growthbook_reference.py``), one person at a time;
* prodloop ``evaluate`` — the unoptimised reference semantics;
* ``FlagSet.decide``, cold — every person seen for the first time (hashing dominates);
* ``FlagSet.decide``, warm — a server's working set of signed-in people asked about again and
  again (memoised decisions);
* ``FlagSet.decide_many`` — numpy over a million ids, given as a numpy array and as a Python
  list (converting the list is part of the work).

The budget from the experiments issue is 1,000,000 evaluations per second in-process.

    .venv/bin/python benchmarks/bench_assignment.py
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable

import numpy as np
from growthbook_reference import GrowthBookFlags, missing_growthbook

from prodloop.experiments.flags import Context, FlagConfig, FlagSet, InMemoryExposureSink, evaluate

BUDGET = 1_000_000
REPEATS = 3
ROUNDS = 20
CONFIG = FlagConfig.model_validate(
    {
        "key": "checkout",
        "enabled": True,
        "coverage": 0.8,
        "variants": [{"key": "control", "weight": 0.5}, {"key": "treatment", "weight": 0.5}],
    }
)


def person_ids(count: int, seed: int) -> list[str]:
    """UUID-shaped ids, reproducibly."""
    rng = random.Random(seed)
    return [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(count)]


def rate(work: Callable[[], object], evaluations: int) -> float:
    """Evaluations per second: the best of a few runs."""
    best = float("inf")
    for _ in range(REPEATS):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return evaluations / best


def decide_each(flags: FlagSet, units: list[str], *, track: bool = False) -> None:
    """One ``decide`` call per unit, the way a server asks."""
    decide = flags.decide
    for unit in units:
        decide("checkout", unit, track=track)


def measure() -> list[tuple[str, float]]:
    """(label, evaluations per second) for every path."""
    few, cold, working_set = person_ids(20_000, 1), person_ids(200_000, 2), person_ids(10_000, 3)
    many = person_ids(1_000_000, 4)
    many_array = np.asarray(many)
    contexts = [Context(unit) for unit in few]
    warm = FlagSet.compile([CONFIG])
    tracked = FlagSet.compile([CONFIG], sink=InMemoryExposureSink())
    runs: list[tuple[str, Callable[[], object], int]] = []
    if missing_growthbook() is None:
        growthbook = GrowthBookFlags([CONFIG])
        reference = (lambda: [growthbook.decide("checkout", unit) for unit in few], len(few))
        runs.append(("GrowthBook eval_feature (reference)", *reference))
    runs += [
        (
            "prodloop evaluate (unoptimised)",
            lambda: [evaluate(CONFIG, c) for c in contexts],
            len(few),
        ),
        # A fresh FlagSet every run, so every id is new to it.
        (
            "prodloop FlagSet.decide, cold",
            lambda: decide_each(FlagSet.compile([CONFIG]), cold),
            len(cold),
        ),
        (
            "prodloop FlagSet.decide, warm",
            lambda: decide_each(warm, working_set * ROUNDS),
            len(working_set) * ROUNDS,
        ),
        (
            "prodloop FlagSet.decide, warm, tracked",
            lambda: decide_each(tracked, working_set, track=True),
            len(working_set),
        ),
        (
            "prodloop decide_many, numpy array of ids",
            lambda: warm.decide_many("checkout", many_array),
            len(many),
        ),
        (
            "prodloop decide_many, Python list of ids",
            lambda: warm.decide_many("checkout", many),
            len(many),
        ),
    ]
    return [(label, rate(work, count)) for label, work, count in runs]


def check_against_growthbook() -> str:
    """Whether every path gives GrowthBook's variants on a sample of ids."""
    if missing_growthbook() is not None:
        return "not checked (growthbook not installed)"
    sample = person_ids(5_000, 5)
    growthbook = GrowthBookFlags([CONFIG])
    theirs = [growthbook.decide("checkout", unit)[0] for unit in sample]
    flags = FlagSet.compile([CONFIG])
    batch = flags.decide_many("checkout", sample)
    paths = {
        "evaluate": [evaluate(CONFIG, Context(unit)).variant for unit in sample],
        "decide": [flags.decide("checkout", unit).variant for unit in sample],
        "decide_many": [batch[row].variant for row in range(len(sample))],
    }
    wrong = [name for name, variants in paths.items() if variants != theirs]
    return "all paths agree" if not wrong else f"DISAGREE: {', '.join(wrong)}"


def main() -> None:
    print("1 flag: 80% rollout, 2 variants 50/50, no rules; UUID person ids")
    print(f"GrowthBook check on 5,000 ids: {check_against_growthbook()}")
    results = measure()
    reference = dict(results).get("GrowthBook eval_feature (reference)")
    if reference is None:
        print(f"GrowthBook: not run ({missing_growthbook()})")
    for label, per_second in results:
        ratio = f"{per_second / reference:8.1f}x GrowthBook" if reference else ""
        verdict = "within" if per_second >= BUDGET else "under"
        print(f"{label:42}{per_second:14,.0f} evals/s  {ratio}  ({verdict} 1M/s budget)")


if __name__ == "__main__":
    main()
