"""Work items with known answers, dated relative to today, for the delivery interface tests.

``write_recent_linear_csv`` writes a Linear export for the Growth team (ledger key
``growth``) in which, on each of the 90 days before today, exactly one item was finished at
12:00 UTC after exactly two days of work (created five days before it was done). So:

* throughput is exactly 1 item a day, every day of a 90-day history window: Monte Carlo
  forecasts are certain — N remaining items finish on day N (today is day 1), and "how many
  by a date" is the number of days until it, at every confidence;
* every cycle time is 2.0 days and every lead time 5.0 days (all percentiles);
* the default 12-week period (83 days before today and today) holds 83 completed items, 13
  of them bugs (unplanned): items k days old with k divisible by 3 and k > 42;
* three open items belong to ``usage-billing``: one started ten days ago (assigned), two not
  started and unassigned.
"""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

HISTORY_DAYS = 90
PERIOD_DONE = 83
PERIOD_BUGS = 13
OPEN_FEATURE_ITEMS = 3
COLUMNS = ["ID", "Team", "Title", "Status", "Assignee", "Labels", "Created", "Started", "Completed"]


def workspace_today(time_zone: str = "Europe/Berlin") -> date:
    """Today in the test workspace's time zone (the seeded ledger's Europe/Berlin)."""
    return datetime.now(ZoneInfo(time_zone)).date()


def _noon(day: date) -> str:
    return datetime.combine(day, time(12), tzinfo=UTC).isoformat().replace("+00:00", "Z")


def _done_row(k: int, today: date) -> dict[str, str]:
    done = today - timedelta(days=k)
    return {
        "ID": f"GRO-R{k}",
        "Team": "Growth",
        "Title": f"Finished item {k}",
        "Status": "Done",
        "Assignee": "ada@example.com",
        "Labels": "Bug" if k % 3 == 0 and k > 42 else "Feature",
        "Created": _noon(done - timedelta(days=5)),
        "Started": _noon(done - timedelta(days=2)),
        "Completed": _noon(done),
    }


def _open_rows(today: date) -> list[dict[str, str]]:
    created = _noon(today - timedelta(days=20))
    return [
        {
            "ID": "GRO-F1",
            "Team": "Growth",
            "Title": "[usage-billing] Meter events",
            "Status": "In Progress",
            "Assignee": "ada@example.com",
            "Labels": "",
            "Created": created,
            "Started": _noon(today - timedelta(days=10)),
            "Completed": "",
        },
        *(
            {
                "ID": f"GRO-F{n}",
                "Team": "Growth",
                "Title": f"[usage-billing] Invoice line {n}",
                "Status": "Todo",
                "Assignee": "",
                "Labels": "",
                "Created": created,
                "Started": "",
                "Completed": "",
            }
            for n in (2, 3)
        ),
    ]


def write_recent_linear_csv(path: Path, today: date) -> Path:
    """Write the export described in the module docstring to ``path``."""
    rows = [_done_row(k, today) for k in range(1, HISTORY_DAYS + 1)] + _open_rows(today)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path
