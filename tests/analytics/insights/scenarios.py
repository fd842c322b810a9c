"""Hypothesis strategies for small random event sets around daylight-saving changes.

Timestamps fall on a coarse grid (so ties are common), on the clock change itself and on
local midnights; some events are repeated verbatim; ranges sometimes hold no events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from prodloop.analytics.insights.filters import Breakdown, PropertyFilter
from prodloop.analytics.query.engine import DuckDBEngine, memory_engine

#: (zone, local date of a clock change, the UTC instant of the change).
DST_CHANGES: tuple[tuple[str, date, datetime], ...] = (
    ("Europe/Berlin", date(2024, 3, 31), datetime(2024, 3, 31, 1, tzinfo=UTC)),
    ("Europe/Berlin", date(2024, 10, 27), datetime(2024, 10, 27, 1, tzinfo=UTC)),
    ("America/New_York", date(2024, 3, 10), datetime(2024, 3, 10, 7, tzinfo=UTC)),
    ("America/New_York", date(2024, 11, 3), datetime(2024, 11, 3, 6, tzinfo=UTC)),
)
PERSONS = ("p0", "p1", "p2", "p3", "p4")
ACCOUNTS: dict[str, dict[str, Any]] = {
    "a0": {"account_id": "a0", "name": "Acme", "segment": "smb", "arr": 5000.0, "arr_band": "<10k"},
    "a1": {
        "account_id": "a1",
        "name": "Globex",
        "segment": "enterprise",
        "arr": 300000.0,
        "arr_band": "250k-1M",
    },
}
FILTER_POOL: tuple[PropertyFilter, ...] = (
    PropertyFilter(key="b", operator="eq", value="red"),
    PropertyFilter(key="b", operator="neq", value="red"),
    PropertyFilter(key="b", operator="contains", value="E"),
    PropertyFilter(key="b", operator="not_contains", value="re"),
    PropertyFilter(key="b", operator="in", value=["green", "Blue"]),
    PropertyFilter(key="n", operator="gt", value=5),
    PropertyFilter(key="n", operator="lte", value=7),
    PropertyFilter(key="n", operator="eq", value=7),
    PropertyFilter(key="n", operator="is_set"),
    PropertyFilter(key="b", operator="is_not_set"),
    PropertyFilter(key="plan", operator="eq", value="pro", on="person"),
    PropertyFilter(key="plan", operator="is_not_set", on="person"),
    PropertyFilter(key="segment", operator="eq", value="smb", on="account"),
    PropertyFilter(key="arr", operator="gte", value=100000, on="account"),
    PropertyFilter(key="arr_band", operator="in", value=["<10k"], on="account"),
)
BREAKDOWN_POOL: tuple[Breakdown, ...] = (
    Breakdown(key="b"),
    Breakdown(key="n"),
    Breakdown(key="plan", on="person"),
    Breakdown(key="segment", on="account"),
    Breakdown(key="arr_band", on="account"),
)


@dataclass
class Scenario:
    """Events, persons and accounts around one clock change, and a range to query."""

    tz: str
    change_day: date
    events: list[dict[str, Any]]
    persons: dict[str, dict[str, Any]]
    accounts: dict[str, dict[str, Any]] = field(default_factory=lambda: dict(ACCOUNTS))
    date_from: date = date(2024, 1, 1)
    date_to: date = date(2024, 1, 1)

    def engine(self) -> DuckDBEngine:
        """An in-memory engine over exactly these rows."""
        return memory_engine(
            self.events,
            [{"person_id": p, "properties": props} for p, props in self.persons.items()],
            list(self.accounts.values()),
        )


def _property_values() -> st.SearchStrategy[dict[str, Any]]:
    number = st.one_of(
        st.integers(0, 12), st.integers(0, 40).map(lambda k: k / 4), st.sampled_from(["x", "7"])
    )
    colour = st.sampled_from(["red", "green", "Blue", "o'red"])
    return st.fixed_dictionaries({}, optional={"n": number, "b": colour})


@st.composite
def scenarios(draw: st.DrawFn, *, max_events: int = 24) -> Scenario:
    """A random small event set and a range near a clock change (sometimes an empty one)."""
    tz, change_day, change = draw(st.sampled_from(DST_CHANGES))
    midnight = datetime.combine(change_day, time(0), ZoneInfo(tz)).astimezone(UTC)
    special = [change, change - timedelta(microseconds=1), midnight, midnight - timedelta(hours=1)]
    moments = st.one_of(
        st.integers(-80, 80).map(lambda k: midnight + timedelta(minutes=45 * k)),
        st.integers(-72, 72).map(lambda k: midnight + timedelta(hours=3 * k)),
        st.sampled_from(special),
    )
    event = st.fixed_dictionaries(
        {
            "event": st.sampled_from(["pv", "click"]),
            "timestamp": moments,
            "person_id": st.sampled_from(PERSONS),
            "account_id": st.sampled_from(["a0", "a1", "a9", None]),
            "properties": _property_values(),
        }
    )
    events = draw(st.lists(event, max_size=max_events))
    repeats = draw(st.lists(st.integers(0, 100), max_size=3)) if events else []
    events += [dict(events[i % len(events)]) for i in repeats]
    plans = st.sampled_from([None, "free", "pro"])
    persons = {p: ({} if (plan := draw(plans)) is None else {"plan": plan}) for p in PERSONS}
    if draw(st.integers(0, 9)) == 0:
        start = change_day + timedelta(days=40)  # nothing happens then
    else:
        start = change_day + timedelta(days=draw(st.integers(-3, 1)))
    length = draw(st.integers(0, 3))
    return Scenario(
        tz, change_day, events, persons, date_from=start, date_to=start + timedelta(days=length)
    )
