"""Funnels and retention at scale: prodloop's insight SQL against ClickHouse and hand-written SQL.

Generates ``--events`` synthetic events (a person does ``--per-person`` events on average over
13 weeks, UTC) into a Parquet file, then times, each in its own fresh process so peak memory is
that engine's alone:

* a 3-step funnel ``signed_up → created_project → invited`` with a 7-day window over 12 weeks:
  prodloop's ``run_funnel`` on DuckDB; ClickHouse's ``windowFunnel`` through chDB; and a
  hand-written DuckDB query chaining ``ASOF`` joins (the fastest way we know to write it);
* a daily trend of ``viewed`` (total count) broken down by the event property ``plan`` (4
  values): prodloop's ``run_trends``; a chDB ``GROUP BY``; a hand-written DuckDB ``GROUP BY``;
* 12-week first-time retention (``signed_up`` then ``viewed``, weekly cohorts, return "on"):
  prodloop's ``run_retention``; ClickHouse's ``retention`` through chDB; and a hand-written
  DuckDB ``GROUP BY``.

Every engine's answer (persons per funnel step; each plan's trend total; the cohort table) is
printed next to its time and must agree with prodloop's (timestamps are drawn to the
microsecond, so the tie rules of the engines do not come into play).

    .venv/bin/python benchmarks/bench_insights.py                      # 1M events, quick
    .venv/bin/python benchmarks/bench_insights.py --events 20000000    # the real run
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

FIRST = date(2024, 1, 1)  # a Monday
LAST = date(2024, 3, 24)  # 12 weeks later, a Sunday
STEPS = ("signed_up", "created_project", "invited")
WINDOW_DAYS = 7
WEEKS = 12
#: (event, share of all events)
MIX = (
    ("viewed", 0.55),
    ("signed_up", 0.04),
    ("created_project", 0.08),
    ("invited", 0.05),
    ("exported", 0.10),
    ("commented", 0.18),
)


def generate(path: Path, events: int, per_person: int, seed: int = 7) -> None:
    """Write ``events`` rows with the ``person_events`` columns to ``path`` (Parquet)."""
    import duckdb

    persons = max(1, events // per_person)
    cases, edge = [], 0.0
    for name, share in MIX:
        edge += share
        cases.append(f"WHEN r < {edge:.4f} THEN '{name}'")
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"SELECT setseed({seed / 100})")
    span_us = (LAST - FIRST).days * 86_400_000_000 + 7 * 86_400_000_000
    target = str(path).replace("'", "''")
    con.execute(
        f"""
        COPY (
          SELECT CAST(i AS VARCHAR) AS uuid,
                 CASE {" ".join(cases)} ELSE 'commented' END AS event,
                 make_timestamptz(
                   epoch_us(TIMESTAMPTZ '{FIRST} 00:00:00+00')
                   + CAST(random() * {span_us} AS BIGINT)
                 ) AS timestamp,
                 'd' || person AS distinct_id, 'p' || person AS person_id,
                 'a' || (person % 997) AS account_id,
                 '{{"plan": "' || (['free', 'pro', 'team', 'enterprise'])[1 + i % 4] || '"}}'
                   AS properties,
                 CAST(NULL AS VARCHAR) AS current_url, CAST(NULL AS VARCHAR) AS browser,
                 CAST(NULL AS VARCHAR) AS os, CAST(NULL AS VARCHAR) AS lib
          FROM (SELECT i, random() AS r, CAST(floor(random() * {persons}) AS BIGINT) AS person
                FROM range({events}) t(i))
        ) TO '{target}' (FORMAT parquet)
        """
    )


# --- the contestants (each runs in a fresh worker process) -----------------------------------


def _duckdb(path: Path) -> Any:
    import duckdb

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    source = str(path).replace("'", "''")
    con.execute(
        "CREATE VIEW person_events AS SELECT * REPLACE (CAST(properties AS JSON) AS properties) "
        f"FROM read_parquet('{source}')"
    )
    con.execute("CREATE TABLE persons (person_id VARCHAR, properties JSON)")
    con.execute(
        "CREATE TABLE accounts (account_id VARCHAR, name VARCHAR, segment VARCHAR, arr DOUBLE, "
        "arr_band VARCHAR)"
    )
    return con


def prodloop_funnel(path: Path) -> list[int]:
    from prodloop.analytics.insights.funnels import FunnelQuery, run_funnel
    from prodloop.analytics.query.engine import DuckDBEngine

    query = FunnelQuery.model_validate(
        {
            "steps": [{"event": name} for name in STEPS],
            "window": {"value": WINDOW_DAYS, "unit": "day"},
            "date_from": FIRST,
            "date_to": LAST,
            "interval": "week",
        }
    )
    result = run_funnel(DuckDBEngine(_duckdb(path)), query, tz="UTC")
    return [step.count for step in result.steps]


def prodloop_retention(path: Path) -> dict[str, list[int]]:
    from prodloop.analytics.insights.retention import RetentionQuery, run_retention
    from prodloop.analytics.query.engine import DuckDBEngine

    query = RetentionQuery.model_validate(
        {
            "start_event": {"event": "signed_up"},
            "return_event": {"event": "viewed"},
            "date_from": FIRST,
            "date_to": LAST,
            "interval": "week",
            "periods": WEEKS,
        }
    )
    result = run_retention(DuckDBEngine(_duckdb(path)), query, tz="UTC")
    return {row.cohort.date().isoformat(): row.counts for row in result.cohorts}


PLANS = ("enterprise", "free", "pro", "team")


def prodloop_trend(path: Path) -> dict[str, int]:
    from prodloop.analytics.insights.trends import TrendsQuery, run_trends
    from prodloop.analytics.query.engine import DuckDBEngine

    query = TrendsQuery.model_validate(
        {
            "series": [{"event": "viewed", "math": "total"}],
            "breakdown": {"key": "plan", "on": "event"},
            "date_from": FIRST,
            "date_to": LAST,
            "interval": "day",
        }
    )
    result = run_trends(DuckDBEngine(_duckdb(path)), query, tz="UTC")
    return {
        str(line.breakdown_value): int(sum(v or 0 for v in line.values)) for line in result.lines
    }


def chdb_trend(path: Path) -> dict[str, int]:
    import chdb

    sql = f"""
        SELECT toStartOfDay(timestamp) AS day, JSONExtractString(properties, 'plan') AS plan,
               count()
        FROM file('{path}', Parquet)
        WHERE {_range()} AND event = 'viewed'
        GROUP BY day, plan ORDER BY day, plan
        SETTINGS session_timezone = 'UTC'
    """
    out = str(chdb.query(sql, "CSV")).strip().splitlines()  # type: ignore[no-untyped-call]
    totals: dict[str, int] = {}
    for line in out:
        _, plan, count = line.split(",")
        totals[plan.strip('"')] = totals.get(plan.strip('"'), 0) + int(count)
    return dict(sorted(totals.items()))


def duckdb_trend(path: Path) -> dict[str, int]:
    con = _duckdb(path)
    sql = f"""
        SELECT date_trunc('day', timestamp) AS day, properties ->> 'plan' AS plan, COUNT(*)
        FROM person_events WHERE {_range()} AND event = 'viewed'
        GROUP BY ALL ORDER BY 1, 2
    """
    totals: dict[str, int] = {}
    for _, plan, count in con.execute(sql).fetchall():
        totals[plan] = totals.get(plan, 0) + int(count)
    return dict(sorted(totals.items()))


def _range() -> str:
    end = date.fromordinal(LAST.toordinal() + 1)
    return f"timestamp >= '{FIRST} 00:00:00' AND timestamp < '{end} 00:00:00'"


def _levels_to_counts(rows: list[tuple[int, int]]) -> list[int]:
    return [sum(count for level, count in rows if level >= k) for k in range(1, len(STEPS) + 1)]


def chdb_funnel(path: Path) -> list[int]:
    import chdb

    conditions = ", ".join(f"event = '{name}'" for name in STEPS)
    names = ", ".join(f"'{name}'" for name in STEPS)
    sql = f"""
        SELECT level, count() FROM (
          SELECT person_id,
                 windowFunnel({WINDOW_DAYS * 86400 * 1_000_000})(
                   toUInt64(toUnixTimestamp64Micro(timestamp)), {conditions}) AS level
          FROM file('{path}', Parquet)
          WHERE {_range()} AND event IN ({names})
          GROUP BY person_id
        ) WHERE level > 0 GROUP BY level
        SETTINGS session_timezone = 'UTC'
    """
    out = str(chdb.query(sql, "CSV")).strip().splitlines()  # type: ignore[no-untyped-call]
    pairs = [line.split(",") for line in out]
    return _levels_to_counts([(int(level), int(count)) for level, count in pairs])


def duckdb_funnel(path: Path) -> list[int]:
    con = _duckdb(path)
    names = ", ".join(f"'{name}'" for name in STEPS)
    window = f"INTERVAL {WINDOW_DAYS} DAY"
    sql = f"""
        WITH ev AS (
          SELECT person_id, timestamp AS ts, event FROM person_events
          WHERE {_range()} AND event IN ({names})
        ),
        s1 AS (SELECT person_id, ts AS t1 FROM ev WHERE event = '{STEPS[0]}'),
        s2 AS (SELECT person_id, ts AS t2 FROM ev WHERE event = '{STEPS[1]}'),
        s3 AS (SELECT person_id, ts AS t3 FROM ev WHERE event = '{STEPS[2]}'),
        j2 AS (
          SELECT s1.person_id, t1, t2 FROM s1 ASOF LEFT JOIN s2
          ON s1.person_id = s2.person_id AND s2.t2 >= s1.t1
        ),
        j3 AS (
          SELECT j2.person_id, t1, t2, t3 FROM j2 ASOF LEFT JOIN s3
          ON j2.person_id = s3.person_id AND s3.t3 >= j2.t2
        )
        SELECT level, COUNT(*) FROM (
          SELECT person_id, MAX(CASE WHEN t3 <= t1 + {window} THEN 3
                                     WHEN t2 <= t1 + {window} THEN 2 ELSE 1 END) AS level
          FROM j3 GROUP BY person_id
        ) GROUP BY level
    """
    return _levels_to_counts(con.execute(sql).fetchall())


def _table(rows: list[tuple[str, int, int]]) -> dict[str, list[int]]:
    """{cohort: [size, week 1, …]} from (cohort, period, count), cut at the range's end."""
    table: dict[str, list[int]] = {}
    for cohort, period, count in rows:
        index = (date.fromisoformat(str(cohort)[:10]) - FIRST).days // 7
        row = table.setdefault(str(cohort)[:10], [0] * (WEEKS - index))
        if period < len(row):
            row[period] += count
    return {
        (date.fromordinal(FIRST.toordinal() + 7 * week)).isoformat(): table.get(
            date.fromordinal(FIRST.toordinal() + 7 * week).isoformat(), [0] * (WEEKS - week)
        )
        for week in range(WEEKS)
    }


