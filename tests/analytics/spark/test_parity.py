"""Every insight gives the same answer on DuckDB and on Spark, from the same rows.

The events straddle Europe/Berlin's clock change, repeat, tie on timestamps, carry an
identity merge (two distinct ids, one person) and account groups, so time zones, ordering
and joins are all exercised. Results are compared field by field (floats to 1e-9 relative),
leaving out only the SQL text, which differs by dialect by design.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from prodloop.analytics.insights.registry import load_all
from prodloop.analytics.query.engine import memory_engine
from prodloop.analytics.query.spark_engine import SparkEngine, spark_twin

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

# py4j (Spark's bridge to the JVM) leaves its gateway sockets for the garbage collector.
pytestmark = pytest.mark.filterwarnings(
    "ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning"
)

TZ = "Europe/Berlin"
FIRST = date(2024, 3, 20)
LAST = date(2024, 4, 9)
EVENTS = ("signed_up", "viewed", "exported", "invited")


def _rows() -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    rng = random.Random(20240331)
    start = datetime(2024, 3, 22, tzinfo=UTC)
    accounts = [
        {
            "account_id": f"acc-{n}",
            "name": f"Account {n}",
            "segment": seg,
            "arr": arr,
            "arr_band": band,
        }
        for n, (seg, arr, band) in enumerate(
            [
                ("enterprise", 250_000.0, "100k+"),
                ("mid-market", 40_000.0, "10k-100k"),
                ("smb", 4_000.0, "<10k"),
                ("smb", 900.0, "<10k"),
            ]
        )
    ]
    events: list[dict[str, Any]] = []
    persons = []
    for p in range(24):
        person = f"person-{p}"
        account = f"acc-{p % 4}" if p % 5 else None
        persons.append({"person_id": person, "properties": {"plan": rng.choice(["free", "pro"])}})
        moment = start + timedelta(hours=rng.randrange(0, 24 * 10))
        for _ in range(rng.randrange(3, 14)):
            moment += timedelta(minutes=rng.choice([0, 0, 5, 45, 300, 1440, 2900]))
            events.append(
                {
                    "event": rng.choice(EVENTS),
                    "timestamp": moment,
                    "person_id": person,
                    # an identity merge: the person's early events came from an anonymous id
                    "distinct_id": f"anon-{p}" if moment < start + timedelta(days=12) else person,
                    "account_id": account,
                    "properties": {
                        "amount": rng.choice([1, 2.5, 10, None]),
                        "os": rng.choice(["iOS", "Mac"]),
                    },
                    "os": rng.choice(["iOS", "Android", "Mac OS X"]),
                    "browser": rng.choice(["Chrome", "Safari"]),
                }
            )
    return events, persons, accounts


#: Queries per insight kind; every registered kind must have at least one.
QUERIES: dict[str, list[dict[str, Any]]] = {
    "trends": [
        {
            "date_from": FIRST,
            "date_to": LAST,
            "interval": "day",
            "series": [{"event": "viewed"}, {"event": "exported", "math": "unique_persons"}],
            "formula": "B / A * 100",
            "compare": True,
        },
        {
            "date_from": FIRST,
            "date_to": LAST,
            "interval": "week",
            "series": [
                {"event": None, "math": "wau"},
                {"event": "viewed", "math": "p90", "property": "amount"},
            ],
            "breakdown": {"key": "segment", "on": "account"},
        },
        {
            "date_from": date(2024, 3, 30),
            "date_to": date(2024, 4, 1),
            "interval": "hour",
            "series": [{"event": "viewed", "math": "unique_accounts"}],
            "count_by": "account",
        },
    ],
    "stickiness": [
        {"date_from": FIRST, "date_to": LAST, "series": [{"event": "viewed"}, {"event": None}]},
    ],
    "lifecycle": [
        {"date_from": FIRST, "date_to": LAST, "interval": "day", "event": "viewed"},
        {"date_from": FIRST, "date_to": LAST, "interval": "week", "count_by": "account"},
    ],
    "funnels": [
        {
            "date_from": FIRST,
            "date_to": LAST,
            "steps": [{"event": "signed_up"}, {"event": "viewed"}, {"event": "exported"}],
            "window": {"value": 3, "unit": "day"},
            "breakdown": {"key": "os", "on": "event"},
        },
        {
            "date_from": FIRST,
            "date_to": LAST,
            "steps": [{"event": "viewed"}, {"event": "exported"}],
            "order": "strict",
            "unit": "account",
            "exclusions": [{"event": "invited", "from_step": 1, "to_step": 2}],
        },
        {
            "date_from": FIRST,
            "date_to": LAST,
            "steps": [{"event": "exported"}, {"event": "viewed"}, {"event": "invited"}],
            "order": "any_order",
            "window": {"value": 12, "unit": "hour"},
        },
    ],
    "retention": [
        {
            "date_from": FIRST,
            "date_to": LAST,
            "start_event": {"event": "viewed"},
            "return_event": {"event": "viewed"},
            "interval": "day",
            "periods": 7,
        },
        {
            "date_from": FIRST,
            "date_to": LAST,
            "start_event": {"event": "signed_up"},
            "return_event": {"event": "exported"},
            "kind": "recurring",
            "mode": "on_or_after",
            "interval": "week",
            "periods": 3,
            "breakdown": {"key": "segment", "on": "account"},
        },
    ],
    "paths": [
        {"date_from": FIRST, "date_to": LAST, "event": "viewed", "steps": 2},
    ],
    "adoption": [
        {
            "date_from": FIRST,
            "date_to": LAST,
            "features": [
                {
                    "key": "exports",
                    "events": [{"event": "exported"}],
                    "launch_date": date(2024, 3, 25),
                }
            ],
        },
    ],
}


def _same(left: Any, right: Any, where: str = "result") -> None:
    if isinstance(left, dict) and isinstance(right, dict):
        assert left.keys() == right.keys(), where
        for key in left:
            if key != "sql":
                _same(left[key], right[key], f"{where}.{key}")
    elif isinstance(left, list) and isinstance(right, list):
        assert len(left) == len(right), f"{where}: {len(left)} != {len(right)} items"
        for index, (a, b) in enumerate(zip(left, right, strict=True)):
            _same(a, b, f"{where}[{index}]")
    elif isinstance(left, float) and isinstance(right, float | int):
        assert math.isclose(left, right, rel_tol=1e-9, abs_tol=1e-12), f"{where}: {left} != {right}"
    else:
        assert left == right, f"{where}: {left!r} != {right!r}"


@pytest.fixture(scope="module")
def engines(
    spark: SparkSession, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Any, SparkEngine]:
    events, persons, accounts = _rows()
    duck = memory_engine(events, persons, accounts)
    folder: Path = tmp_path_factory.mktemp("spark-relations")
    return duck, spark_twin(spark, duck, folder)


def test_every_insight_kind_has_parity_queries() -> None:
    assert set(load_all()) <= set(QUERIES), "add Spark parity queries for the new insight kinds"


@pytest.mark.parametrize(
    ("kind", "number"),
    [(kind, n) for kind, queries in QUERIES.items() for n in range(len(queries))],
)
def test_duckdb_and_spark_agree(engines: tuple[Any, SparkEngine], kind: str, number: int) -> None:
    insight = load_all()[kind]
    query = insight.query_model.model_validate(QUERIES[kind][number])
    duck, spark = engines
    on_duckdb = insight.run(duck, query, tz=TZ)
    on_spark = insight.run(spark, query, tz=TZ)
    assert on_duckdb.sql != on_spark.sql or duck.dialect == spark.dialect
    _same(on_duckdb.model_dump(mode="json"), on_spark.model_dump(mode="json"))
    assert any(_non_zero(value) for value in on_duckdb.model_dump(mode="json").values()), (
        "empty answer"
    )


def _non_zero(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_non_zero(v) for k, v in value.items() if k != "sql")
    if isinstance(value, list):
        return any(_non_zero(v) for v in value)
    return isinstance(value, int | float) and not isinstance(value, bool) and value != 0


def test_a_lake_with_an_identity_merge_reads_the_same_on_spark(
    spark: SparkSession, tmp_path: Path
) -> None:
    """Events captured as PostHog sends them, merged by ``$identify``, counted on both engines."""
    from prodloop.analytics.lake import EventLake
    from prodloop.analytics.normalize import posthog_records
    from prodloop.analytics.query.lake_engine import lake_engine
    from prodloop.analytics.query.spark_engine import spark_engine_from_lake

    lake = EventLake(tmp_path / "lake")
    day = datetime(2024, 3, 30, 22, 30, tzinfo=UTC)  # the evening before Berlin's clocks change
    batch = [
        {"event": "viewed", "distinct_id": "anon-1", "timestamp": day.isoformat()},
        {
            "event": "$identify",
            "distinct_id": "ada@example.com",
            "timestamp": (day + timedelta(minutes=5)).isoformat(),
            "properties": {"$anon_distinct_id": "anon-1", "$set": {"plan": "pro"}},
        },
        {
            "event": "viewed",
            "distinct_id": "ada@example.com",
            "timestamp": (day + timedelta(hours=2)).isoformat(),
        },
        {
            "event": "viewed",
            "distinct_id": "bob",
            "timestamp": (day + timedelta(hours=30)).isoformat(),
        },
    ]
    lake.append(posthog_records({"batch": batch}, now=day + timedelta(days=2), project="p"))
    lake.compact()
    trends = load_all()["trends"]
    query = trends.query_model.model_validate(
        {
            "date_from": date(2024, 3, 30),
            "date_to": date(2024, 4, 1),
            "series": [{"event": "viewed", "math": "unique_persons"}],
            "breakdown": {"key": "plan", "on": "person"},
        }
    )
    duck = lake_engine(lake)
    try:
        on_duckdb = trends.run(duck, query, tz=TZ).model_dump(mode="json")
    finally:
        duck.connection.close()
    on_spark = trends.run(spark_engine_from_lake(spark, lake, folder=tmp_path / "pq"), query, tz=TZ)
    _same(on_duckdb, on_spark.model_dump(mode="json"))
    lines = {line["breakdown_value"]: line["values"] for line in on_duckdb["lines"]}
    # Ada's anonymous view (23:30 local, 30 March) and her identified one (01:30, 31 March)
    # are one person; Bob viewed on 1 April local time.
    assert lines["pro"] == [1, 1, 0]
    assert sum(sum(values) for values in lines.values()) == 3
