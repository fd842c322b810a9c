"""Run GrowthBook's gbstats 0.8.0 on JSON from stdin and write its answers as JSON to stdout.

gbstats pins numpy<2 and pandas<2, so it lives in its own virtual environment
(``make gbstats``, see ``tools/gbstats-venv.sh``) and is driven through this script by the
cross-check tests in ``tests/experiments`` and by ``benchmarks/bench_stats.py``. It imports
nothing from prodloop. The top half is the caller's side (``call_gbstats`` and
``missing_gbstats``, standard library only, run from prodloop's environment); the rest runs
inside the gbstats environment. A request holds any of:

* ``cases`` — one comparison each: a statistic kind (``mean``, ``proportion``, ``ratio``,
  ``cuped``, ``quantile``), a test (``two-sided``, ``greater``, ``less``, ``sequential``,
  ``bayesian``), the difference type, alpha and the control and variant statistics;
* ``srm`` — unit counts and weights for gbstats's sample-ratio check;
* ``benchmark`` — sufficient statistics for many metrics, timed inside this process.

The answer has the same keys; a case gbstats refuses carries its ``error_message``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

try:  # only inside the gbstats environment; the caller's side below needs none of it
    from gbstats.bayesian.tests import EffectBayesianABTest, EffectBayesianConfig, GaussianPrior
    from gbstats.frequentist.tests import (
        FrequentistConfig,
        OneSidedTreatmentGreaterTTest,
        OneSidedTreatmentLesserTTest,
        SequentialConfig,
        SequentialTwoSidedTTest,
        TwoSidedTTest,
    )
    from gbstats.gbstats import process_experiment_results
    from gbstats.models.statistics import (
        ProportionStatistic,
        QuantileStatistic,
        RatioStatistic,
        RegressionAdjustedStatistic,
        SampleMeanStatistic,
    )
    from gbstats.utils import check_srm
except ModuleNotFoundError:
    pass

REPOSITORY = Path(__file__).resolve().parent.parent
GBSTATS_VERSION = "0.8.0"


# The caller's side: runs in prodloop's environment.


def gbstats_python() -> Path:
    """The interpreter of the gbstats environment (``PRODLOOP_GBSTATS_PYTHON`` overrides)."""
    override = os.environ.get("PRODLOOP_GBSTATS_PYTHON")
    return Path(override) if override else REPOSITORY / ".venv-gbstats" / "bin" / "python"


def missing_gbstats() -> str | None:
    """None when gbstats can be called; otherwise why not, with the fix."""
    python = gbstats_python()
    if not python.exists():
        return f"no gbstats environment at {python}; create it with `make gbstats`"
    check = subprocess.run(
        [str(python), "-c", "import importlib.metadata as m; print(m.version('gbstats'))"],
        capture_output=True,
        text=True,
        check=False,
    )
    if check.returncode != 0 or check.stdout.strip() != GBSTATS_VERSION:
        found = check.stdout.strip() or check.stderr.strip().splitlines()[-1:]
        return f"{python} has no gbstats {GBSTATS_VERSION} ({found}); run `make gbstats`"
    return None


def call_gbstats(request: dict[str, Any], *, timeout: float = 600) -> dict[str, Any]:
    """Send a request to this script in the gbstats environment and return its answer."""
    completed = subprocess.run(
        [str(gbstats_python()), str(Path(__file__).resolve())],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"gbstats runner failed:\n{completed.stderr}")
    answer: dict[str, Any] = json.loads(completed.stdout)
    return answer


# The gbstats side: runs in the gbstats environment.


def base_statistic(arm: dict[str, Any], kind: str) -> Any:
    """A gbstats mean or proportion statistic from {n, sum, sum_squares}."""
    if kind == "proportion":
        return ProportionStatistic(n=arm["n"], sum=arm["sum"])
    return SampleMeanStatistic(n=arm["n"], sum=arm["sum"], sum_squares=arm["sum_squares"])


def statistic(kind: str, arm: dict[str, Any]) -> Any:
    """The gbstats statistic for one arm of a case."""
    if kind in ("mean", "proportion"):
        return base_statistic(arm, kind)
    if kind == "ratio":
        return RatioStatistic(
            n=arm["n"],
            m_statistic=base_statistic(arm["numerator"], arm["numerator_kind"]),
            d_statistic=base_statistic(arm["denominator"], arm["denominator_kind"]),
            m_d_sum_of_products=arm["sum_of_products"],
        )
    if kind == "cuped":
        return RegressionAdjustedStatistic(
            n=arm["n"],
            post_statistic=base_statistic(arm["post"], arm["post_kind"]),
            pre_statistic=base_statistic(arm["pre"], arm["pre_kind"]),
            post_pre_sum_of_products=arm["sum_of_products"],
            theta=0,
        )
    if kind == "quantile":
        return QuantileStatistic(
            n=arm["n"],
            n_star=arm["n_star"],
            nu=arm["level"],
            quantile_hat=arm["estimate"],
            quantile_lower=arm["lower"],
            quantile_upper=arm["upper"],
        )
    raise ValueError(f"unknown statistic kind {kind!r}")


def configured_test(case: dict[str, Any]) -> Any:
    """The gbstats test object a case describes."""
    control = statistic(case["statistic"], case["control"])
    variant = statistic(case["statistic"], case["variant"])
    common = {"difference_type": case["difference"], "alpha": case.get("alpha", 0.05)}
    test = case["test"]
    if test == "bayesian":
        prior = case.get("prior", {})
        config = EffectBayesianConfig(
            difference_type=case["difference"],
            alpha=case.get("alpha", 0.05),
            inverse=case.get("inverse", False),
            prior_type=prior.get("scale", "relative"),
            prior_effect=GaussianPrior(
                mean=prior.get("mean", 0.0),
                variance=prior.get("variance", 1.0),
                proper=prior.get("proper", False),
            ),
        )
        return EffectBayesianABTest(control, variant, config)
    if test == "sequential":
        config = SequentialConfig(
            **common,
            test_value=case.get("test_value", 0.0),
            sequential_tuning_parameter=case.get("tuning", 5000.0),
        )
        return SequentialTwoSidedTTest(control, variant, config)
    config = FrequentistConfig(**common, test_value=case.get("test_value", 0.0))
    tests = {
        "two-sided": TwoSidedTTest,
        "greater": OneSidedTreatmentGreaterTTest,
        "less": OneSidedTreatmentLesserTTest,
    }
    return tests[test](control, variant, config)


def run_case(case: dict[str, Any]) -> dict[str, Any]:
    """gbstats's result for one case, as plain JSON values (an error if gbstats raises)."""
    try:
        result = configured_test(case).compute_result()
    except ArithmeticError as error:  # e.g. rescaling a prior by a zero control mean
        return {"error_message": f"gbstats raised {error!r}"}
    answer: dict[str, Any] = {
        "expected": float(result.expected),
        "ci": [float(bound) for bound in result.ci],
        "stddev": float(result.uplift.stddev),
        "error_message": result.error_message,
    }
    if hasattr(result, "p_value"):
        answer["p_value"] = float(result.p_value)
    if hasattr(result, "chance_to_win"):
        answer["chance_to_win"] = float(result.chance_to_win)
        answer["risk"] = [float(risk) for risk in result.risk]
    return answer


