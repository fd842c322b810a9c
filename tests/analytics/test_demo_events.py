"""The demo's year of events: prodloop's insights find the truths the simulator planted.

The demo is built once for the module (the ledger and events extensions, into a temporary
SQLite store and event lake); each test asks an insight engine a question whose answer the
manifest recorded.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from prodloop.analytics import usage
from prodloop.analytics.insights.adoption import FeatureAdoption, run_adoption
from prodloop.analytics.insights.filters import Breakdown
from prodloop.analytics.insights.funnels import FunnelQuery, FunnelStep, run_funnel
from prodloop.analytics.lake import EventLake
from prodloop.analytics.normalize import build_record
from prodloop.analytics.query.engine import DuckDBEngine
from prodloop.analytics.query.lake_engine import lake_engine
from prodloop.demo.company import TIME_ZONE
from prodloop.demo.context import DemoContext
from prodloop.demo.events import build_events, lake_record, make_plan, planted_truths
from prodloop.demo.ledger import build_ledger
from prodloop.store import make_engine, make_session_factory
from prodloop.store.migrate import upgrade

AS_OF = date(2026, 3, 15)
SEED = 11


@dataclass
class Demo:
    context: DemoContext
    session: Session
    truths: dict[str, Any]
    lake: EventLake
    engine: DuckDBEngine

    @property
    def last_day(self) -> date:
        return AS_OF - timedelta(days=1)

    def adoption(self, key: str, *, unit: str, since: date) -> FeatureAdoption:
        query = usage.adoption_query(
            self.session,
            [key],
            date_from=since,
            date_to=self.last_day,
            unit=unit,  # type: ignore[arg-type]
        )
        return run_adoption(self.engine, query, tz=TIME_ZONE).features[0]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    folder: Path = tmp_path_factory.mktemp("demo-events")
    store = make_engine(f"sqlite:///{folder / 'prodloop.db'}")
    upgrade(store)
    session = make_session_factory(store)()
    context = DemoContext(
        session=session, seed=SEED, as_of=AS_OF, time_zone=TIME_ZONE, lake_dir=folder / "lake"
    )
    build_ledger(context)
    truths = build_events(context)
    session.commit()
    lake = EventLake(folder / "lake")
    engine = lake_engine(lake, session)
    yield Demo(context, session, truths, lake, engine)
    engine.connection.close()
    session.close()
    store.dispose()


def test_a_modest_year_of_events_lands_in_the_lake(demo: Demo) -> None:
    count = demo.truths["event_count"]
    assert 100_000 <= count <= 600_000
    assert demo.lake.count() == count
    assert not demo.lake.wal_segments()  # compacted
    first, last = demo.lake.query("SELECT min(timestamp), max(timestamp) FROM events")[0]
    assert first >= demo.context.history_start
    assert last < demo.context.history_end
    mapped = {
        key: {"event": u.event, "properties": u.properties}
        for key in demo.truths["usage_events"]
        for u in usage.feature_usage(demo.session, key).events
    }
    assert mapped == demo.truths["usage_events"]


def test_events_are_deterministic_per_seed(demo: Demo) -> None:
    again = planted_truths(make_plan(demo.context), demo.truths["event_count"])
    assert again == demo.truths


def test_anonymous_visits_merge_into_the_person_who_signs_up(demo: Demo) -> None:
    (merged,) = demo.engine.fetch(
        "SELECT count(DISTINCT person_id) FROM person_events WHERE event = 'signed_up' "
        "AND person_id IN (SELECT person_id FROM person_events WHERE distinct_id LIKE 'anon-%')"
    )[0]
    assert merged == demo.truths["sign_ups"]
    (split,) = demo.engine.fetch(
        "SELECT count(*) FROM (SELECT person_id FROM person_events WHERE event = 'signed_up' "
        "GROUP BY person_id HAVING count(DISTINCT distinct_id) != 1)"
    )[0]
    assert split == 0  # each sign-up is one person, under one identified id
    (unknown,) = demo.engine.fetch(
        "SELECT count(*) FROM person_events e LEFT JOIN accounts a USING (account_id) "
        "WHERE e.account_id IS NOT NULL AND a.account_id IS NULL"
    )[0]
    assert unknown == 0  # every $groups account is a ledger account


def test_adoption_of_the_stalled_feature_stalls_near_five_percent(demo: Demo) -> None:
    planted = demo.truths["stalled_feature"]
    launch = date.fromisoformat(planted["launch_date"])
    stalled = demo.adoption(planted["key"], unit=planted["unit"], since=launch)
    assert stalled.adopters == planted["adopting_accounts"]
    assert stalled.anchor_date == launch
    assert stalled.adoption_rate is not None
    assert 0.04 <= stalled.adoption_rate <= 0.06
    curve = [point.cumulative_adopters for point in stalled.curve]
    assert curve[3] == curve[-1]  # nobody new after the third week
    assert curve[0] < curve[3]
    # a feature launched around the same time keeps growing, and much further
    others = [
        key
        for key, _ in demo.truths["usage_events"].items()
        if key not in (planted["key"], demo.truths["key_feature"]["key"])
    ]
    healthy = [demo.adoption(key, unit="account", since=launch) for key in others[:3]]
    growing = [
        f
        for f in healthy
        if f.curve and f.curve[-1].cumulative_adopters > f.curve[3].cumulative_adopters
    ]
    assert growing
    assert all((f.adoption_rate or 0) > 2 * stalled.adoption_rate for f in growing)


def test_mobile_invites_collapse_after_the_break(demo: Demo) -> None:
    planted = demo.truths["mobile_funnel_break"]
    cut = date.fromisoformat(planted["after"])
    steps = [FunnelStep(event=name) for name in planted["step"]]
    breakdown = Breakdown(key=planted["property"], on="event")

    def conversion(first: date, last: date) -> dict[str | None, float | None]:
        query = FunnelQuery(steps=steps, date_from=first, date_to=last, breakdown=breakdown)
        result = run_funnel(demo.engine, query, tz=TIME_ZONE)
        return {s.breakdown_value: s.steps[1].conversion_from_previous for s in result.breakdown}

    before = conversion(demo.context.day(0), cut - timedelta(days=1))
    after = conversion(cut, demo.last_day)
    assert before["Mobile"] is not None
    assert after["Mobile"] is not None
    assert before["Mobile"] > 0.4
    assert after["Mobile"] < 0.2
    assert after["Desktop"] is not None
    assert after["Desktop"] > 0.4
    assert after["Mobile"] == pytest.approx(planted["mobile_after"]["conversion"], abs=0.05)


def test_accounts_adopting_the_key_feature_retain_better(demo: Demo) -> None:
    planted = demo.truths["key_feature"]
    launch = date.fromisoformat(planted["launch_date"])
    key = demo.adoption(planted["key"], unit="account", since=launch)
    weeks = key.retention[1:9]
    adopters = sum(w.adopters_rate or 0 for w in weeks) / len(weeks)
    others = sum(w.non_adopters_rate or 0 for w in weeks) / len(weeks)
    assert adopters > others + 0.1
    # Direct SQL check (not an insight): the share of accounts that cancelled, by whether
    # they ever used the key feature.
    event = demo.truths["usage_events"][planted["key"]]["event"]
    rows = demo.engine.fetch(
        "WITH used AS (SELECT DISTINCT account_id FROM person_events "
        f"WHERE event = '{event}'), "
        "gone AS (SELECT DISTINCT account_id FROM person_events "
        "WHERE event = 'subscription_cancelled') "
        "SELECT u.account_id IS NOT NULL AS adopted, "
        "avg(CASE WHEN g.account_id IS NULL THEN 0 ELSE 1 END) "
        "FROM accounts a LEFT JOIN used u USING (account_id) LEFT JOIN gone g USING (account_id) "
        "GROUP BY 1"
    )
    churn = {bool(adopted): float(share) for adopted, share in rows}
    assert churn[True] < churn[False] / 3


def test_demo_records_are_what_capture_would_store() -> None:
    moment = datetime(2025, 6, 1, 12, 30, tzinfo=UTC)
    properties = {"$browser": "Chrome", "$os": "iOS", "$groups": {"account": 7}, "x": 1}
    bits = "0123456789abcdef0123456789abcdef"
    made = lake_record(bits, "signed_up", "u1", moment, properties, {"email": "a@b.c"})
    assert made == build_record(
        uuid=str(uuid.UUID(bits, version=4)),
        event="signed_up",
        distinct_id="u1",
        timestamp=moment,
        properties=properties,
        now=moment,
        sent_at=None,
        source="demo",
        project="demo",
        person_set={"email": "a@b.c"},
    )
