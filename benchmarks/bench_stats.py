"""Experiment analysis: prodloop's vectorised engine against GrowthBook's gbstats 0.8.0.

One experiment with 1,000 metrics x 4 variants (400 means, 300 conversion rates, 200 ratio
metrics, 100 CUPED-adjusted means), analysed from sufficient statistics: a relative Welch
t-test and a Bayesian effect test for each variant against the control, plus the
sample-ratio check. gbstats gets the same statistics through its own environment and is timed
inside that process (interpreter start-up and JSON excluded): its test classes called one
comparison at a time, and with ``--pipeline`` also its analysis entry point
``process_experiment_results`` (pandas, about two minutes here). The budget from the
experiments issue is under 1 s for prodloop.

    make gbstats  # once: the separate gbstats environment
    .venv/bin/python benchmarks/bench_stats.py [--pipeline]
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from gbstats_runner import call_gbstats, missing_gbstats

from prodloop.experiments.stats import (
    CovariateAdjusted,
    Proportion,
    RatioMetric,
    SampleMean,
    adjust_p_values,
    bayesian_test,
    sample_ratio_mismatch,
    sequential_test,
    welch_t_test,
)

VARIANTS = 4
MIX = {"mean": 400, "proportion": 300, "ratio": 200, "cuped": 100}
BUDGET_SECONDS = 1.0
REPEATS = 5
WEIGHTS = [0.25] * VARIANTS


def _normal_stats(
    rng: np.random.Generator, n: np.ndarray, mean: np.ndarray, sd: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(n, sum, sum of squares) of normal values, drawn exactly from their distributions."""
    sample_mean = rng.normal(mean, sd / np.sqrt(n))
    squares = sd**2 * rng.chisquare(n - 1) + n * sample_mean**2
    return n, n * sample_mean, squares


def _paired(
    rng: np.random.Generator, n: np.ndarray, rows: int
) -> tuple[SampleMean, SampleMean, np.ndarray]:
    """Two correlated per-unit values (numerator and denominator, or post and pre)."""
    first = _normal_stats(rng, n, rng.uniform(5, 50, (rows, 1)), rng.uniform(1, 20, (rows, 1)))
    second = _normal_stats(rng, n, rng.uniform(1, 5, (rows, 1)), rng.uniform(0.5, 2, (rows, 1)))
    spread_first = np.sqrt((first[2] - first[1] ** 2 / n) / (n - 1))
    spread_second = np.sqrt((second[2] - second[1] ** 2 / n) / (n - 1))
    rho = rng.uniform(0.2, 0.8, (rows, 1))
    products = (n - 1) * rho * spread_first * spread_second + first[1] * second[1] / n
    return SampleMean(*first), SampleMean(*second), products


def build_experiment(seed: int = 2025) -> dict[str, Any]:
    """Sufficient statistics for every metric, grouped by kind; the same units everywhere."""
    rng = np.random.default_rng(seed)
    units = rng.multinomial(400_000, WEIGHTS).astype(np.float64)
    statistics: dict[str, Any] = {}
    for kind, rows in MIX.items():
        n = np.broadcast_to(units, (rows, VARIANTS)).copy()
        if kind == "mean":
            mean, sd = rng.uniform(5, 50, (rows, 1)), rng.uniform(1, 30, (rows, 1))
            statistics[kind] = SampleMean(*_normal_stats(rng, n, mean, sd))
        elif kind == "proportion":
            rates = rng.uniform(0.02, 0.6, (rows, 1)) * rng.normal(1, 0.02, (rows, VARIANTS))
            statistics[kind] = Proportion(n, rng.binomial(n.astype(np.int64), rates))
        elif kind == "ratio":
            statistics[kind] = RatioMetric(*_paired(rng, n, rows))
        else:
            statistics[kind] = CovariateAdjusted(*_paired(rng, n, rows))
    return {"units": units, "statistics": statistics}


def analyse(experiment: dict[str, Any]) -> None:
    """The work gbstats does: relative Welch and Bayesian tests for every cell, and SRM."""
    for metric in experiment["statistics"].values():
        welch_t_test(metric)
        bayesian_test(metric)
    sample_ratio_mismatch(experiment["units"], WEIGHTS)


def analyse_fully(experiment: dict[str, Any]) -> None:
    """prodloop's fuller readout: adds sequential tests and Holm across the experiment."""
    p_values = []
    for metric in experiment["statistics"].values():
        p_values.append(welch_t_test(metric).p_value)
        bayesian_test(metric)
        sequential_test(metric)
    adjust_p_values(np.vstack(p_values), method="holm", scope="experiment")
    sample_ratio_mismatch(experiment["units"], WEIGHTS)


def best_of(work: Callable[[], None], repeats: int = REPEATS) -> float:
    """The fastest of several runs, in seconds."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def _mean_arm(statistic: SampleMean | Proportion, m: int, v: int) -> dict[str, float]:
    return {
        "n": float(statistic.n[m, v]),
        "sum": float(statistic.sum[m, v]),
        "sum_squares": float(statistic.sum_squares[m, v]),
    }


def _arm(kind: str, metric: Any, m: int, v: int) -> dict[str, Any]:
    if kind in ("mean", "proportion"):
        return _mean_arm(metric, m, v)
    first, second = (
        (metric.numerator, metric.denominator) if kind == "ratio" else (metric.post, metric.pre)
    )
    names = ("numerator", "denominator") if kind == "ratio" else ("post", "pre")
    return {
        "n": float(metric.n[m, v]),
        names[0]: _mean_arm(first, m, v),
        names[1]: _mean_arm(second, m, v),
        f"{names[0]}_kind": "mean",
        f"{names[1]}_kind": "mean",
        "sum_of_products": float(metric.sum_of_products[m, v]),
    }


def gbstats_request(experiment: dict[str, Any], *, pipeline: bool) -> dict[str, Any]:
    """The same statistics in the gbstats runner's benchmark format."""
    metrics = []
    for kind, metric in experiment["statistics"].items():
        for m in range(metric.n.shape[0]):
            arms = [_arm(kind, metric, m, v) for v in range(VARIANTS)]
            metrics.append({"statistic": kind, "arms": arms})
    return {
        "benchmark": {"metrics": metrics, "weights": WEIGHTS, "repeats": 1, "pipeline": pipeline}
    }


def main() -> None:
    experiment = build_experiment()
    cells = sum(MIX.values())
    ours = best_of(lambda: analyse(experiment))
    fuller = best_of(lambda: analyse_fully(experiment))
    print(f"{cells:,} metrics x {VARIANTS} variants from sufficient statistics")
    print(f"prodloop (Welch + Bayesian + SRM):          {ours:8.3f} s (best of {REPEATS})")
    print(f"prodloop (+ sequential + Holm correction):  {fuller:8.3f} s (best of {REPEATS})")
    verdict = "within" if ours < BUDGET_SECONDS else "OVER"
    print(f"budget {BUDGET_SECONDS:.1f} s: {verdict}")
    reason = missing_gbstats()
    if reason is not None:
        print(f"gbstats: not run ({reason})")
        return
    request = gbstats_request(experiment, pipeline="--pipeline" in sys.argv[1:])
    timings = call_gbstats(request)["benchmark"]
    for label, key in (
        ("gbstats test classes, one by one:", "direct_seconds"),
        ("gbstats process_experiment_results:", "pipeline_seconds"),
    ):
        if key not in timings:
            continue
        seconds = timings[key]
        print(f"{label:44}{seconds:8.3f} s  (prodloop is {seconds / ours:,.0f}x faster)")


if __name__ == "__main__":
    main()
