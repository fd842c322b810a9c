"""Feature flags and deterministic assignment.

A flag belongs to a ledger feature and shares its key. It can be switched on or off, rolled
out to a share of units, targeted with rules on person and account properties, split into
weighted variants, and confined to a slice of a namespace so that experiments sharing the
namespace never share a unit. Assignment hashes the unit id with GrowthBook's FNV-1a scheme
(:mod:`.hashing`), so it is sticky without storing anything and reproducible by GrowthBook's
SDKs.

* :func:`evaluate` — the reference semantics, one flag and one :class:`Context` at a time;
* :class:`FlagSet` — compiled flags: ``decide``, ``decide_all`` and the numpy
  ``decide_many``, with exposures sent to an :class:`ExposureSink`;
* :mod:`.service` — flags and namespaces in the app store, audited, and
  ``load_flag_set(session)``.
"""

from prodloop.experiments.flags.batch import Decisions
from prodloop.experiments.flags.compiled import FlagSet
from prodloop.experiments.flags.evaluation import (
    DEFAULT,
    DISABLED,
    NAMESPACE,
    NOT_IN_ROLLOUT,
    ROLLOUT,
    UNKNOWN,
    Context,
    Decision,
    evaluate,
    rule_reason,
)
from prodloop.experiments.flags.exposures import Exposure, ExposureSink, InMemoryExposureSink
from prodloop.experiments.flags.hashing import bucket, bucket_indices
from prodloop.experiments.flags.ranges import moved_share
from prodloop.experiments.flags.schemas import (
    Condition,
    FlagConfig,
    FlagIn,
    FlagOut,
    FlagUpdate,
    NamespaceIn,
    NamespaceOut,
    NamespaceRange,
    NamespaceUpdate,
    PropertySource,
    Rule,
    UnitType,
    Variant,
)
from prodloop.experiments.flags.targeting import Operator

__all__ = [
    "DEFAULT",
    "DISABLED",
    "NAMESPACE",
    "NOT_IN_ROLLOUT",
    "ROLLOUT",
    "UNKNOWN",
    "Condition",
    "Context",
    "Decision",
    "Decisions",
    "Exposure",
    "ExposureSink",
    "FlagConfig",
    "FlagIn",
    "FlagOut",
    "FlagSet",
    "FlagUpdate",
    "InMemoryExposureSink",
    "NamespaceIn",
    "NamespaceOut",
    "NamespaceRange",
    "NamespaceUpdate",
    "Operator",
    "PropertySource",
    "Rule",
    "UnitType",
    "Variant",
    "bucket",
    "bucket_indices",
    "evaluate",
    "moved_share",
    "rule_reason",
]
