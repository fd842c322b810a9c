"""Reading the dates tools write: Jira's locale dates (``14/Jul/25 3:42 PM``), ISO 8601 with
or without an offset, and the JavaScript ``Date`` string some exports contain.

Local times are interpreted in the given time zone and returned as aware UTC datetimes. On a
DST change day an ambiguous wall time (the repeated hour in autumn) is read as its first
occurrence, and a wall time that does not exist (the skipped hour in spring) as if the clock
had not changed yet — the ``fold=0`` rule of :mod:`zoneinfo`.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_JIRA = re.compile(
    r"(\d{1,2})/([A-Za-z]{3,9})/(\d{2}|\d{4})"
    r"(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?"
)
_ISO_BASIC_OFFSET = re.compile(r"([+-]\d{2})(\d{2})$")
_JS_DATE = re.compile(
    r"[A-Za-z]{3} ([A-Za-z]{3}) (\d{1,2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT([+-]\d{2})(\d{2})"
)


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        year += 2000 if year < 70 else 1900
    return year


def _jira_parts(text: str) -> tuple[date, tuple[int, int, int] | None]:
    match = _JIRA.fullmatch(text.strip())
    if not match:
        raise ValueError("expected a date such as 14/Jul/25 3:42 PM")
    day, month_name, year, hour, minute, second, half = match.groups()
    month = MONTHS.get(month_name.lower())
    if month is None:
        raise ValueError(f"unknown month {month_name!r}")
    day_value = date(_year(year), month, int(day))
    if hour is None:
        return day_value, None
    hours = int(hour)
    if half:
        if not 1 <= hours <= 12:
            raise ValueError(f"hour {hours} with {half.upper()}")
        hours = hours % 12 + (12 if half.lower() == "pm" else 0)
    return day_value, (hours, int(minute), int(second or 0))


@lru_cache(maxsize=131072)
def parse_local_datetime(text: str, zone: ZoneInfo) -> datetime:
    """A Jira export date (locale form or ISO) read in ``zone``, as aware UTC."""
    value = text.strip()
    if value[:1].isdigit() and "/" in value[:6]:
        day, clock = _jira_parts(value)
        hour, minute, second = clock or (0, 0, 0)
        local = datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=zone)
        return local.astimezone(UTC)
    return parse_iso_datetime(value, zone)


def parse_local_date(text: str) -> date:
    """A calendar date (a due date) in Jira's locale form or ISO; any time part is ignored."""
    value = text.strip()
    if value[:1].isdigit() and "/" in value[:6]:
        return _jira_parts(value)[0]
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise ValueError("expected a date such as 14/Jul/25 or 2025-07-14") from None


def parse_iso_datetime(text: str, zone: ZoneInfo | timezone = UTC) -> datetime:
    """An ISO 8601 timestamp (``Z``, ``+02:00`` or ``+0200``); naive ones are read in ``zone``.

    The JavaScript form ``Mon Jul 14 2025 15:42:11 GMT+0000 (…)`` is accepted too.
    """
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        parsed = _unusual_timestamp(text.strip())
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(UTC)


def _unusual_timestamp(value: str) -> datetime:
    js = _JS_DATE.match(value)
    if js:
        return _from_js(js)
    value = _ISO_BASIC_OFFSET.sub(r"\1:\2", value) if "T" in value or " " in value else value
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("expected an ISO 8601 timestamp such as 2025-07-14T15:42:00Z") from None


def _from_js(match: re.Match[str]) -> datetime:
    month_name, day, year, hour, minute, second, off_h, off_m = match.groups()
    month = MONTHS.get(month_name.lower())
    if month is None:
        raise ValueError(f"unknown month {month_name!r}")
    sign = -1 if off_h.startswith("-") else 1
    offset = timedelta(hours=abs(int(off_h)), minutes=int(off_m)) * sign
    moment = datetime(int(year), month, int(day), int(hour), int(minute), int(second))
    return moment.replace(tzinfo=timezone(offset)).astimezone(UTC)


def parse_iso_date(text: str) -> date:
    """A date written ``2025-07-14`` (a longer timestamp's date part is taken)."""
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise ValueError("expected a date such as 2025-07-14") from None
