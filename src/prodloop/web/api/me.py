"""/api/v1/me: the caller, and their personal API tokens."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request, status
from pydantic import BaseModel, ConfigDict, Field

from prodloop.auth.models import ApiToken
from prodloop.auth.service import TokenScope, create_token, revoke_token
from prodloop.ledger.errors import NotFoundError
from prodloop.web.deps import DbSession, Forbidden, Member, Reader, csrf_token

router = APIRouter(prefix="/me", tags=["me"])


class MeOut(BaseModel):
    email: str
    name: str
    role: str
    via: str


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    scope: TokenScope = TokenScope.READ


class TokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    scope: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class IssuedTokenOut(TokenOut):
    token: str = Field(description="The secret; shown only this once.")


@router.get("", response_model=MeOut)
def me(who: Reader) -> MeOut:
    """Who the API thinks you are."""
    return MeOut(email=who.user.email, name=who.user.name, role=who.user.role, via=who.via)


class CsrfOut(BaseModel):
    csrf_token: str


@router.get("/csrf", response_model=CsrfOut)
def csrf(request: Request, who: Reader) -> CsrfOut:
    """The CSRF token a browser session sends as X-CSRF-Token on changes (scripts, HTMX)."""
    return CsrfOut(csrf_token=csrf_token(request))


@router.get("/tokens", response_model=list[TokenOut])
def list_tokens(who: Reader) -> list[TokenOut]:
    """Your personal API tokens (secrets are never shown again)."""
    return [TokenOut.model_validate(t) for t in who.user.tokens]


@router.post("/tokens", response_model=IssuedTokenOut, status_code=status.HTTP_201_CREATED)
def issue_token(data: TokenIn, db: DbSession, who: Member) -> IssuedTokenOut:
    """Create a personal API token (a read-only one for viewers)."""
    if who.via == "token":
        raise Forbidden("tokens cannot mint tokens; sign in to create one")
    issued = create_token(db, who.user, name=data.name, scope=data.scope)
    db.commit()
    return IssuedTokenOut(**TokenOut.model_validate(issued.token).model_dump(), token=issued.secret)


@router.delete("/tokens/{token_id}", response_model=TokenOut)
def revoke(token_id: int, db: DbSession, who: Member) -> TokenOut:
    """Revoke one of your tokens."""
    token = db.get(ApiToken, token_id)
    if token is None or token.user_id != who.user.id:
        raise NotFoundError(f"no token {token_id}", field="token_id")
    revoke_token(db, token)
    db.commit()
    return TokenOut.model_validate(token)
