"""Named metric definitions: validation, the audited service, and the SQL that turns exposures
and events into sufficient statistics, checked against a brute-force Python reading."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy.orm import Session

from prodloop.analytics.metrics import (
    ExposureWindow,
    MetricIn,
    MetricKind,
    MetricSpec,
    MetricUpdate,
    create_metric,
    experiment_totals,
    experiment_totals_over_time,
    get_metric,
    list_metrics,
    metric_out,
    update_metric,
)
from prodloop.analytics.query.engine import DuckDBEngine, memory_engine
from prodloop.ledger.errors import ConflictError, NotFoundError
from prodloop.ledger.models import AuditEntry
from tests.experiments.metric_reference import random_events, sums, unit_values

START = datetime(2026, 3, 1, tzinfo=UTC)
END = START + timedelta(days=9)

SPECS = {
    "count": MetricSpec(kind=MetricKind.COUNT, event="pageview"),
    "unique": MetricSpec(kind=MetricKind.UNIQUE, event="pageview"),
    "conversion": MetricSpec(kind=MetricKind.CONVERSION, event="purchase"),
    "mean": MetricSpec(kind=MetricKind.MEAN, event="purchase", property="amount"),
    "ratio": MetricSpec(kind=MetricKind.RATIO, event="purchase", denominator_event="session"),
    "ratio_amount": MetricSpec(
        kind=MetricKind.RATIO, event="purchase", property="amount", denominator_event="session"
    ),
    "retention": MetricSpec(kind=MetricKind.RETENTION, event="session", retention_days=3),
}


@functools.cache
def _engine(seed: int) -> tuple[list[dict[str, Any]], DuckDBEngine]:
    events = random_events(seed, start=START)
    return events, memory_engine(events)


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("name", sorted(SPECS))
@pytest.mark.parametrize("unit_key", ["person_id", "account_id"])
def test_sql_totals_match_brute_force(seed: int, name: str, unit_key: str) -> None:
    events, engine = _engine(seed)
    spec = SPECS[name]
    window = ExposureWindow("exp", START, END, unit_key)  # type: ignore[arg-type]
    got = experiment_totals(engine, spec, window)
    expected, several = unit_values(
        events, spec, flag="exp", start=START, end=END, unit_key=unit_key
    )
    assert got.units_in_several == several
    assert set(got.variants) == set(expected)
    for variant, values in expected.items():
        totals = got.variants[variant]
        actual = (
            totals.units,
            totals.value_sum,
            totals.value_sum_squares,
            totals.denominator_sum,
            totals.denominator_sum_squares,
            totals.value_denominator_products,
            totals.pre_sum,
            totals.pre_sum_squares,
            totals.value_pre_products,
        )
        assert actual == pytest.approx(sums(values), rel=1e-9, abs=1e-9)
    assert "person_events" in got.sql


def test_each_kind_demands_what_it_needs() -> None:
    with pytest.raises(ValidationError, match="property"):
        MetricSpec(kind=MetricKind.MEAN, event="purchase")
    with pytest.raises(ValidationError, match="denominator_event"):
        MetricSpec(kind=MetricKind.RATIO, event="purchase")
    with pytest.raises(ValidationError, match="retention_days"):
        MetricSpec(kind=MetricKind.RETENTION, event="session")
    with pytest.raises(ValidationError, match="only a ratio"):
        MetricSpec(kind=MetricKind.COUNT, event="x", denominator_event="y")
    with pytest.raises(ValidationError, match="key"):
        MetricIn(key="Bad Key", name="x", kind=MetricKind.COUNT, event="x")


def test_metric_service_is_audited(db: Session) -> None:
    data = MetricIn(key="checkout_rate", name="Checkout rate", kind="conversion", event="checkout")
    create_metric(db, data, actor="ada@example.com")
    with pytest.raises(ConflictError) as conflict:
        create_metric(db, data, actor="ada@example.com")
    assert conflict.value.field == "key"
    metric = get_metric(db, "checkout_rate")
    update_metric(db, metric, MetricUpdate(name="Checkouts"), actor="grace@example.com")
    assert metric_out(metric).name == "Checkouts"
    assert [m.key for m in list_metrics(db)] == ["checkout_rate"]
    with pytest.raises(NotFoundError):
        get_metric(db, "nope")
    actions = [
        (entry.action, entry.actor)
        for entry in db.query(AuditEntry).filter(AuditEntry.entity_type == "metric_definition")
    ]
    assert actions == [("create", "ada@example.com"), ("update", "grace@example.com")]


def test_totals_over_time_equal_windows_cut_short() -> None:
    events, engine = _engine(1)
    cuts = [START + timedelta(days=d, hours=7) for d in (1, 3, 6)] + [END]
    for spec in (SPECS["count"], SPECS["ratio_amount"], SPECS["retention"]):
        window = ExposureWindow("exp", START, END)
        over_time = experiment_totals_over_time(engine, spec, window, cuts)
        for cut, totals in zip(cuts, over_time, strict=True):
            expected, several = unit_values(events, spec, flag="exp", start=START, end=cut)
            assert totals.units_in_several == several
            assert {n: t.units for n, t in totals.variants.items()} == {
                n: len(v) for n, v in expected.items()
            }
            for name, values in expected.items():
                got = totals.variants[name]
                reference = sums(values)
                assert got.value_sum == pytest.approx(reference[1], abs=1e-9)
                assert got.denominator_sum == pytest.approx(reference[3], abs=1e-9)
                assert got.value_pre_products == pytest.approx(reference[8], abs=1e-9)
