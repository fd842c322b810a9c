"""The insight engine over the real event lake and the ledger's accounts.

:func:`lake_engine` opens a DuckDB connection on one snapshot of the lake — the Parquet files
and log segments listed when it connects — and defines the three insight relations on it, so
one insight's several queries all see the same data. Nothing big is copied: ``person_events``
is a view over the Parquet files (read in place, with the scan's filter and column pruning)
and a temporary table of the not-yet-compacted log rows, joined to the identity map and the
account keys (both small temporary tables). Compaction only adds Parquet files, so the listed
files stay readable; the log rows are copied because compaction deletes segments.

Duplicates: the lake's ``events`` view removes every repeated ``uuid`` with a window over the
whole lake; ``person_events`` does not, because that window would rerun on every query of the
view. Compaction already keeps one row per ``uuid`` within a batch and against the partitions
of the same day and the day either side, where a resent event lands (same timestamp up to the
clock-skew correction). The log rows here get the same treatment — one per ``uuid``, minus
those already in the Parquet partitions near their dates — so insights count exactly what they
will count after the next compaction. Only a copy resent with a timestamp more than a day
away from the first would be counted twice (the ``events`` view would drop it).

``person_events``
    the lake's events with ``person_id`` from the identity graph
    (:mod:`prodloop.analytics.identity`) and ``account_id`` resolved to the ledger account's
    id when the event's ``$groups.account`` names the account by id, domain or one of its
    external ids (otherwise the raw group key is kept);
``persons``
    every person with events, and the person properties from ``$set`` / ``$set_once``;
``accounts``
    the ledger's accounts: ``account_id`` (the ledger id as text), ``name``, ``segment``,
    ``arr`` and ``arr_band`` (see :data:`ARR_BANDS`).

It also has ``person_distinct_ids (distinct_id, person_id)`` for merged ids. The identity
graph is cached per lake directory and recomputed whenever the lake's files change.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa  # type: ignore[import-untyped]
from sqlalchemy import select
from sqlalchemy.orm import Session

from prodloop.analytics.identity import (
    FIRST_SEEN_SQL,
    IDENTITY_EVENTS_SQL,
    PROPERTY_EVENTS_SQL,
    IdentityGraph,
    graph_from_rows,
    properties_from_rows,
)
from prodloop.analytics.lake import EventLake, _dedupe, _parquet_select, _sql_list, _wal_select
from prodloop.analytics.query.engine import DuckDBEngine
from prodloop.analytics.schemas import COLUMNS
from prodloop.ledger.models import Account

#: ARR bands: (label, lowest ARR included, ARR the band stops before; None = no limit).
ARR_BANDS: tuple[tuple[str, float, float | None], ...] = (
    ("<10k", 0.0, 10_000.0),
    ("10k-50k", 10_000.0, 50_000.0),
    ("50k-250k", 50_000.0, 250_000.0),
    ("250k-1M", 250_000.0, 1_000_000.0),
    ("1M+", 1_000_000.0, None),
)

Version = tuple[tuple[str, int, int], ...]
Identity = tuple[IdentityGraph, dict[str, dict[str, Any]]]

_CACHE: dict[Path, tuple[Version, Identity]] = {}
_CACHE_LOCK = threading.Lock()
_ATTEMPTS = 5


def arr_band(arr: float | None) -> str | None:
    """The band label of an annual recurring revenue (None when unknown)."""
    if arr is None:
        return None
    for label, low, high in ARR_BANDS:
        if arr >= low and (high is None or arr < high):
            return label
    return ARR_BANDS[0][0]


def lake_version(lake: EventLake) -> Version:
    """What the lake's files are now (path, size, modification time): a change means new data."""
    found = []
    for path in [*lake.parquet_files(), *lake.wal_segments()]:
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue
        found.append((str(path), stat.st_size, stat.st_mtime_ns))
    return tuple(sorted(found))


def _identity(lake: EventLake, con: duckdb.DuckDBPyConnection, version: Version) -> Identity:
    key = lake.root.resolve()
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
        if cached is not None and cached[0] == version:
            return cached[1]
    graph = graph_from_rows(
        con.execute(FIRST_SEEN_SQL).fetchall(), con.execute(IDENTITY_EVENTS_SQL).fetchall()
    )
    properties = properties_from_rows(graph, con.execute(PROPERTY_EVENTS_SQL).fetchall())
    with _CACHE_LOCK:
        _CACHE[key] = (version, (graph, properties))
    return graph, properties


def clear_identity_cache() -> None:
    """Forget every cached identity graph."""
    with _CACHE_LOCK:
        _CACHE.clear()


def _field(account: Account | Mapping[str, Any], name: str) -> Any:
    if isinstance(account, Mapping):
        if name == "id":
            return account.get("id", account.get("account_id"))
        return account.get(name)
    return getattr(account, name)


