"""The signals page (``/delivery/signals``): every delivery warning sign, filterable by kind,
team and severity, each with its one-line message and the evidence it was computed from."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError

from prodloop.delivery import report
from prodloop.delivery.inventory import delivery_teams, has_delivery_data
from prodloop.delivery.report_schemas import ReportPeriod, SignalOut
from prodloop.delivery.signals import Severity, SignalKind, SubjectKind
from prodloop.delivery.signals_report import KIND_FAMILIES, KIND_LABELS, filter_signals
from prodloop.ledger.errors import RuleError
from prodloop.web.pages.forms import Option
from prodloop.web.pages.layout import PageLayout

router = APIRouter()

MAX_LISTED = 8


class Fact(BaseModel):
    """One line of a signal's evidence."""

    label: str
    value: str


class SignalRow(SignalOut):
    """A signal as the page lists it: its kind in words, a link to its subject, its evidence."""

    label: str
    family: str
    url: str | None
    facts: list[Fact]


class Family(StrEnum):
    """The three warning signs product ops is called in for."""

    DELAY = "delay"
    OWNERSHIP = "ownership"
    FIREFIGHTING = "firefighting"


FAMILY_LABELS = {
    Family.DELAY: "Delayed projects",
    Family.OWNERSHIP: "Unclear ownership",
    Family.FIREFIGHTING: "Firefighting",
}


class FamilyCount(BaseModel):
    """How many signals one family holds (before the page's filters)."""

    family: Family
    label: str
    count: int


class SignalFilters(BaseModel):
    """Which signals the page shows."""

    family: Family | None = None
    kind: SignalKind | None = None
    team: str | None = None
    severity: Severity | None = None


class SignalsPage(BaseModel):
    """The signals list: its JSON twin."""

    filters: SignalFilters
    today: date
    firefighting_window: ReportPeriod
    forecast_history_days: int
    total: int
    by_severity: dict[str, int]
    families: list[FamilyCount]
    signals: list[SignalRow]
    kinds: list[Option]
    teams: list[Option]
    has_work_items: bool


def _text(value: Any, key: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, float) and "slope" in key:
        return f"{value * 100:+.1f} points"
    if isinstance(value, float):
        if "share" in key or "probability" in key or key == "rate":
            return f"{value:.0%}"
        return f"{value:.2f}"
    if isinstance(value, list | tuple):
        shown = [str(v) for v in value[:MAX_LISTED]]
        more = f" … (+{len(value) - MAX_LISTED})" if len(value) > MAX_LISTED else ""
        return ", ".join(shown) + more
    return str(value)


def _series(shares: Sequence[dict[str, Any]]) -> str:
    """Unplanned shares per bucket as "start: unplanned/done"."""
    return " · ".join(
        f"{s['start']}: {s['unplanned_done']}/{s['items_done']}" for s in shares if s["items_done"]
    )


def evidence_facts(evidence: dict[str, Any], prefix: str = "") -> list[Fact]:
    """The evidence as label / value lines (nested records flattened one level)."""
    facts: list[Fact] = []
    for key, value in evidence.items():
        label = f"{prefix}{key.replace('_', ' ')}"
        if isinstance(value, dict):
            facts.extend(evidence_facts(value, prefix=f"{label} · "))
        elif key == "shares" and isinstance(value, list | tuple):
            facts.append(Fact(label="unplanned / done", value=_series(value)))
        else:
            facts.append(Fact(label=label, value=_text(value, key)))
    return facts


def _url(signal: SignalOut) -> str | None:
    if signal.subject_kind is SubjectKind.FEATURE:
        return f"/features/{signal.subject}"
    if signal.subject_kind is SubjectKind.TEAM and signal.team:
        return f"/delivery?team={signal.team}"
    return None


def signal_row(signal: SignalOut) -> SignalRow:
    """The page's row for ``signal``."""
    return SignalRow(
        **signal.model_dump(),
        label=KIND_LABELS[signal.kind],
        family=KIND_FAMILIES[signal.kind],
        url=_url(signal),
        facts=evidence_facts(signal.evidence),
    )


@router.get("/delivery/signals")
def signals(
    view: PageLayout, family: str = "", kind: str = "", team: str = "", severity: str = ""
) -> Response:
    """The delivery signals, most severe first."""
    asked = {"family": family, "kind": kind, "team": team, "severity": severity}
    try:
        filters = SignalFilters.model_validate({k: v or None for k, v in asked.items()})
    except ValidationError as invalid:
        field = str(invalid.errors()[0]["loc"][0])
        raise RuleError(f"unknown {field} {asked[field]!r}", field=field) from None
    found = report.delivery_signals(view.db, today=view.today, time_zone=view.time_zone)
    shown = filter_signals(found, kind=filters.kind, team=filters.team, severity=filters.severity)
    rows = [signal_row(signal) for signal in shown.signals]
    everything = Counter(KIND_FAMILIES[signal.kind] for signal in found.signals)
    page = SignalsPage(
        filters=filters,
        today=found.today,
        firefighting_window=found.firefighting_window,
        forecast_history_days=found.forecast_history_days,
        total=len(found.signals),
        by_severity=found.by_severity,
        families=[
            FamilyCount(family=f, label=label, count=everything[f.value])
            for f, label in FAMILY_LABELS.items()
        ],
        signals=[row for row in rows if filters.family is None or row.family == filters.family],
        kinds=[Option(value=k.value, label=label) for k, label in KIND_LABELS.items()],
        teams=[Option(value=t.key, label=t.name) for t in delivery_teams(view.db)],
        has_work_items=has_delivery_data(view.db),
    )
    return view.render("delivery/signals.html", page, section="signals")
