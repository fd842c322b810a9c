"""Users, passwords, personal API tokens and the login throttle. Services never commit."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from prodloop.auth.models import ApiToken, LoginAttempt, User
from prodloop.ledger.errors import ConflictError, LedgerError, NotFoundError, RuleError
from prodloop.store.base import utcnow

TOKEN_PREFIX = "pl_"
MIN_PASSWORD_LENGTH = 8

_hasher = PasswordHasher()


class Role(StrEnum):
    """What a user may do: admins manage users, editors change records, viewers only read."""

    ADMIN = "admin"
    EDITOR = "editor"
    VIEWER = "viewer"

    @property
    def can_write(self) -> bool:
        """Whether this role may change ledger records."""
        return self is not Role.VIEWER


class TokenScope(StrEnum):
    """What a personal API token allows: reading only, or reading and writing."""

    READ = "read"
    WRITE = "write"


class LoginError(LedgerError):
    """Sign-in refused: wrong credentials, or too many recent failures."""

    status = 401
    code = "login_failed"

    def __init__(self, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message, field="password")
        self.retry_after = retry_after


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _hasher.hash(password)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise RuleError(
            f"password must be at least {MIN_PASSWORD_LENGTH} characters", field="password"
        )


def parse_role(value: str) -> Role:
    """The role named ``value``, or an error listing the valid roles."""
    try:
        return Role(value.strip().lower())
    except ValueError:
        raise RuleError(
            f"unknown role {value!r}; expected admin, editor or viewer", field="role"
        ) from None


def create_user(
    session: Session, *, email: str, name: str, password: str, role: Role | str
) -> User:
    """Add a user who can sign in with ``email`` and ``password``."""
    email = email.strip().lower()
    if "@" not in email:
        raise RuleError(f"not an email address: {email!r}", field="email")
    if session.execute(select(User.id).where(User.email == email)).first():
        raise ConflictError(f"a user with email {email!r} already exists", field="email")
    _check_password(password)
    user = User(
        email=email,
        name=name.strip() or email,
        role=parse_role(str(role)).value,
        password_hash=hash_password(password),
    )
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, email: str) -> User:
    """The user with ``email``."""
    user = session.execute(select(User).where(User.email == email.lower())).scalar_one_or_none()
    if user is None:
        raise NotFoundError(f"no user {email!r}", field="email")
    return user


def set_password(session: Session, user: User, password: str) -> None:
    """Replace ``user``'s password."""
    _check_password(password)
    user.password_hash = hash_password(password)
    session.flush()


def authenticate(
    session: Session,
    *,
    email: str,
    password: str,
    client: str,
    max_failures: int,
    window: timedelta,
    now: datetime | None = None,
) -> User:
    """The user these credentials belong to; throttled per email and per client address.

    Every attempt is recorded, so all server workers share one throttle.
    """
    now = now or utcnow()
    email = email.strip().lower()
    subjects = (f"email:{email}", f"client:{client}")
    since = now - window
    for subject in subjects:
        failures = session.execute(
            select(func.count(), func.min(LoginAttempt.at)).where(
                LoginAttempt.subject == subject,
                LoginAttempt.at >= since,
                LoginAttempt.succeeded.is_(False),
            )
        ).one()
        if failures[0] >= max_failures:
            oldest: datetime = failures[1]
            retry_after = max(1, int((oldest + window - now).total_seconds()))
            raise LoginError("too many failed sign-ins; try again later", retry_after=retry_after)
    user = session.execute(select(User).where(User.email == email)).scalar_one_or_none()
    ok = user is not None and user.active and _verify(user.password_hash, password)
    for subject in subjects:
        session.add(LoginAttempt(subject=subject, at=now, succeeded=ok))
    if not ok or user is None:
        session.flush()
        raise LoginError("wrong email or password")
    user.last_login_at = now
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - 4 * window))
    session.flush()
    return user


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class IssuedToken:
    """A freshly created token: ``secret`` is shown once and never stored."""

    token: ApiToken
    secret: str


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(
    session: Session, user: User, *, name: str, scope: TokenScope | str
) -> IssuedToken:
    """Issue a personal API token for ``user``; a viewer's tokens can only read."""
    try:
        scope = TokenScope(str(scope))
    except ValueError:
        raise RuleError(f"unknown scope {scope!r}; expected read or write", field="scope") from None
    if scope is TokenScope.WRITE and not Role(user.role).can_write:
        raise RuleError("a viewer can only hold read tokens", field="scope")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name.strip() or "token",
        scope=scope.value,
        prefix=secret[:10],
        digest=_digest(secret),
    )
    session.add(token)
    session.flush()
    return IssuedToken(token=token, secret=secret)


def token_owner(session: Session, secret: str) -> ApiToken | None:
    """The live token matching ``secret`` (with its user), or None."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = session.execute(
        select(ApiToken).where(ApiToken.digest == _digest(secret))
    ).scalar_one_or_none()
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    token.last_used_at = utcnow()
    return token


def revoke_token(session: Session, token: ApiToken) -> None:
    """Stop ``token`` from working."""
    token.revoked_at = utcnow()
    session.flush()


def count_users(session: Session) -> int:
    """How many users exist."""
    return int(session.execute(select(func.count()).select_from(User)).scalar_one())