def account_rows(
    accounts: Iterable[Account | Mapping[str, Any]],
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The ``accounts`` rows and the map from every key an event may use to the account id."""
    rows, keys = [], {}
    for account in accounts:
        account_id = str(_field(account, "id"))
        raw_arr = _field(account, "arr")
        arr = None if raw_arr is None else float(raw_arr)
        segment = _field(account, "segment")
        rows.append(
            {
                "account_id": account_id,
                "name": _field(account, "name"),
                "segment": None if segment is None else str(getattr(segment, "value", segment)),
                "arr": arr,
                "arr_band": arr_band(arr),
            }
        )
        aliases = [account_id, _field(account, "domain")]
        aliases += list((_field(account, "external_ids") or {}).values())
        for alias in aliases:
            if alias is not None and str(alias) and str(alias) not in keys:
                keys[str(alias)] = account_id
    for row in rows:  # an account's own id always wins over another's alias
        keys[row["account_id"]] = row["account_id"]
    return rows, keys


def _load(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table, sql: str) -> None:
    con.register(f"{name}_arrow", table)
    try:
        con.execute(sql.format(source=f"{name}_arrow"))
    finally:
        con.unregister(f"{name}_arrow")


def _lake_rows(con: duckdb.DuckDBPyConnection, files: list[Path], wal: list[Path]) -> None:
    """View ``lake_rows``: the Parquet ``files`` in place and the new rows of the log ``wal``."""
    columns = ", ".join(f'NULL::{kind} AS "{name}"' for name, kind in COLUMNS.items())
    if wal:
        con.execute(f"CREATE TEMP TABLE lake_log AS {_dedupe(_wal_select(wal))}")
        days = {
            str(day)
            for (day,) in con.execute(
                "SELECT DISTINCT strftime(timestamp::DATE + d, '%Y-%m-%d') FROM lake_log, "
                "(VALUES (-1), (0), (1)) days(d)"
            ).fetchall()
        }
        near = [path for path in files if path.parent.name.removeprefix("date=") in days]
        if near:
            con.execute(
                "DELETE FROM lake_log WHERE uuid IN "
                f"(SELECT uuid FROM read_parquet({_sql_list(near)}))"
            )
    else:
        con.execute(f"CREATE TEMP TABLE lake_log AS SELECT {columns} WHERE false")
    parts = [_parquet_select(files)] if files else []
    parts.append("SELECT * FROM lake_log")
    con.execute("CREATE TEMP VIEW lake_rows AS " + " UNION ALL ".join(parts))


def _build(
    con: duckdb.DuckDBPyConnection,
    identity: Identity,
    accounts: list[dict[str, Any]],
    account_keys: dict[str, str],
    files: list[Path],
    wal: list[Path],
) -> None:
    graph, properties = identity
    _lake_rows(con, files, wal)
    text = pa.string()
    _load(
        con,
        "identity",
        pa.table(
            {
                "distinct_id": pa.array(list(graph.person_of), text),
                "person_id": pa.array(list(graph.person_of.values()), text),
            }
        ),
        "CREATE TEMP TABLE person_distinct_ids AS SELECT * FROM {source}",
    )
    _load(
        con,
        "keys",
        pa.table(
            {
                "key": pa.array(list(account_keys), text),
                "account_id": pa.array(list(account_keys.values()), text),
            }
        ),
        "CREATE TEMP TABLE account_keys AS SELECT * FROM {source}",
    )
    con.execute(
        "CREATE TEMP VIEW person_events AS SELECT e.uuid, e.event, e.timestamp, e.distinct_id, "
        "coalesce(m.person_id, e.distinct_id) AS person_id, "
        "coalesce(k.account_id, e.account_id) AS account_id, e.properties, e.current_url, "
        "e.browser, e.os, e.lib FROM lake_rows e "
        "LEFT JOIN person_distinct_ids m ON m.distinct_id = e.distinct_id "
        "LEFT JOIN account_keys k ON k.key = e.account_id"
    )
    _load(
        con,
        "props",
        pa.table(
            {
                "person_id": pa.array(list(properties), text),
                "properties": pa.array([json.dumps(p) for p in properties.values()], text),
            }
        ),
        "CREATE TEMP TABLE persons AS SELECT ids.person_id, "
        "CAST(coalesce(p.properties, '{{}}') AS JSON) AS properties "
        "FROM (SELECT DISTINCT person_id FROM person_events) ids "
        "LEFT JOIN {source} p ON p.person_id = ids.person_id",
    )
    _load(
        con,
        "accounts",
        pa.table(
            {
                "account_id": pa.array([r["account_id"] for r in accounts], text),
                "name": pa.array([r["name"] for r in accounts], text),
                "segment": pa.array([r["segment"] for r in accounts], text),
                "arr": pa.array([r["arr"] for r in accounts], pa.float64()),
                "arr_band": pa.array([r["arr_band"] for r in accounts], text),
            }
        ),
        "CREATE TEMP TABLE accounts AS SELECT * FROM {source}",
    )


def lake_engine(
    lake: EventLake, accounts: Session | Sequence[Account | Mapping[str, Any]] = ()
) -> DuckDBEngine:
    """An engine whose relations are a snapshot of ``lake`` and the ledger's ``accounts``.

    ``accounts`` is a session (every ledger account is read) or account rows / mappings with
    ``id``, ``name``, ``segment``, ``arr`` and optionally ``domain`` and ``external_ids``.
    The caller closes ``engine.connection``.
    """
    listed = list(accounts.scalars(select(Account))) if isinstance(accounts, Session) else accounts
    rows, keys = account_rows(listed)
    for attempt in range(_ATTEMPTS):
        version = lake_version(lake)
        # The snapshot: the log is listed before the Parquet files (compaction renames Parquet
        # in before it deletes a segment, so an event is in one list or the other).
        wal = lake.wal_segments()
        files = lake.parquet_files()
        con = lake.connect()
        try:
            _build(con, _identity(lake, con, version), rows, keys, files, wal)
        except duckdb.IOException:
            # A compaction removed a log segment between listing and reading it.
            con.close()
            if attempt == _ATTEMPTS - 1:
                raise
            continue
        return DuckDBEngine(con)
    raise AssertionError("unreachable")
