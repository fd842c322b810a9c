"""The "Adoption" section of a feature page, and the form that maps its usage events.

The section shows the adoption insight for the feature over its default window (from launch,
at most a year back, to yesterday): rate, adopters, ARR of adopting accounts, time to first
use and the adoption curve since launch. Without mapped usage events it explains how to map
them, with the form right there.
"""

from __future__ import annotations

import shlex
from datetime import date
from typing import Annotated, Any

import duckdb
from fastapi import APIRouter, Form
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError

from prodloop.analytics import usage
from prodloop.analytics.insights.adoption import FeatureAdoption, UsageEvent
from prodloop.analytics.insights.service import lake_engine_for
from prodloop.ledger import service as ledger
from prodloop.ledger.errors import LedgerError
from prodloop.ledger.models import Feature
from prodloop.settings import Settings
from prodloop.web.charts import ACCENT, Spec, chart
from prodloop.web.deps import Writer
from prodloop.web.pages.layout import Layout, PageLayout, redirect

router = APIRouter()


class AdoptionSection(BaseModel):
    """What the feature page shows about the feature's adoption."""

    events: list[UsageEvent]
    events_text: str
    date_from: date | None = None
    date_to: date | None = None
    adoption: FeatureAdoption | None = None
    accounts: FeatureAdoption | None = None
    chart: dict[str, Any] | None = None
    unavailable: str | None = None
    errors: dict[str, str] = {}


def events_text(events: list[UsageEvent]) -> str:
    """Usage events as the form spells them: one per line, ``event key=value …``."""
    lines = []
    for item in events:
        parts = [shlex.quote(item.event)]
        parts += [shlex.quote(f"{k}={v}") for k, v in sorted(item.properties.items())]
        lines.append(" ".join(parts))
    return "\n".join(lines)


def parse_events_text(text: str) -> list[UsageEvent]:
    """The form's lines as usage events; a bad line raises LedgerError naming ``events``."""
    events = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            name, *pairs = shlex.split(line)
        except ValueError as bad:
            raise LedgerError(f"line {number}: {bad}", field="events") from bad
        properties = {}
        for pair in pairs:
            key, equals, value = pair.partition("=")
            if not equals or not key:
                raise LedgerError(
                    f"line {number}: {pair!r} is not a property filter (write key=value)",
                    field="events",
                )
            properties[key] = value
        try:
            events.append(UsageEvent(event=name, properties=properties))
        except ValidationError as invalid:
            message = invalid.errors()[0]["msg"].removeprefix("Value error, ")
            raise LedgerError(f"line {number}: {message}", field="events") from invalid
    return events


def adoption_chart(adoption: FeatureAdoption, interval: str) -> Spec:
    """The cumulative adoption rate by day or week since launch."""
    period = "week" if interval == "week" else "day"
    values = [
        {
            "period": point.period,
            "rate": point.rate,
            "adopters": point.cumulative_adopters,
            "new": point.new_adopters,
        }
        for point in adoption.curve
        if point.rate is not None
    ]
    line = {
        "mark": {"type": "line", "point": {"filled": True, "size": 30}, "color": ACCENT},
        "encoding": {
            "x": {
                "field": "period",
                "type": "quantitative",
                "title": f"{period}s since {adoption.anchored_on.replace('_', ' ')}",
                "axis": {"tickMinStep": 1, "grid": False},
            },
            "y": {
                "field": "rate",
                "type": "quantitative",
                "title": "adopted (share of active)",
                "axis": {"format": "%"},
            },
            "tooltip": [
                {"field": "period", "title": period},
                {"field": "rate", "format": ".1%", "title": "adopted"},
                {"field": "adopters", "title": "adopters so far"},
                {"field": "new", "title": "new adopters"},
            ],
        },
    }
    return chart([line], values=values, height=200)


def adoption_section(view: Layout, feature: Feature) -> AdoptionSection:
    """The adoption section of ``feature``'s page."""
    rows = usage.list_usage_events(view.db, feature.key)
    events = [usage.usage_event_of(row) for row in rows]
    section = AdoptionSection(events=events, events_text=events_text(events))
    if not events:
        return section
    settings: Settings = view.request.app.state.settings
    try:
        with lake_engine_for(settings, view.db) as engine:
            result = usage.feature_adoption(
                view.db, engine, feature.key, today=view.today, tz=view.time_zone
            )
            by_account = usage.feature_adoption(
                view.db, engine, feature.key, today=view.today, tz=view.time_zone, unit="account"
            )
    except (LedgerError, duckdb.Error, OSError) as failed:
        section.unavailable = f"adoption could not be computed: {failed}"
        return section
    section.date_from, section.date_to = result.date_from, result.date_to
    section.adoption = result.features[0]
    section.accounts = by_account.features[0]
    section.chart = adoption_chart(section.adoption, result.curve_interval)
    return section


@router.post("/features/{key}/usage-events")
def map_usage_events(
    key: str, view: PageLayout, who: Writer, events: Annotated[str, Form()] = ""
) -> Response:
    """Replace the feature's usage events with the form's lines."""
    from prodloop.web.pages.features import feature_page

    feature = ledger.get_feature(view.db, key)
    try:
        mapped = usage.set_usage_events(view.db, key, parse_events_text(events), actor=who.actor)
    except LedgerError as refused:
        view.db.rollback()
        page = feature_page(view, feature)
        if page.adoption is not None:
            page.adoption.events_text = events
            page.adoption.errors = {"events": refused.message}
        return view.render("features/detail.html", page, section="ledger", status_code=422)
    view.db.commit()
    count = len(mapped)
    message = f"{key} now counts {count} usage event{'' if count == 1 else 's'}."
    return redirect(view.request, f"/features/{key}#adoption", message)
