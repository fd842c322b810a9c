"""Reading one field out of a record: column lookup, dotted JSON paths, times, ratings, tags."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from typing import Any

_TAG = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"[ \t]+")


def lookup(record: dict[str, Any], candidates: tuple[str, ...]) -> Any:
    """The first non-empty value among ``candidates`` (exact column names or dotted paths)."""
    for name in candidates:
        value = _path(record, name) if name not in record and "." in name else record.get(name)
        if value not in (None, "", []):
            return value
    return None


def _path(record: Any, path: str) -> Any:
    value: Any = record
    for part in path.split("."):
        if isinstance(value, list):
            value = [item.get(part) for item in value if isinstance(item, dict)]
        elif isinstance(value, dict):
            value = value.get(part)
        else:
            return None
    return value


def plain_text(value: Any) -> str:
    """Text with HTML tags and entities removed and whitespace tidied."""
    text = str(value)
    if "<" in text:
        text = re.sub(r"<\s*(br|/p|/div|/li)\s*/?>", "\n", text, flags=re.IGNORECASE)
        text = _TAG.sub("", text)
    text = html.unescape(text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line).strip()


_FORMATS = (
    "%Y-%m-%d %H:%M:%S %z",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%b %d, %Y %I:%M:%S %p",
    "%b %d, %Y",
)


def parse_time(value: Any) -> datetime:
    """An aware UTC time from ISO text, common export formats or Unix seconds / milliseconds.

    Times without an offset are read as UTC (what Zendesk, Intercom and Play exports use).
    """
    if isinstance(value, int | float) or (isinstance(value, str) and value.strip().isdigit()):
        number = float(value)
        if number > 1e11:
            number /= 1000
        return datetime.fromtimestamp(number, UTC)
    text = str(value).strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        for fmt in _FORMATS:
            try:
                parsed = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    if parsed is None:
        raise ValueError(f"{value!r} is not a date and time")
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


_WORD_RATINGS = {"bad": 1.0, "good": 5.0, "offered": None, "unoffered": None}


def parse_rating(value: Any, scale: tuple[float, float] | None) -> float | None:
    """A numeric rating or score, checked against the source's scale."""
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _WORD_RATINGS:  # Zendesk satisfaction: "Good" / "Bad" / "Offered"
            return _WORD_RATINGS[word]
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{value!r} is not a number") from None
    if scale is not None and not scale[0] <= number <= scale[1]:
        raise ValueError(f"{number:g} is outside {scale[0]:g}-{scale[1]:g}")
    return number


def parse_tags(value: Any) -> list[str]:
    """Tags from a list or a comma / space separated string, lower-cased, order kept."""
    if value is None:
        return []
    parts = (
        [str(v) for v in value if v]
        if isinstance(value, list)
        else re.split(r"[,;\s]+", str(value))
    )
    seen: dict[str, None] = {}
    for part in parts:
        tag = part.strip().lower()
        if tag:
            seen.setdefault(tag[:64], None)
    return list(seen)
