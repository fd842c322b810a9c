"""The experiments statistics engine: pure functions over sufficient statistics.

Statistics are arrays of shape ``(metrics, variants)`` with the control in column 0; every
test compares each variant with the control and returns a typed result of shape
``(metrics, variants - 1)``. Cross-checked against GrowthBook's gbstats 0.8.0, scipy and
statsmodels in ``tests/experiments``.
"""

from prodloop.experiments.stats.bayesian import (
    FLAT_PRIOR,
    BayesianResult,
    GaussianPrior,
    bayesian_test,
)
from prodloop.experiments.stats.corrections import (
    CorrectionMethod,
    CorrectionScope,
    adjust_p_values,
    benjamini_hochberg,
    holm,
)
from prodloop.experiments.stats.cuped import CovariateAdjusted, variance_reduction
from prodloop.experiments.stats.frequentist import (
    Alternative,
    FrequentistResult,
    guardrail_test,
    non_inferiority_test,
    welch_t_test,
)
from prodloop.experiments.stats.health import (
    HealthReport,
    MinimumSampleCheck,
    MultipleExposureCheck,
    PreExposureCheck,
    SampleRatioCheck,
    minimum_sample,
    multiple_exposures,
    pre_exposure_imbalance,
    sample_ratio_mismatch,
)
from prodloop.experiments.stats.power import (
    MetricBaseline,
    PowerPlan,
    duration_days,
    plan_experiment,
    power_for_sample_size,
    sample_size_per_variant,
)
from prodloop.experiments.stats.quantile import QuantileSample
from prodloop.experiments.stats.ratio import RatioMetric
from prodloop.experiments.stats.readout import (
    Decision,
    DecisionRules,
    ExperimentProgress,
    ExperimentReadout,
    MetricReading,
    MetricRule,
    Verdict,
    decide_variant,
    read_out,
    readings_from_result,
)
from prodloop.experiments.stats.sequential import DEFAULT_TUNING, sequential_test
from prodloop.experiments.stats.sufficient import (
    ComparableMetric,
    Difference,
    PairedEstimates,
    Proportion,
    SampleMean,
)

__all__ = [
    "DEFAULT_TUNING",
    "FLAT_PRIOR",
    "Alternative",
    "BayesianResult",
    "ComparableMetric",
    "CorrectionMethod",
    "CorrectionScope",
    "CovariateAdjusted",
    "Decision",
    "DecisionRules",
    "Difference",
    "ExperimentProgress",
    "ExperimentReadout",
    "FrequentistResult",
    "GaussianPrior",
    "HealthReport",
    "MetricBaseline",
    "MetricReading",
    "MetricRule",
    "MinimumSampleCheck",
    "MultipleExposureCheck",
    "PairedEstimates",
    "PowerPlan",
    "PreExposureCheck",
    "Proportion",
    "QuantileSample",
    "RatioMetric",
    "SampleMean",
    "SampleRatioCheck",
    "Verdict",
    "adjust_p_values",
    "bayesian_test",
    "benjamini_hochberg",
    "decide_variant",
    "duration_days",
    "guardrail_test",
    "holm",
    "minimum_sample",
    "multiple_exposures",
    "non_inferiority_test",
    "plan_experiment",
    "power_for_sample_size",
    "pre_exposure_imbalance",
    "read_out",
    "readings_from_result",
    "sample_ratio_mismatch",
    "sample_size_per_variant",
    "sequential_test",
    "variance_reduction",
    "welch_t_test",
]