def benchmark_direct(data: dict[str, Any]) -> None:
    """Every metric x variant through gbstats's test classes, plus the SRM check."""
    for metric in data["metrics"]:
        arms = metric["arms"]
        for variant in arms[1:]:
            for test in ("two-sided", "bayesian"):
                case = {
                    "statistic": metric["statistic"],
                    "test": test,
                    "difference": "relative",
                    "control": arms[0],
                    "variant": variant,
                }
                configured_test(case).compute_result()
        check_srm([arm["n"] for arm in arms], data["weights"])


def pipeline_payload(data: dict[str, Any]) -> dict[str, Any]:
    """The same metrics as one gbstats ``process_experiment_results`` call."""
    variations = [str(index) for index in range(len(data["weights"]))]
    metric_settings: dict[str, Any] = {}
    rows: list[dict[str, Any]] = [
        {"dimension": "All", "variation": name, "users": data["metrics"][0]["arms"][i]["n"]}
        for i, name in enumerate(variations)
    ]
    for index, metric in enumerate(data["metrics"]):
        key = f"metric_{index}"
        metric_settings[key] = pipeline_metric(key, metric)
        for row, arm in zip(rows, metric["arms"], strict=True):
            row.update({f"m{index}_{column}": value for column, value in flat_arm(arm).items()})
    analyses = [
        {
            "var_names": variations,
            "var_ids": variations,
            "weights": data["weights"],
            "stats_engine": engine,
            "difference_type": "relative",
        }
        for engine in ("frequentist", "bayesian")
    ]
    query = {"rows": rows, "metrics": list(metric_settings)}
    return {"metrics": metric_settings, "analyses": analyses, "query_results": [query]}


