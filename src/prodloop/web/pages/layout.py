"""What every signed-in page shares: the nav, who is signed in, flash messages and links.

A handler builds its page data (a pydantic model, the page's JSON twin) and hands it to
``Layout.render``, which adds the chrome the templates need around it.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cached_property
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from prodloop.ledger import service
from prodloop.ledger.models import Workspace
from prodloop.web.deps import DbSession, Principal, Reader, csrf_token
from prodloop.web.rendering import render, templates, wants_json

FLASH_KEY = "flash"


def flash(request: Request, message: str) -> None:
    """Keep ``message`` in the session until the next page shows it."""
    messages = request.session.get(FLASH_KEY)
    queued = list(messages) if isinstance(messages, list) else []
    request.session[FLASH_KEY] = [*queued, message]


def pop_flashes(request: Request) -> list[str]:
    """The messages waiting to be shown, removed from the session."""
    messages = request.session.pop(FLASH_KEY, None)
    return [str(m) for m in messages] if isinstance(messages, list) else []


def redirect(request: Request, url: str, message: str | None = None) -> Response:
    """A 303 to ``url`` after a successful change, with an optional flash message."""
    if message:
        flash(request, message)
    return RedirectResponse(url, status_code=303)


def is_fragment(request: Request, target: str) -> bool:
    """Whether HTMX asked for only the element ``target`` (not a history restore)."""
    return (
        request.headers.get("hx-request") == "true"
        and request.headers.get("hx-target") == target
        and request.headers.get("hx-history-restore-request") != "true"
    )


class Layout:
    """The chrome around one request's page: who, the workspace, the CSRF token."""

    def __init__(self, request: Request, who: Principal, db: Session) -> None:
        self.request = request
        self.who = who
        self.db = db

    @cached_property
    def workspace(self) -> Workspace | None:
        """The workspace (None before ``prodloop init``)."""
        return service.get_workspace(self.db)

    @property
    def time_zone(self) -> str:
        """The workspace time zone, in which every time on a page is shown."""
        return self.workspace.time_zone if self.workspace else "UTC"

    @property
    def currency(self) -> str:
        """The workspace currency, for ARR figures."""
        return self.workspace.currency if self.workspace else "USD"

    @property
    def today(self) -> date:
        """Today's date in the workspace time zone (what "overdue" is measured against)."""
        return datetime.now(ZoneInfo(self.time_zone)).date()

    def render(
        self,
        template: str,
        data: BaseModel,
        *,
        section: str,
        status_code: int = 200,
        **extra: Any,
    ) -> Response:
        """``template`` filled from ``data`` inside the layout, or ``data`` as JSON."""
        chrome: dict[str, Any] = {
            "who": self.who,
            "csrf": csrf_token(self.request),
            "flashes": [] if wants_json(self.request) else pop_flashes(self.request),
            "section": section,
            "tz": self.time_zone,
            "currency": self.currency,
            "workspace": self.workspace,
            "today": self.today,
            **extra,
        }
        return render(self.request, template, data, status_code=status_code, extra=chrome)


def layout(request: Request, who: Reader, db: DbSession) -> Layout:
    """The layout for a signed-in page request."""
    return Layout(request, who, db)


PageLayout = Annotated[Layout, Depends(layout)]


def url_with(request: Request, **changes: object) -> str:
    """The current page's URL with some query parameters replaced (paging restarts at 1).

    ``None``, ``""`` and ``False`` drop a parameter; a list sets it once per item.
    """
    params = [
        (key, value)
        for key, value in request.query_params.multi_items()
        if key not in changes and key not in {"page", "format"} and value != ""
    ]
    for key, value in changes.items():
        if value is None or value == "" or value is False:
            continue
        if isinstance(value, list | tuple):
            params.extend((key, str(item)) for item in value)
        else:
            params.append((key, "1" if value is True else str(value)))
    query = urlencode(params)
    return request.url.path + (f"?{query}" if query else "")


def next_sort(current: str, column: str) -> str:
    """The sort a click on ``column``'s header asks for: ascending first, then descending."""
    return f"-{column}" if current == column else column


def page_numbers(current: int, pages: int) -> list[int | None]:
    """The page links a pager shows: the ends, the neighbours of ``current``, gaps as None."""
    shown = sorted(
        {1, 2, pages - 1, pages, current - 1, current, current + 1} & set(range(1, pages + 1))
    )
    numbers: list[int | None] = []
    previous = 0
    for number in shown:
        if number - previous > 1:
            numbers.append(None)
        numbers.append(number)
        previous = number
    return numbers


def initials(name: str) -> str:
    """Up to two initials for an avatar."""
    words = [word for word in name.replace("@", " ").split() if word[:1].isalnum()]
    return "".join(word[0] for word in words[:2]).upper() or "?"


def hue(text: str) -> int:
    """A stable colour hue (0-359) for ``text``, so each person keeps their avatar colour."""
    return sum(ord(char) * (index + 1) for index, char in enumerate(text)) % 360


templates.env.globals["url_with"] = url_with
templates.env.globals["next_sort"] = next_sort
templates.env.globals["page_numbers"] = page_numbers
templates.env.filters["initials"] = initials
templates.env.filters["hue"] = hue
