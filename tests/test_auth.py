"""Sign-in, password hashing and the login throttle, through the real login form."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from prodloop.auth.service import (
    LoginError,
    authenticate,
    create_token,
    create_user,
    hash_password,
    token_owner,
)
from prodloop.ledger.errors import ConflictError, RuleError
from prodloop.store import unit_of_work
from tests.conftest import PASSWORD


def test_passwords_are_hashed_with_argon2(sessions: sessionmaker[Session]) -> None:
    with unit_of_work(sessions) as s:
        user = create_user(
            s, email="Someone@Example.com", name="S", password="long enough", role="editor"
        )
        assert user.email == "someone@example.com"
        assert user.password_hash.startswith("$argon2id$")
        assert "long enough" not in user.password_hash
    assert hash_password("x" * 8) != hash_password("x" * 8)  # salted


def test_user_rules(sessions: sessionmaker[Session]) -> None:
    with unit_of_work(sessions) as s:
        create_user(s, email="a@example.com", name="A", password="password1", role="admin")
    with pytest.raises(ConflictError), unit_of_work(sessions) as s:
        create_user(s, email="A@example.com", name="A", password="password1", role="admin")
    with pytest.raises(RuleError, match="at least 8"), unit_of_work(sessions) as s:
        create_user(s, email="b@example.com", name="B", password="short", role="admin")
    with pytest.raises(RuleError, match="unknown role"), unit_of_work(sessions) as s:
        create_user(s, email="c@example.com", name="C", password="password1", role="owner")


def test_throttle_locks_out_after_repeated_failures(sessions: sessionmaker[Session]) -> None:
    with unit_of_work(sessions) as s:
        create_user(s, email="a@example.com", name="A", password="password1", role="admin")
    now = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # across the EU DST change: UTC throughout
    window = timedelta(minutes=15)

    def attempt(password: str, at: datetime, client: str = "10.0.0.1") -> None:
        with unit_of_work(sessions) as s:
            try:
                authenticate(
                    s,
                    email="a@example.com",
                    password=password,
                    client=client,
                    max_failures=3,
                    window=window,
                    now=at,
                )
            except LoginError:
                s.commit()
                raise

    for i in range(3):
        with pytest.raises(LoginError, match="wrong email or password"):
            attempt("wrong", now + timedelta(minutes=i))
    with pytest.raises(LoginError, match="too many") as locked:
        attempt("password1", now + timedelta(minutes=3), client="10.0.0.2")
    assert locked.value.retry_after == 12 * 60
    attempt("password1", now + window + timedelta(minutes=1), client="10.0.0.2")


def test_login_form_rate_limited_with_retry_after(client: TestClient) -> None:
    for _ in range(5):
        response = client.post("/login", data={"email": "viewer@example.com", "password": "nope"})
        assert response.status_code == 401
        assert "wrong email or password" in response.text
    locked = client.post("/login", data={"email": "viewer@example.com", "password": PASSWORD})
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) > 0
    assert client.get("/api/v1/me").status_code == 401


def test_login_sets_session_and_logout_ends_it(client: TestClient) -> None:
    signed_in = client.post(
        "/login",
        data={
            "email": "editor@example.com",
            "password": PASSWORD,
            "next": "https://evil.example.com/",
        },
        follow_redirects=False,
    )
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/"  # no open redirect
    assert client.get("/api/v1/me").json()["email"] == "editor@example.com"
    csrf = client.get("/api/v1/me/csrf").json()["csrf_token"]
    assert client.post("/logout", follow_redirects=False).status_code == 403  # no CSRF token
    out = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert out.status_code == 303
    assert client.get("/api/v1/me").status_code == 401


def test_revoked_and_unknown_tokens_fail(sessions: sessionmaker[Session]) -> None:
    with unit_of_work(sessions) as s:
        user = create_user(s, email="t@example.com", name="T", password="password1", role="editor")
        issued = create_token(s, user, name="ci", scope="write")
        assert issued.token.digest != issued.secret
        assert token_owner(s, issued.secret) is not None
        assert token_owner(s, issued.secret + "x") is None
        assert token_owner(s, "not-a-token") is None
        issued.token.revoked_at = datetime.now(UTC)
        assert token_owner(s, issued.secret) is None
