"""Who is who: the persons behind distinct ids, derived from the events in the lake.

A *person* is a set of distinct ids known to be the same human. It is derived, never
stored: replaying the lake's identity events in event-time order (ties by event ``uuid``)
gives the same persons whatever order the events arrived in. The rules follow PostHog's
documented merge semantics:

* Every distinct id that sends an event is a person of its own until merged; such a person
  is *anonymous* (not identified).
* ``$identify`` (``distinct_id`` = the known id, ``properties.$anon_distinct_id`` = the
  anonymous id; Segment ``identify`` with both ``userId`` and ``anonymousId`` is normalised to
  the same) links the two ids:
  neither id seen yet → one new person holding both; one seen → the other joins its
  person; both seen, different persons → the anonymous id's person is merged into the known
  id's person **unless it is already identified** (then nothing is merged: an anonymous id
  already tied to an identified user never drags that user into another). The surviving
  person becomes identified.
* ``$create_alias`` (``properties.alias``) links ``alias`` to ``distinct_id`` by the same
  rule (the alias's person is merged unless it is identified).
* ``$merge_dangerously`` (``properties.alias``) merges even identified persons.
* An id is "seen" from its first event (by the same order) on; an id only named in an
  identify or alias call is seen from that call.
* Ids that clients send by mistake for everybody (``anonymous``, ``null``, ``undefined``,
  ``0``…; see :data:`ILLEGAL_IDS`) are never merged, as PostHog refuses them too.

A person is named (``person_id``) after its member distinct id that was seen first.

Person properties replay every event of every member id in the same order: an event's
``$set_once`` values are applied first, each only if the property is not set yet, then its
``$set`` values overwrite, so ``$set`` is "latest wins" and ``$set_once`` "earliest wins".
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

#: Events that link distinct ids, and the property naming the other id.
MERGE_EVENTS: dict[str, str] = {
    "$identify": "$anon_distinct_id",
    "$create_alias": "alias",
    "$merge_dangerously": "alias",
}
#: Distinct ids that are never merged (case-insensitive), as in PostHog.
ILLEGAL_IDS: frozenset[str] = frozenset(
    {
        "anonymous",
        "guest",
        "distinctid",
        "distinct_id",
        "id",
        "not_authenticated",
        "email",
        "undefined",
        "true",
        "false",
        "null",
        "none",
        "nan",
        "0",
        "[object object]",
        "",
    }
)

#: An event's place in replay order: (timestamp, uuid).
Order = tuple[datetime, str]


@dataclass(frozen=True)
class IdentityEvent:
    """One event that links two distinct ids."""

    timestamp: datetime
    uuid: str
    event: str
    distinct_id: str
    other_id: str | None


@dataclass(frozen=True)
class PropertyEvent:
    """One event that sets person properties."""

    timestamp: datetime
    uuid: str
    distinct_id: str
    set: Mapping[str, Any] | None = None
    set_once: Mapping[str, Any] | None = None


@dataclass
class _Person:
    members: set[str]
    identified: bool = False


@dataclass
class IdentityGraph:
    """The outcome of replaying identity events: which person each distinct id belongs to."""

    person_of: dict[str, str] = field(default_factory=dict)

    def person(self, distinct_id: str) -> str:
        """The person of ``distinct_id`` (itself when it was never merged)."""
        return self.person_of.get(distinct_id, distinct_id)

    def members(self) -> dict[str, list[str]]:
        """person_id -> its distinct ids, sorted."""
        grouped: dict[str, list[str]] = {}
        for distinct_id, person in self.person_of.items():
            grouped.setdefault(person, []).append(distinct_id)
        return {person: sorted(ids) for person, ids in grouped.items()}


def is_illegal(distinct_id: str) -> bool:
    """Whether ``distinct_id`` is one of the ids clients send for everybody."""
    return distinct_id.strip().lower() in ILLEGAL_IDS


class _Replay:
    """Applies identity events in order to persons created lazily on first sight."""

    def __init__(self, first_seen: Mapping[str, Order]) -> None:
        self.first_seen: dict[str, Order] = dict(first_seen)
        self.person: dict[str, _Person] = {}

    def existing(self, distinct_id: str, at: Order) -> _Person | None:
        if distinct_id in self.person:
            return self.person[distinct_id]
        seen = self.first_seen.get(distinct_id)
        if seen is not None and seen < at:
            created = _Person({distinct_id})
            self.person[distinct_id] = created
            return created
        return None

    def join(self, person: _Person, distinct_id: str, at: Order) -> None:
        person.members.add(distinct_id)
        self.person[distinct_id] = person
        if distinct_id not in self.first_seen or at < self.first_seen[distinct_id]:
            self.first_seen[distinct_id] = at

    def apply(self, item: IdentityEvent) -> None:
        known, other = item.distinct_id, item.other_id
        if other is None or other == known or is_illegal(known) or is_illegal(other):
            return
        at = (item.timestamp, item.uuid)
        target, source = self.existing(known, at), self.existing(other, at)
        if target is None and source is None:
            target = _Person(set(), identified=True)
            self.join(target, known, at)
            self.join(target, other, at)
        elif target is None:
            assert source is not None
            self.join(source, known, at)
            source.identified = True
        elif source is None:
            self.join(target, other, at)
            target.identified = True
        elif source is not target:
            if source.identified and item.event != "$merge_dangerously":
                return
            for member in source.members:
                self.join(target, member, at)
            target.identified = True
        else:
            target.identified = True


def resolve(
    first_seen: Mapping[str, Order], identity_events: Iterable[IdentityEvent]
) -> IdentityGraph:
    """Replay ``identity_events`` over the ids seen (id -> its first event's order)."""
    replay = _Replay(first_seen)
    for item in sorted(identity_events, key=lambda e: (e.timestamp, e.uuid)):
        if item.event in MERGE_EVENTS:
            replay.apply(item)
    graph = IdentityGraph()
    done: set[int] = set()
    for person in replay.person.values():
        if id(person) in done or len(person.members) < 2:
            continue
        done.add(id(person))
        name = min(person.members, key=lambda d: (replay.first_seen[d], d))
        for member in person.members:
            graph.person_of[member] = name
    return graph


def person_properties(
    graph: IdentityGraph, property_events: Iterable[PropertyEvent]
) -> dict[str, dict[str, Any]]:
    """person_id -> properties after replaying ``$set_once`` then ``$set`` in event order."""
    properties: dict[str, dict[str, Any]] = {}
    for item in sorted(property_events, key=lambda e: (e.timestamp, e.uuid)):
        current = properties.setdefault(graph.person(item.distinct_id), {})
        for key, value in (item.set_once or {}).items():
            current.setdefault(key, value)
        current.update(item.set or {})
    return properties


def _json_object(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = json.loads(value)
    return value if isinstance(value, dict) else None


#: SQL over an ``events`` relation (the lake's columns) feeding :func:`resolve`.
FIRST_SEEN_SQL = (
    "SELECT distinct_id, timestamp, uuid FROM events WHERE distinct_id IS NOT NULL "
    "QUALIFY row_number() OVER (PARTITION BY distinct_id ORDER BY timestamp, uuid) = 1"
)
IDENTITY_EVENTS_SQL = (
    "SELECT timestamp, uuid, event, distinct_id, CASE event WHEN '$identify' THEN "
    "json_extract_string(properties, '$.\"$anon_distinct_id\"') "
    "ELSE json_extract_string(properties, '$.alias') END AS other_id FROM events "
    "WHERE event IN ('$identify', '$create_alias', '$merge_dangerously') "
    "AND distinct_id IS NOT NULL"
)
PROPERTY_EVENTS_SQL = (
    "SELECT timestamp, uuid, distinct_id, CAST(person_set AS VARCHAR), "
    "CAST(person_set_once AS VARCHAR) FROM events WHERE distinct_id IS NOT NULL "
    "AND (person_set IS NOT NULL OR person_set_once IS NOT NULL)"
)


def graph_from_rows(
    first_seen_rows: Iterable[tuple[Any, ...]], identity_rows: Iterable[tuple[Any, ...]]
) -> IdentityGraph:
    """:func:`resolve` over the rows of :data:`FIRST_SEEN_SQL` and :data:`IDENTITY_EVENTS_SQL`."""
    first_seen = {str(d): (ts, str(uuid)) for d, ts, uuid in first_seen_rows}
    events = [
        IdentityEvent(ts, str(uuid), str(event), str(d), None if other is None else str(other))
        for ts, uuid, event, d, other in identity_rows
    ]
    return resolve(first_seen, events)


def properties_from_rows(
    graph: IdentityGraph, rows: Iterable[tuple[Any, ...]]
) -> dict[str, dict[str, Any]]:
    """:func:`person_properties` over the rows of :data:`PROPERTY_EVENTS_SQL`."""
    return person_properties(
        graph,
        (
            PropertyEvent(ts, str(uuid), str(d), _json_object(sets), _json_object(once))
            for ts, uuid, d, sets, once in rows
        ),
    )
