"""Every page is built once as data, then rendered as HTML or returned as JSON (its twin)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel

from prodloop import __version__

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"

templates = Jinja2Templates(directory=str(TEMPLATES))


def wants_json(request: Request) -> bool:
    """Whether the caller asked for the page's data rather than its HTML."""
    if request.query_params.get("format") == "json" or request.url.path.endswith(".json"):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def render(
    request: Request,
    template: str,
    data: BaseModel,
    *,
    status_code: int = 200,
    extra: dict[str, Any] | None = None,
) -> Response:
    """The page ``template`` filled from ``data``, or ``data`` as JSON when asked for."""
    if wants_json(request):
        return JSONResponse(data.model_dump(mode="json"), status_code=status_code)
    context: dict[str, Any] = {"page": data, **(extra or {})}
    return templates.TemplateResponse(request, template, context, status_code=status_code)


def render_error(request: Request, status_code: int, message: str) -> Response:
    """An error as a friendly page."""
    return (
        templates.TemplateResponse(
            request,
            "error.html",
            {"status_code": status_code, "message": message},
            status_code=status_code,
        )
        if (TEMPLATES / "error.html").exists()
        else HTMLResponse(message, status_code=status_code)
    )


def _local(value: datetime | None, tz: str = "UTC", fmt: str = "%d %b %Y %H:%M") -> str:
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(tz)).strftime(fmt)


def _day(value: date | datetime | None, fmt: str = "%d %b %Y") -> str:
    return "" if value is None else value.strftime(fmt)


def _money(value: int | float | None, currency: str = "USD") -> str:
    if value is None:
        return ""
    symbol = {"USD": "$", "EUR": "€", "GBP": "£"}.get(currency, currency + " ")
    if abs(value) >= 1_000_000:
        return f"{symbol}{value / 1_000_000:.1f}M"
    if abs(value) >= 10_000:
        return f"{symbol}{value / 1_000:.0f}k"
    return f"{symbol}{value:,.0f}"


templates.env.filters["local"] = _local
templates.env.filters["day"] = _day
templates.env.filters["money"] = _money
templates.env.globals["version"] = __version__