def chdb_retention(path: Path) -> dict[str, list[int]]:
    import chdb

    returns = ", ".join(f"ifNull(wk = cohort + {7 * k}, 0)" for k in range(1, WEEKS))
    sql = f"""
        WITH firsts AS (
          SELECT person_id, toMonday(min(timestamp)) AS cohort
          FROM file('{path}', Parquet)
          WHERE event = 'signed_up' AND timestamp < '{date.fromordinal(LAST.toordinal() + 1)}'
          GROUP BY person_id HAVING min(timestamp) >= '{FIRST}'
        ),
        back AS (
          SELECT DISTINCT person_id, toMonday(timestamp) AS wk FROM file('{path}', Parquet)
          WHERE event = 'viewed' AND {_range()}
        )
        SELECT cohort, arrayJoin(arrayEnumerate(r)) - 1 AS period, sum(r[period + 1])
        FROM (
          SELECT f.person_id, f.cohort, retention(1, {returns}) AS r
          FROM firsts f LEFT JOIN back b ON b.person_id = f.person_id
          GROUP BY f.person_id, f.cohort
        ) GROUP BY cohort, period
        SETTINGS session_timezone = 'UTC'
    """
    out = str(chdb.query(sql, "CSV")).strip().splitlines()  # type: ignore[no-untyped-call]
    rows = []
    for line in out:
        cohort, period, count = line.split(",")
        rows.append((cohort.strip('"'), int(period), int(count)))
    return _table(rows)


