"""Request dependencies: the unit of work, who is asking, and what they may do."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from prodloop.auth.models import User
from prodloop.auth.service import Role, TokenScope, token_owner
from prodloop.settings import Settings

SESSION_USER = "user_id"
SESSION_CSRF = "csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"


class AuthRequired(Exception):
    """No valid session or token: 401 for the API, a redirect to the login page for pages."""


class Forbidden(Exception):
    """Signed in, but the role or token scope does not allow this."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CsrfFailed(Exception):
    """A cookie-authenticated change arrived without the form's CSRF token."""


def db_session(request: Request) -> Iterator[Session]:
    """The request's unit of work. Handlers that change data commit it; anything else rolls back."""
    session: Session = request.app.state.sessions()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


DbSession = Annotated[Session, Depends(db_session)]


def app_settings(request: Request) -> Settings:
    """The settings the app was built with."""
    settings: Settings = request.app.state.settings
    return settings


AppSettings = Annotated[Settings, Depends(app_settings)]


@dataclass(frozen=True)
class Principal:
    """Who is making the request and through what: a browser session or an API token."""

    user: User
    via: str  # "session" or "token"
    scope: TokenScope

    @property
    def role(self) -> Role:
        """The user's role."""
        return Role(self.user.role)

    @property
    def can_write(self) -> bool:
        """Whether this request may change records (role and token scope both allow it)."""
        return self.role.can_write and self.scope is TokenScope.WRITE

    @property
    def actor(self) -> str:
        """How audit entries name this principal."""
        return self.user.email


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use."""
    token = request.session.get(SESSION_CSRF)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session[SESSION_CSRF] = token
    return token


def optional_principal(request: Request, session: DbSession) -> Principal | None:
    """The principal behind the request's bearer token or session cookie, if any."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        token = token_owner(session, header[7:].strip())
        if token is None:
            raise AuthRequired
        session.commit()  # keep last_used_at
        return Principal(user=token.user, via="token", scope=TokenScope(token.scope))
    user_id = request.session.get(SESSION_USER)
    if not isinstance(user_id, int):
        return None
    user = session.get(User, user_id)
    if user is None or not user.active:
        request.session.pop(SESSION_USER, None)
        return None
    return Principal(user=user, via="session", scope=TokenScope.WRITE)


def require_principal(
    principal: Annotated[Principal | None, Depends(optional_principal)],
) -> Principal:
    """Any signed-in user or token."""
    if principal is None:
        raise AuthRequired
    return principal


async def _check_csrf(request: Request, principal: Principal) -> None:
    if principal.via != "session" or request.method in {"GET", "HEAD", "OPTIONS"}:
        return
    expected = request.session.get(SESSION_CSRF)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not expected or not sent or not secrets.compare_digest(str(expected), sent):
        raise CsrfFailed


async def require_writer(
    request: Request, principal: Annotated[Principal, Depends(require_principal)]
) -> Principal:
    """A principal allowed to change records, with CSRF checked for browser sessions."""
    if not principal.role.can_write:
        raise Forbidden("viewers cannot change anything; ask an admin for the editor role")
    if not principal.can_write:
        raise Forbidden("this API token is read-only")
    await _check_csrf(request, principal)
    return principal


async def require_admin(
    request: Request, principal: Annotated[Principal, Depends(require_writer)]
) -> Principal:
    """An admin (user management)."""
    if principal.role is not Role.ADMIN:
        raise Forbidden("only admins can do this")
    return principal


async def require_member(
    request: Request, principal: Annotated[Principal, Depends(require_principal)]
) -> Principal:
    """Any signed-in user acting on their own things (tokens), with CSRF checked."""
    await _check_csrf(request, principal)
    return principal


Reader = Annotated[Principal, Depends(require_principal)]
Member = Annotated[Principal, Depends(require_member)]
Writer = Annotated[Principal, Depends(require_writer)]
Admin = Annotated[Principal, Depends(require_admin)]
MaybePrincipal = Annotated[Principal | None, Depends(optional_principal)]
