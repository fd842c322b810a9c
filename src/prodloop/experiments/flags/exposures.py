"""Exposure records: which unit was shown which variant of a flag, when and why.

Evaluators hand an :class:`Exposure` to a sink each time a tracked decision puts a unit in
a variant. A sink is any callable taking one exposure. The analytics capability will provide
the sink that appends exposures to the event lake is :class:`~.lake_sink.LakeExposureSink`
(idempotently, with an event id of its own), where experiment analysis counts units per
variant; :class:`InMemoryExposureSink` keeps them in a list (tests, notebooks, the benchmark).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from prodloop.experiments.flags.schemas import UnitType


@dataclass(frozen=True, slots=True)
class Exposure:
    """One unit seeing one variant of a flag."""

    flag_key: str
    variant: str
    unit_type: UnitType
    unit_id: str
    timestamp: datetime
    reason: str
    #: The person the decision was made for (the unit of person flags; for account flags,
    #: whoever acted for the account). Informational: not part of equality.
    distinct_id: str | None = field(default=None, compare=False)


class ExposureSink(Protocol):
    """Where exposures go; called once per exposure, on the evaluating thread."""

    def __call__(self, exposure: Exposure) -> None:
        """Record ``exposure``."""


class InMemoryExposureSink:
    """Keeps every exposure in order, in memory."""

    def __init__(self) -> None:
        self.exposures: list[Exposure] = []

    def __call__(self, exposure: Exposure) -> None:
        """Append ``exposure``."""
        self.exposures.append(exposure)

    def __len__(self) -> int:
        return len(self.exposures)

    def variant_counts(self, flag_key: str) -> dict[str, int]:
        """Distinct units exposed to each variant of ``flag_key``."""
        units = {(e.variant, e.unit_id) for e in self.exposures if e.flag_key == flag_key}
        return dict(Counter(variant for variant, _ in units))
