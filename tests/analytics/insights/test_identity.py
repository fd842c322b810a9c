"""Identity: PostHog's merge rules, person properties, and the lake engine built on them."""

from __future__ import annotations

import random
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from prodloop.analytics.identity import (
    IdentityEvent,
    PropertyEvent,
    person_properties,
    resolve,
)
from prodloop.analytics.lake import EventLake
from prodloop.analytics.normalize import build_record, segment_records
from prodloop.analytics.query.lake_engine import arr_band, lake_engine
from prodloop.ledger import service as ledger
from prodloop.ledger.schemas import AccountIn, Segment

T0 = datetime(2024, 5, 1, 12, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def seen(**ids: int) -> dict[str, tuple[datetime, str]]:
    """First-seen order of distinct ids from minutes."""
    return {name.replace("_", "-"): (at(minute), f"seen-{name}") for name, minute in ids.items()}


def identify(minute: int, known: str, anon: str, event: str = "$identify") -> IdentityEvent:
    return IdentityEvent(at(minute), f"{event}-{minute}", event, known, anon)


def groups(graph: Any, ids: list[str]) -> list[set[str]]:
    """The partition of ``ids`` into persons."""
    out: dict[str, set[str]] = {}
    for distinct_id in ids:
        out.setdefault(graph.person(distinct_id), set()).add(distinct_id)
    return sorted(out.values(), key=lambda members: sorted(members))


def test_identify_merges_the_anonymous_id_and_names_the_person_after_the_first_id() -> None:
    graph = resolve(seen(anon=0, user=20), [identify(10, "user", "anon")])
    assert graph.person("anon") == graph.person("user") == "anon"


def test_an_anonymous_id_of_an_identified_person_is_not_merged_again() -> None:
    # anon becomes user1; later user2 (already a person) identifies with the same anon id.
    graph = resolve(
        seen(anon=0, user1=5, user2=6),
        [identify(10, "user1", "anon"), identify(20, "user2", "anon")],
    )
    assert groups(graph, ["anon", "user1", "user2"]) == [{"anon", "user1"}, {"user2"}]


def test_merge_dangerously_merges_identified_persons() -> None:
    graph = resolve(
        seen(anon=0, user1=5, user2=6),
        [
            identify(10, "user1", "anon"),
            identify(20, "user2", "anon", event="$merge_dangerously"),
        ],
    )
    assert groups(graph, ["anon", "user1", "user2"]) == [{"anon", "user1", "user2"}]


def test_alias_merges_anonymous_persons_but_not_an_identified_one() -> None:
    graph = resolve(
        seen(a=0, b=1, c=2, d=3),
        [
            identify(10, "a", "b", event="$create_alias"),
            identify(11, "c", "d"),  # d's person is identified from here on (with c)
            identify(12, "a", "d", event="$create_alias"),  # refused: d is identified
        ],
    )
    assert groups(graph, ["a", "b", "c", "d"]) == [{"a", "b"}, {"c", "d"}]


def test_an_id_not_yet_seen_joins_the_existing_person() -> None:
    # user2 has never sent an event: it joins the person that anon already belongs to.
    graph = resolve(
        seen(anon=0, user1=5), [identify(10, "user1", "anon"), identify(20, "user2", "anon")]
    )
    assert groups(graph, ["anon", "user1", "user2"]) == [{"anon", "user1", "user2"}]


def test_ids_everybody_sends_are_never_merged() -> None:
    graph = resolve(
        seen(a=0, b=1),
        [
            IdentityEvent(at(5), "x", "$identify", "a", "undefined"),
            IdentityEvent(at(6), "y", "$identify", "b", "undefined"),
        ],
    )
    assert groups(graph, ["a", "b", "undefined"]) == [{"a"}, {"b"}, {"undefined"}]


def test_replay_follows_event_time_not_arrival_order() -> None:
    """Swapping the two identifies' times flips which merge is refused."""
    ids = seen(anon=0, u1=1, u2=2)
    first = resolve(ids, [identify(20, "u2", "anon"), identify(10, "u1", "anon")])
    second = resolve(ids, [identify(10, "u2", "anon"), identify(20, "u1", "anon")])
    assert groups(first, ["anon", "u1", "u2"]) == [{"anon", "u1"}, {"u2"}]
    assert groups(second, ["anon", "u1", "u2"]) == [{"anon", "u2"}, {"u1"}]


def test_set_is_latest_wins_and_set_once_earliest_wins_across_merged_ids() -> None:
    graph = resolve(seen(anon=0, user=1), [identify(10, "user", "anon")])
    events = [
        PropertyEvent(at(30), "e3", "user", {"plan": "pro"}, {"source": "late"}),
        PropertyEvent(at(5), "e1", "anon", {"plan": "free"}, {"source": "ad"}),
        PropertyEvent(at(20), "e2", "user", None, {"plan": "ignored", "first_seen": "x"}),
        PropertyEvent(at(30), "e4", "user", {"plan": "team"}),  # tie broken by uuid
    ]
    properties = person_properties(graph, events)
    assert properties == {"anon": {"plan": "team", "source": "ad", "first_seen": "x"}}
    assert person_properties(graph, list(reversed(events))) == properties


def _record(uuid: str, event: str, distinct_id: str, moment: datetime, **extra: Any) -> Any:
    properties = extra.pop("properties", {})
    return build_record(
        uuid=uuid,
        event=event,
        distinct_id=distinct_id,
        timestamp=moment,
        properties=properties,
        now=moment,
        sent_at=None,
        source="posthog",
        project="test",
        **extra,
    )


@st.composite
def identity_histories(draw: st.DrawFn) -> list[Any]:
    """Plain events, identifies and aliases among a few ids, with ties and $set calls."""
    ids = ["anon1", "anon2", "anon3", "user1", "user2"]
    records = []
    for number in range(draw(st.integers(1, 14))):
        moment = at(draw(st.integers(0, 12)) * 5)
        kind = draw(st.sampled_from(["pv", "pv", "$identify", "$create_alias"]))
        distinct = draw(st.sampled_from(ids))
        properties: dict[str, Any] = {}
        if kind == "$identify":
            properties["$anon_distinct_id"] = draw(st.sampled_from(ids))
        elif kind == "$create_alias":
            properties["alias"] = draw(st.sampled_from(ids))
        person_set = draw(st.sampled_from([None, {"plan": "free"}, {"plan": "pro"}]))
        person_set_once = draw(st.sampled_from([None, {"first": str(number)}]))
        records.append(
            _record(
                f"u{number:02d}",
                kind,
                distinct,
                moment,
                properties=properties,
                person_set=person_set,
                person_set_once=person_set_once,
            )
        )
    return records


def _snapshot(lake: EventLake) -> tuple[list[Any], list[Any]]:
    engine = lake_engine(lake, [])
    try:
        events = engine.fetch("SELECT uuid, person_id FROM person_events ORDER BY uuid")
        persons = engine.fetch("SELECT person_id, properties FROM persons ORDER BY person_id")
    finally:
        engine.connection.close()
    return events, persons


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=identity_histories(), seed=st.integers(0, 1000))
def test_persons_do_not_depend_on_arrival_order(records: list[Any], seed: int) -> None:
    """The same events appended in another order, split across Parquet and log, agree."""
    shuffled = list(records)
    random.Random(seed).shuffle(shuffled)
    snapshots = []
    for batches in ([records], [shuffled[: len(shuffled) // 2], shuffled[len(shuffled) // 2 :]]):
        with tempfile.TemporaryDirectory() as folder:
            lake = EventLake(folder)
            for number, batch in enumerate(batches):
                lake.append(batch)
                if number == 0 and len(batches) > 1:
                    lake.compact()
            snapshots.append(_snapshot(lake))
    assert snapshots[0] == snapshots[1]
    events, _persons = snapshots[0]
    assert len(events) == len(records)


def test_segment_identify_merges_the_anonymous_visitor(tmp_path: Path) -> None:
    now = datetime(2024, 5, 1, 12, tzinfo=UTC)
    body = {
        "batch": [
            {"type": "page", "anonymousId": "visitor-1", "timestamp": "2024-05-01T10:00:00Z"},
            {
                "type": "identify",
                "anonymousId": "visitor-1",
                "userId": "ada@example.com",
                "traits": {"plan": "pro"},
                "timestamp": "2024-05-01T10:05:00Z",
            },
            {
                "type": "track",
                "userId": "ada@example.com",
                "event": "Signed Up",
                "timestamp": "2024-05-01T10:06:00Z",
            },
        ]
    }
    lake = EventLake(tmp_path / "lake")
    lake.append(segment_records(body, kind=None, now=now, project="test"))
    engine = lake_engine(lake, [])
    try:
        people = engine.fetch("SELECT DISTINCT person_id FROM person_events")
        persons = engine.fetch("SELECT person_id, properties->>'plan' FROM persons")
    finally:
        engine.connection.close()
    assert people == [("visitor-1",)]
    assert persons == [("visitor-1", "pro")]


def test_lake_engine_sees_new_events_after_a_cached_build(tmp_path: Path) -> None:
    lake = EventLake(tmp_path / "lake")
    lake.append([_record("1", "pv", "anon", at(0)), _record("2", "pv", "user", at(1))])
    assert len({p for _u, p in _snapshot(lake)[0]}) == 2
    lake.append(
        [_record("3", "$identify", "user", at(2), properties={"$anon_distinct_id": "anon"})]
    )
    assert {p for _u, p in _snapshot(lake)[0]} == {"anon"}


def test_events_reach_ledger_accounts_by_id_domain_or_external_id(
    db: Session, tmp_path: Path
) -> None:
    acme = ledger.create_account(
        db,
        AccountIn(
            name="Acme",
            domain="acme.com",
            segment=Segment.SMB,
            arr=12_000,
            external_ids={"stripe": "cus_9"},
        ),
        actor="admin@example.com",
    )
    big = ledger.create_account(
        db, AccountIn(name="Big", segment=Segment.ENTERPRISE, arr=2_000_000), actor="a@x.io"
    )
    db.flush()
    lake = EventLake(tmp_path / "lake")
    keys = [str(acme.id), "acme.com", "cus_9", str(big.id), "unknown"]
    lake.append(
        [
            _record(f"e{n}", "pv", "u", at(n), properties={"$groups": {"account": key}})
            for n, key in enumerate(keys)
        ]
    )
    engine = lake_engine(lake, db)
    try:
        rows = engine.fetch(
            "SELECT e.account_id, a.segment, a.arr_band FROM person_events e "
            "LEFT JOIN accounts a ON a.account_id = e.account_id ORDER BY e.uuid"
        )
    finally:
        engine.connection.close()
    acme_row = (str(acme.id), "smb", "10k-50k")
    assert rows == [
        acme_row,
        acme_row,
        acme_row,
        (str(big.id), "enterprise", "1M+"),
        ("unknown", None, None),
    ]


def test_arr_bands_have_inclusive_lower_bounds() -> None:
    assert [arr_band(v) for v in (None, 0, 9_999, 10_000, 250_000, 999_999.5, 1e6)] == [
        None,
        "<10k",
        "<10k",
        "10k-50k",
        "250k-1M",
        "250k-1M",
        "1M+",
    ]
