"""The spellings that differ between SQL engines, and nothing else.

Insight builders write standard SQL and ask the dialect for the few functions engines
disagree on. ``DUCKDB`` is the embedded default; ``SPARK`` is Spark SQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from prodloop.analytics.query.buckets import Interval


def quote_literal(text: str) -> str:
    """``text`` as a single-quoted SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class Dialect:
    """How one engine spells time zones, truncation, JSON access and timestamp literals."""

    name: str

    def local_time(self, column: str, tz: str) -> str:
        """``column`` (a UTC instant) as naive wall-clock time in ``tz``."""
        if self.name == "spark":
            return f"from_utc_timestamp({column}, {quote_literal(tz)})"
        return f"timezone({quote_literal(tz)}, {column})"

    def truncate(self, local: str, interval: Interval) -> str:
        """The bucket label of the naive local time ``local`` (weeks start on Monday)."""
        return f"date_trunc({quote_literal(interval)}, {local})"

    def bucket(self, column: str, interval: Interval, tz: str) -> str:
        """The local bucket label of the UTC instant ``column``."""
        return self.truncate(self.local_time(column, tz), interval)

    def json_text(self, column: str, key: str) -> str:
        """Property ``key`` of the JSON column ``column`` as text (NULL when absent)."""
        if self.name == "spark":
            # Spark's JSON paths take plain names (``$.$browser`` too) or ``$['a.b']``.
            plain = _PLAIN_SPARK_KEY.fullmatch(key) is not None
            path = "$." + key if plain else "$['" + key.replace("'", "\\'") + "']"
            return f"get_json_object({column}, {quote_literal(path)})"
        path = "$." + key if key.isidentifier() else _bracket(key)
        return f"json_extract_string({column}, {quote_literal(path)})"

    def json_number(self, column: str, key: str) -> str:
        """Property ``key`` of the JSON column ``column`` as a DOUBLE (NULL when not numeric)."""
        return f"TRY_CAST({self.json_text(column, key)} AS DOUBLE)"

    def timestamp(self, moment_iso: str) -> str:
        """A UTC instant literal from an ISO-8601 string with an offset."""
        if self.name == "spark":
            return f"TIMESTAMP {quote_literal(moment_iso)}"
        return f"TIMESTAMPTZ {quote_literal(moment_iso)}"


_PLAIN_SPARK_KEY = re.compile(r"[^.\[\]'\"\s]+")


def _bracket(key: str) -> str:
    return '$."' + key.replace('"', '\\"') + '"'


DUCKDB = Dialect("duckdb")
SPARK = Dialect("spark")