def duckdb_retention(path: Path) -> dict[str, list[int]]:
    con = _duckdb(path)
    sql = f"""
        WITH firsts AS (
          SELECT person_id, date_trunc('week', MIN(timestamp)) AS cohort FROM person_events
          WHERE event = 'signed_up' AND timestamp < '{date.fromordinal(LAST.toordinal() + 1)}'
          GROUP BY person_id HAVING MIN(timestamp) >= '{FIRST}'
        ),
        back AS (
          SELECT DISTINCT person_id, date_trunc('week', timestamp) AS wk FROM person_events
          WHERE event = 'viewed' AND {_range()}
        )
        SELECT CAST(cohort AS DATE), 0, COUNT(*) FROM firsts GROUP BY 1
        UNION ALL
        SELECT CAST(f.cohort AS DATE), CAST(date_diff('day', f.cohort, b.wk) / 7 AS BIGINT),
               COUNT(*)
        FROM firsts f JOIN back b ON b.person_id = f.person_id AND b.wk > f.cohort
        GROUP BY 1, 2
    """
    return _table(con.execute(sql).fetchall())


CONTESTANTS: dict[str, dict[str, Callable[[Path], Any]]] = {
    "funnel": {
        "prodloop": prodloop_funnel,
        "chdb windowFunnel": chdb_funnel,
        "duckdb hand-written": duckdb_funnel,
    },
    "trend": {
        "prodloop": prodloop_trend,
        "chdb group by": chdb_trend,
        "duckdb hand-written": duckdb_trend,
    },
    "retention": {
        "prodloop": prodloop_retention,
        "chdb retention": chdb_retention,
        "duckdb hand-written": duckdb_retention,
    },
}


