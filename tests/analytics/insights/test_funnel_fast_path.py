"""DuckDB's ASOF fast path for plain sequential funnels answers exactly as the general form.

The fast path (untied sequential funnels without exclusions, DuckDB only) is rarely drawn by
the random reference tests, so here every case takes it: the same rows and query run once
with the DuckDB dialect (fast path) and once with a DuckDB-spelled dialect under another name
(general form, as Spark runs it), and every field of the results must match.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from prodloop.analytics.insights.funnels import FunnelQuery, run_funnel
from prodloop.analytics.query.dialect import Dialect
from prodloop.analytics.query.engine import DuckDBEngine, memory_engine

GENERAL = Dialect("duckdb-general-form")
EVENTS = ("visit", "signup", "project", "invite", "pay")


def _events(rng: random.Random) -> list[dict[str, Any]]:
    start = datetime(2024, 3, 28, tzinfo=UTC)
    rows = []
    for person in range(rng.randrange(1, 25)):
        moment = start + timedelta(minutes=rng.randrange(0, 60 * 24 * 6))
        for _ in range(rng.randrange(1, 12)):
            # a coarse grid: many events share a timestamp
            moment += timedelta(minutes=rng.choice([0, 0, 30, 90, 60 * 20, 60 * 50]))
            rows.append(
                {
                    "event": rng.choice(EVENTS),
                    "timestamp": moment,
                    "person_id": f"p{person}",
                    "account_id": f"a{person % 3}",
                }
            )
    return rows


def _query(rng: random.Random) -> dict[str, Any]:
    steps = rng.sample(EVENTS, rng.randrange(2, 5))  # distinct names: the funnel is untied
    query: dict[str, Any] = {
        "date_from": date(2024, 3, 28),
        "date_to": date(2024, 4, 5),
        "steps": [{"event": name} for name in steps],
        "window": {"value": rng.choice([1, 6, 30, 72]), "unit": "hour"},
        "interval": rng.choice(["day", "week"]),
        "unit": rng.choice(["person", "account"]),
    }
    if rng.random() < 0.3:
        query["steps"][1]["within"] = {"value": rng.choice([1, 2]), "unit": "hour"}
    return query


@pytest.mark.parametrize("seed", range(40))
def test_the_asof_fast_path_matches_the_general_form(seed: int) -> None:
    rng = random.Random(seed)
    fast = memory_engine(_events(rng))
    general = DuckDBEngine(fast.connection, dialect=GENERAL)
    query = FunnelQuery.model_validate(_query(rng))
    on_fast = run_funnel(fast, query, tz="Europe/Berlin")
    on_general = run_funnel(general, query, tz="Europe/Berlin")
    assert "ASOF" in on_fast.sql.upper()
    assert "ASOF" not in on_general.sql.upper()
    assert on_fast.model_dump(exclude={"sql"}) == on_general.model_dump(exclude={"sql"})
