"""Same answers as GrowthBook's gbstats 0.8.0, to 1e-6, on seeded random experiments.

Every method both engines implement is run on the same sufficient statistics: Welch t-tests
(absolute and relative, two- and one-sided), proportions, ratio metrics, CUPED, quantiles,
sequential tests, the Bayesian effect test (flat and proper priors, inverse metrics) and the
sample-ratio check. All cases go to gbstats in one subprocess call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from prodloop.experiments.stats import (
    BayesianResult,
    FrequentistResult,
    GaussianPrior,
    QuantileSample,
    SampleMean,
    bayesian_test,
    sample_ratio_mismatch,
    sequential_test,
    welch_t_test,
)
from tests.experiments.conftest import GbstatsCall
from tests.experiments.samples import (
    comparison_cases,
    random_cuped,
    random_means,
    random_proportions,
    random_quantiles,
    random_ratios,
)

TOLERANCE = 1e-6
SEED = 20250604
# 10 metrics x 3 variants: 30 random comparisons per metric kind and test, about 1,900 cases
# (gbstats takes several milliseconds for a Bayesian or quantile case).
METRICS, VARIANTS = 10, 4


def _metrics() -> dict[str, Any]:
    rng = np.random.default_rng(SEED)
    return {
        "mean": random_means(rng, METRICS, VARIANTS),
        "proportion": random_proportions(rng, METRICS, VARIANTS),
        "ratio": random_ratios(rng, METRICS, VARIANTS),
        "cuped": random_cuped(rng, METRICS, VARIANTS),
        "cuped-binary": random_cuped(rng, METRICS, VARIANTS, binary=True),
        "p50": random_quantiles(rng, METRICS, VARIANTS, 0.5),
        "p90": random_quantiles(rng, METRICS, VARIANTS, 0.9),
    }


def _edge_metrics() -> dict[str, Any]:
    """Comparisons neither engine can analyse, next to one each can."""
    means = SampleMean(
        n=[[100, 100], [100, 100], [1, 50], [0, 40], [100, 100]],
        sum=[[0, 50], [500, 500], [3, 100], [0, 80], [500, 520]],
        sum_squares=[[0, 60], [2500, 2500], [9, 300], [0, 200], [3000, 3100]],
    )
    quantiles = QuantileSample(
        0.9,
        n=[[30, 500], [500, 500], [500, 500]],
        estimate=[[200, 210], [200, 200], [200, 215]],
        lower=[[180, 190], [200, 200], [190, 200]],
        upper=[[220, 230], [200, 200], [215, 230]],
    )
    return {"edge-mean": means, "edge-p90": quantiles}


EDGE_TESTS = ("welch-relative", "sequential-relative", "bayesian-flat")
PRIOR = GaussianPrior(mean=0.01, variance=0.05**2, proper=True)
ABSOLUTE_PRIOR = GaussianPrior(mean=0.5, variance=4.0, proper=True, scale="absolute")
# name: (our test, runner settings)
TESTS: dict[str, tuple[Any, dict[str, Any]]] = {
    "welch-relative": (
        lambda m: welch_t_test(m),
        {"test": "two-sided", "difference": "relative"},
    ),
    "welch-absolute-alpha-10%": (
        lambda m: welch_t_test(m, difference="absolute", alpha=0.1),
        {"test": "two-sided", "difference": "absolute", "alpha": 0.1},
    ),
    "greater-non-inferiority": (
        lambda m: welch_t_test(m, alternative="greater", null_lift=-0.02),
        {"test": "greater", "difference": "relative", "test_value": -0.02},
    ),
    "less-guardrail": (
        lambda m: welch_t_test(m, alternative="less", null_lift=0.01),
        {"test": "less", "difference": "relative", "test_value": 0.01},
    ),
    "sequential-relative": (
        lambda m: sequential_test(m),
        {"test": "sequential", "difference": "relative"},
    ),
    "sequential-absolute-tuned": (
        lambda m: sequential_test(m, difference="absolute", alpha=0.1, tuning=1200),
        {"test": "sequential", "difference": "absolute", "alpha": 0.1, "tuning": 1200},
    ),
    "bayesian-flat": (
        lambda m: bayesian_test(m),
        {"test": "bayesian", "difference": "relative"},
    ),
    "bayesian-proper-absolute-inverse": (
        lambda m: bayesian_test(m, prior=PRIOR, difference="absolute", higher_is_better=False),
        {
            "test": "bayesian",
            "difference": "absolute",
            "inverse": True,
            "prior": {"mean": 0.01, "variance": 0.05**2, "proper": True},
        },
    ),
    "bayesian-absolute-prior-on-relative": (
        lambda m: bayesian_test(m, prior=ABSOLUTE_PRIOR),
        {
            "test": "bayesian",
            "difference": "relative",
            "prior": {"mean": 0.5, "variance": 4.0, "proper": True, "scale": "absolute"},
        },
    ),
}


def _srm_checks() -> list[dict[str, Any]]:
    """Unit counts drawn around random planned weights, some far enough off to be flagged."""
    rng = np.random.default_rng(SEED)
    checks = []
    for _ in range(200):
        arms = int(rng.integers(2, 6))
        weights = rng.dirichlet(np.ones(arms) * 5)
        units = rng.multinomial(int(rng.integers(50, 200_000)), rng.dirichlet(weights * 400))
        checks.append({"units": units.tolist(), "weights": weights.tolist()})
    return checks


@dataclass(frozen=True)
class Pairing:
    """Our result for one metric kind and test, and gbstats's answers for the same cells."""

    ours: FrequentistResult | BayesianResult
    theirs: list[dict[str, Any]]