def pipeline_metric(key: str, metric: dict[str, Any]) -> dict[str, Any]:
    """gbstats's metric settings for one benchmark metric."""
    kind = metric["statistic"]
    settings: dict[str, Any] = {"id": key, "name": key}
    if kind in ("mean", "proportion"):
        main = "binomial" if kind == "proportion" else "count"
        return {**settings, "statistic_type": "mean", "main_metric_type": main}
    if kind == "ratio":
        return {
            **settings,
            "statistic_type": "ratio",
            "main_metric_type": "count",
            "denominator_metric_type": "count",
        }
    return {
        **settings,
        "statistic_type": "mean_ra",
        "main_metric_type": "count",
        "covariate_metric_type": "count",
    }


def flat_arm(arm: dict[str, Any]) -> dict[str, Any]:
    """One arm's statistics in gbstats's query-row column names."""
    if "numerator" in arm:
        return {
            "count": arm["n"],
            "main_sum": arm["numerator"]["sum"],
            "main_sum_squares": arm["numerator"]["sum_squares"],
            "denominator_sum": arm["denominator"]["sum"],
            "denominator_sum_squares": arm["denominator"]["sum_squares"],
            "main_denominator_sum_product": arm["sum_of_products"],
        }
    if "post" in arm:
        return {
            "count": arm["n"],
            "main_sum": arm["post"]["sum"],
            "main_sum_squares": arm["post"]["sum_squares"],
            "covariate_sum": arm["pre"]["sum"],
            "covariate_sum_squares": arm["pre"]["sum_squares"],
            "main_covariate_sum_product": arm["sum_of_products"],
        }
    return {"count": arm["n"], "main_sum": arm["sum"], "main_sum_squares": arm["sum_squares"]}


def run_benchmark(data: dict[str, Any]) -> dict[str, float]:
    """Seconds for the direct loop (and the full pipeline if asked), best of ``repeats``."""
    work = {"direct_seconds": lambda: benchmark_direct(data)}
    if data.get("pipeline", False):
        payload = pipeline_payload(data)
        work["pipeline_seconds"] = lambda: process_experiment_results(payload)
    timings: dict[str, float] = {}
    for name, run in work.items():
        best = float("inf")
        for _ in range(data.get("repeats", 1)):
            started = time.perf_counter()
            run()
            best = min(best, time.perf_counter() - started)
        timings[name] = best
    return timings


def main() -> None:
    """Answer the request on stdin."""
    request = json.load(sys.stdin)
    answer: dict[str, Any] = {}
    if "cases" in request:
        answer["cases"] = [run_case(case) for case in request["cases"]]
    if "srm" in request:
        answer["srm"] = [float(check_srm(c["units"], c["weights"])) for c in request["srm"]]
    if "benchmark" in request:
        answer["benchmark"] = run_benchmark(request["benchmark"])
    json.dump(answer, sys.stdout)


if __name__ == "__main__":
    main()