def worker(kind: str, name: str, path: Path) -> None:
    """Run one contestant and print {seconds, peak_mb, answer} as JSON."""
    function = CONTESTANTS[kind][name]
    # Imports are not timed: every contestant starts with its modules loaded.
    import chdb  # noqa: F401
    import duckdb  # noqa: F401

    import prodloop.analytics.insights.funnels
    import prodloop.analytics.insights.retention
    import prodloop.analytics.insights.trends  # noqa: F401

    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    answer = function(path)
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime - before.ru_utime - before.ru_stime
    peak_mb = usage.ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_mb": peak_mb, "answer": answer}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--per-person", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=2, help="runs per contestant (best kept)")
    parser.add_argument("--only", choices=sorted(CONTESTANTS), help="run one insight only")
    parser.add_argument("--worker", nargs=3, metavar=("KIND", "NAME", "PATH"))
    args = parser.parse_args()
    if args.worker:
        kind, name, path = args.worker
        worker(kind, name, Path(path))
        return
    with tempfile.TemporaryDirectory(prefix="prodloop-bench-") as folder:
        path = Path(folder) / "events.parquet"
        started = time.perf_counter()
        generate(path, args.events, args.per_person)
        print(
            f"{args.events:,} events, ~{args.events // args.per_person:,} persons "
            f"({path.stat().st_size / 2**20:.0f} MiB Parquet, generated in "
            f"{time.perf_counter() - started:.1f} s); load average {os.getloadavg()[0]:.1f}"
        )
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
        for kind, contestants in CONTESTANTS.items():
            if args.only and kind != args.only:
                continue
            results: dict[str, dict[str, Any]] = {}
            for name in contestants:
                runs = []
                for _ in range(args.repeats):
                    out = subprocess.run(
                        [sys.executable, __file__, "--worker", kind, name, str(path)],
                        check=True,
                        capture_output=True,
                        text=True,
                        env=env,
                    )
                    runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
                best = min(runs, key=lambda run: run["seconds"])
                best["cpu"] = min(run["cpu"] for run in runs)
                best["peak_mb"] = max(run["peak_mb"] for run in runs)
                results[name] = best
            mine = results["prodloop"]
            print(
                f"\n{kind}: wall time (best of {args.repeats}), CPU time (user + system, best"
                f" of {args.repeats}: steadier on a shared machine), peak RSS, answer"
            )
            for name, run in results.items():
                ratio = run["seconds"] / mine["seconds"]
                cpu_ratio = run["cpu"] / mine["cpu"]
                agrees = "same answer" if run["answer"] == mine["answer"] else "DIFFERENT"
                answer = run["answer"] if kind != "retention" else _summary(run["answer"])
                print(
                    f"  {name:<22} {run['seconds']:7.2f} s ({ratio:4.2f}x prodloop)"
                    f" cpu {run['cpu']:7.2f} s ({cpu_ratio:4.2f}x)"
                    f" {run['peak_mb']:7.0f} MB  {agrees}  {answer}"
                )


def _summary(table: dict[str, list[int]]) -> str:
    """The cohort table's column totals (size, week 1, …)."""
    width = max((len(row) for row in table.values()), default=0)
    return str([sum(row[k] for row in table.values() if len(row) > k) for k in range(width)])


if __name__ == "__main__":
    main()
