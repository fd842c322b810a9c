"""Theme trends: weekly counts per theme and a surge flag.

The surge test: over the last ``recent_weeks`` complete-or-current weeks a theme had ``R``
items; over the ``baseline`` weeks before them it averaged ``b`` a week, so a steady theme
would show ``E = max(b, 0.5) · recent_weeks`` (the floor keeps a brand-new theme testable).
It is surging when ``R ≥ 5``, ``R / E ≥ 1.5`` and the Poisson upper tail ``P(X ≥ R | E)`` is
below 0.01 — more than chance and more than a little.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from scipy.special import pdtrc

SURGE_MIN_COUNT = 5
SURGE_MIN_RATIO = 1.5
SURGE_MAX_P = 0.01
BASELINE_FLOOR = 0.5


@dataclass(frozen=True)
class ThemeTrend:
    """A theme's weekly counts (oldest first) and whether it is surging."""

    key: str
    weeks: tuple[date, ...]
    counts: tuple[int, ...]
    recent: int
    expected: float
    ratio: float
    p_value: float
    surging: bool


def week_start(day: date) -> date:
    """The Monday of ``day``'s ISO week."""
    return day - timedelta(days=day.weekday())


def theme_trends(
    events: Sequence[tuple[str, datetime | date]],
    *,
    as_of: date,
    weeks: int = 12,
    recent_weeks: int = 4,
) -> list[ThemeTrend]:
    """One trend per theme key seen in ``events`` (key, when received), surging first.

    ``weeks`` weeks ending with the week of ``as_of`` are counted; events outside are ignored.
    """
    if recent_weeks < 1 or weeks <= recent_weeks:
        raise ValueError("weeks must exceed recent_weeks, which must be at least 1")
    last = week_start(as_of)
    starts = tuple(last - timedelta(weeks=weeks - 1 - i) for i in range(weeks))
    index = {start: i for i, start in enumerate(starts)}
    counts: dict[str, list[int]] = {}
    for key, when in events:
        day = when.date() if isinstance(when, datetime) else when
        column = index.get(week_start(day))
        row = counts.setdefault(key, [0] * weeks)
        if column is not None:
            row[column] += 1
    trends = [_trend(key, starts, row, recent_weeks) for key, row in counts.items()]
    return sorted(trends, key=lambda t: (not t.surging, -t.recent, t.key))


def _trend(key: str, starts: tuple[date, ...], row: list[int], recent_weeks: int) -> ThemeTrend:
    baseline = row[:-recent_weeks]
    recent = sum(row[-recent_weeks:])
    rate = max(sum(baseline) / len(baseline), BASELINE_FLOOR)
    expected = rate * recent_weeks
    ratio = recent / expected
    p_value = float(pdtrc(recent - 1, expected))  # P(X >= recent), Poisson if recent else 1.0
    surging = recent >= SURGE_MIN_COUNT and ratio >= SURGE_MIN_RATIO and p_value < SURGE_MAX_P
    return ThemeTrend(
        key=key,
        weeks=starts,
        counts=tuple(row),
        recent=recent,
        expected=round(expected, 4),
        ratio=round(ratio, 4),
        p_value=p_value,
        surging=surging,
    )
