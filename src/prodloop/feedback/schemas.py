"""What the feedback hub takes in and gives out (API, pages and CLI share these)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


class FeedbackIn(BaseModel):
    """One item sent over HTTP or through the embeddable form."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=20_000)
    title: str = Field(default="", max_length=300)
    channel: str = Field(default="api", min_length=1, max_length=32)
    external_id: str | None = Field(default=None, max_length=200)
    author_name: str = Field(default="", max_length=200)
    author_email: str = Field(default="", max_length=320)
    account: str | None = Field(default=None, max_length=200)
    received_at: datetime | None = None
    rating: float | None = None
    tags: list[str] = Field(default_factory=list, max_length=50)
    metadata: dict[str, Any] = Field(default_factory=dict)

    @field_validator("text")
    @classmethod
    def _text_has_words(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text is empty")
        return value.strip()

    @field_validator("received_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("received_at needs a time zone offset")
        return value


class RowProblem(BaseModel):
    """A row that could not be read, and why."""

    row: int
    field: str
    message: str


class ImportSummary(BaseModel):
    """What an import did."""

    source: str
    rows: int
    created: int
    already_imported: int
    matched_accounts: int
    item_ids: list[int] = Field(default_factory=list, exclude=True)


class AccountRef(BaseModel):
    """An account as feedback shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    segment: str
    arr: int


class ItemOut(BaseModel):
    """One feedback item."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    source: str
    external_id: str
    channel: str
    title: str
    text: str
    author_name: str
    author_email: str
    account: AccountRef | None
    received_at: datetime
    rating: float | None
    tags: list[str]
    meta: dict[str, Any]
    sentiment: str | None
    kind: str | None
    theme_id: int | None
    duplicate_of_id: int | None
    votes: int
    status: str