@pytest.fixture(scope="module")
def gbstats_answers(gbstats: GbstatsCall) -> tuple[dict[str, Pairing], list[float]]:
    """Every metric kind x test and every SRM check through gbstats, in one call."""
    cases: list[dict[str, Any]] = []
    spans: dict[str, tuple[Any, int, int]] = {}
    for kind, metric in (_metrics() | _edge_metrics()).items():
        for name, (ours, settings) in TESTS.items():
            start = len(cases)
            cases.extend(comparison_cases(metric, **settings))
            spans[f"{kind}/{name}"] = (ours(metric), start, len(cases))
    answers = gbstats({"cases": cases, "srm": _srm_checks()})
    theirs = answers["cases"]
    pairings = {key: Pairing(ours, theirs[a:b]) for key, (ours, a, b) in spans.items()}
    return pairings, answers["srm"]


@pytest.fixture(scope="module")
def pairings(gbstats_answers: tuple[dict[str, Pairing], list[float]]) -> dict[str, Pairing]:
    """Our result and gbstats's answers per metric kind and test."""
    return gbstats_answers[0]


def _column(theirs: list[dict[str, Any]], pick: Any) -> np.ndarray:
    return np.array([pick(answer) for answer in theirs], dtype=np.float64)


def _close(ours: np.ndarray, theirs: np.ndarray, label: str) -> None:
    ours = ours.ravel()
    infinite = np.isinf(theirs)
    assert np.array_equal(np.isinf(ours), infinite), label
    assert np.array_equal(ours[infinite], theirs[infinite]), label
    np.testing.assert_allclose(ours[~infinite], theirs[~infinite], rtol=0, atol=TOLERANCE)


KINDS = ("mean", "proportion", "ratio", "cuped", "cuped-binary", "p50", "p90")
PAIRING_KEYS = [f"{kind}/{name}" for kind in KINDS for name in TESTS]


@pytest.mark.parametrize("key", PAIRING_KEYS)
def test_matches_gbstats(pairings: dict[str, Pairing], key: str) -> None:
    pairing = pairings[key]
    ours, theirs = pairing.ours, pairing.theirs
    assert all(answer["error_message"] is None for answer in theirs), key
    assert ours.valid.all(), key
    _close(ours.lift, _column(theirs, lambda a: a["expected"]), f"{key} lift")
    _close(ours.ci_lower, _column(theirs, lambda a: a["ci"][0]), f"{key} lower bound")
    if isinstance(ours, BayesianResult):
        _close(ours.standard_deviation, _column(theirs, lambda a: a["stddev"]), key)
        _close(ours.ci_upper, _column(theirs, lambda a: a["ci"][1]), f"{key} upper bound")
        _close(ours.chance_to_win, _column(theirs, lambda a: a["chance_to_win"]), key)
        _close(ours.expected_loss_control, _column(theirs, lambda a: a["risk"][0]), key)
        _close(ours.expected_loss_variant, _column(theirs, lambda a: a["risk"][1]), key)
        return
    _close(ours.standard_error, _column(theirs, lambda a: a["stddev"]), f"{key} error")
    _close(ours.p_value, _column(theirs, lambda a: a["p_value"]), f"{key} p-value")
    if ours.alternative != "less":
        _close(ours.ci_upper, _column(theirs, lambda a: a["ci"][1]), f"{key} upper bound")


@pytest.mark.parametrize("key", [f"edge-{k}/{t}" for k in ("mean", "p90") for t in EDGE_TESTS])
def test_refuses_what_gbstats_refuses(pairings: dict[str, Pairing], key: str) -> None:
    """Zero control mean, no spread, one unit, no units, too few units for a p90."""
    pairing = pairings[key]
    refused = np.array([answer["error_message"] is not None for answer in pairing.theirs])
    assert refused.any()
    np.testing.assert_array_equal(~pairing.ours.valid.ravel(), refused)
    assert np.isnan(pairing.ours.lift.ravel()[refused]).all()


def test_less_than_upper_bound_differs_from_gbstats_on_purpose(
    pairings: dict[str, Pairing],
) -> None:
    """gbstats 0.8.0 puts the one-sided 'less' bound at lift - width; the bound is lift + width."""
    pairing = pairings["mean/less-guardrail"]
    ours = pairing.ours
    assert isinstance(ours, FrequentistResult)
    theirs = _column(pairing.theirs, lambda a: a["ci"][1])
    width = ours.ci_upper.ravel() - ours.lift.ravel()
    np.testing.assert_allclose(theirs, ours.lift.ravel() - width, atol=TOLERANCE)


def test_sample_ratio_check_matches_gbstats(
    gbstats_answers: tuple[dict[str, Pairing], list[float]],
) -> None:
    checks = _srm_checks()
    theirs = np.array(gbstats_answers[1])
    ours = np.array([sample_ratio_mismatch(c["units"], c["weights"]).p_value for c in checks])
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=TOLERANCE)
    assert 0 < (ours < 0.001).sum() < len(checks)
