"""Sign in and sign out."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from urllib.parse import urlparse

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel

from prodloop.auth.service import LoginError, authenticate
from prodloop.web.deps import (
    SESSION_USER,
    AppSettings,
    DbSession,
    MaybePrincipal,
    Member,
    csrf_token,
)
from prodloop.web.rendering import render

router = APIRouter()


class LoginPage(BaseModel):
    """What the sign-in page shows."""

    next: str
    email: str = ""
    error: str | None = None


def _safe_next(target: str | None) -> str:
    """Only same-site paths are followed after sign-in."""
    if not target:
        return "/"
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@router.get("/login")
def login_form(request: Request, who: MaybePrincipal, next: str | None = None) -> Response:
    """The sign-in form."""
    if who is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    csrf_token(request)
    return render(request, "login.html", LoginPage(next=_safe_next(next)))


@router.post("/login")
def login(
    request: Request,
    db: DbSession,
    settings: AppSettings,
    email: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Check credentials; on success start a session, on failure show the form again."""
    client = request.client.host if request.client else "unknown"
    try:
        user = authenticate(
            db,
            email=email,
            password=password,
            client=client,
            max_failures=settings.login_max_failures,
            window=timedelta(seconds=settings.login_window_seconds),
        )
    except LoginError as refused:
        db.commit()  # keep the failed attempt: that is what the throttle counts
        page = LoginPage(next=_safe_next(next), email=email, error=refused.message)
        response = render(
            request, "login.html", page, status_code=429 if refused.retry_after else 401
        )
        if refused.retry_after:
            response.headers["Retry-After"] = str(refused.retry_after)
        return response
    db.commit()
    request.session.clear()
    request.session[SESSION_USER] = user.id
    csrf_token(request)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, who: Member) -> Response:
    """End the session."""
    request.session.clear()
    return RedirectResponse("/login", status_code=303)
