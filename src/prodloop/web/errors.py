"""Turns refusals into JSON errors naming the field (API) or friendly pages (browser)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException

from prodloop.auth.service import LoginError
from prodloop.ledger.errors import LedgerError
from prodloop.web.deps import AuthRequired, CsrfFailed, Forbidden
from prodloop.web.rendering import render_error, wants_json


def is_api(request: Request) -> bool:
    """Whether the request is for the JSON API rather than a page."""
    return request.url.path.startswith("/api/") or wants_json(request)


def error_json(
    status: int, code: str, message: str, field: str | None = None, **extra: Any
) -> JSONResponse:
    """The one error shape the API returns."""
    body: dict[str, Any] = {"code": code, "message": message, "field": field, **extra}
    return JSONResponse({"error": body}, status_code=status)


def _field(loc: Sequence[Any]) -> str:
    parts = [str(part) for part in loc if part not in {"body", "query", "path", "form"}]
    return ".".join(parts) or "body"


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    @app.exception_handler(LedgerError)
    async def ledger_error(request: Request, exc: LedgerError) -> Response:
        headers = {}
        if isinstance(exc, LoginError) and exc.retry_after:
            headers["Retry-After"] = str(exc.retry_after)
        if is_api(request):
            response = error_json(exc.status, exc.code, exc.message, exc.field)
            response.headers.update(headers)
            return response
        return render_error(request, exc.status, exc.message)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = exc.errors()
        first = errors[0] if errors else {"loc": ("body",), "msg": "invalid request"}
        field = _field(first.get("loc", ()))
        details = [{"field": _field(e.get("loc", ())), "message": e.get("msg", "")} for e in errors]
        message = f"{field}: {first.get('msg', 'invalid')}"
        if is_api(request):
            return error_json(422, "invalid", message, field, details=details)
        return render_error(request, 422, message)

    @app.exception_handler(IntegrityError)
    async def integrity_error(request: Request, exc: IntegrityError) -> Response:
        message = "the change conflicts with an existing record"
        if is_api(request):
            return error_json(409, "conflict", message)
        return render_error(request, 409, message)

    @app.exception_handler(AuthRequired)
    async def auth_required(request: Request, exc: AuthRequired) -> Response:
        if is_api(request):
            response = error_json(
                401, "unauthenticated", "sign in or send 'Authorization: Bearer <token>'"
            )
            response.headers["WWW-Authenticate"] = "Bearer"
            return response
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        if is_api(request):
            return error_json(403, "forbidden", exc.message)
        return render_error(request, 403, exc.message)

    @app.exception_handler(CsrfFailed)
    async def csrf_failed(request: Request, exc: CsrfFailed) -> Response:
        message = "the form has expired or did not come from prodloop; reload the page"
        if is_api(request):
            return error_json(403, "csrf", message, "csrf_token")
        return render_error(request, 403, message)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if is_api(request):
            return error_json(exc.status_code, "http_error", str(exc.detail))
        return render_error(request, exc.status_code, str(exc.detail))
