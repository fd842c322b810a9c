"""Pydantic shapes of ledger records going in (create, update) and out (API, pages, exports)."""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Generic, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    HttpUrl,
    field_validator,
)

from prodloop.ledger.stages import Stage

KEY_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")


def _check_key(value: str) -> str:
    if not KEY_PATTERN.fullmatch(value):
        raise ValueError(
            "must be a slug: lowercase letters, digits and hyphens, 1-64 characters, "
            "not starting or ending with a hyphen"
        )
    return value


def _check_time_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {value!r}; use an IANA name such as Europe/Berlin"
        ) from None
    return value


def _clean_tags(values: list[str]) -> list[str]:
    cleaned: list[str] = []
    for value in values:
        tag = value.strip().lower()
        if tag and tag not in cleaned:
            cleaned.append(tag)
    return cleaned


Key = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_check_key)]
TimeZoneName = Annotated[str, AfterValidator(_check_time_zone)]
Title = Annotated[str, Field(min_length=1, max_length=300)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Tags = Annotated[list[str], AfterValidator(_clean_tags)]


class Segment(StrEnum):
    """Customer segment, by company size."""

    SMB = "smb"
    MID_MARKET = "mid_market"
    ENTERPRISE = "enterprise"

    @property
    def label(self) -> str:
        """The segment as people read it."""
        return {"smb": "SMB", "mid_market": "Mid-market", "enterprise": "Enterprise"}[self.value]


class Strict(BaseModel):
    """Inputs reject unknown fields so that a typo is an error, not a silent no-op."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Link(Strict):
    """An external link on a feature (spec, epic, design)."""

    label: Annotated[str, Field(min_length=1, max_length=120)]
    url: HttpUrl


# --- workspace ---------------------------------------------------------------------------


class WorkspaceUpdate(Strict):
    name: Name | None = None
    time_zone: TimeZoneName | None = None
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None = None


class WorkspaceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    time_zone: str
    currency: str


# --- teams, people, areas, accounts ------------------------------------------------------


class TeamIn(Strict):
    key: Key
    name: Name
    description: str = ""


class TeamUpdate(Strict):
    name: Name | None = None
    description: str | None = None


class TeamRef(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    key: str
    name: str


class TeamOut(TeamRef):
    description: str
    created_at: datetime
    updated_at: datetime


class PersonIn(Strict):
    name: Name
    email: EmailStr
    role: Annotated[str, Field(max_length=120)] = ""
    team: Key | None = Field(default=None, description="Key of the person's team.")

    @field_validator("email")
    @classmethod
    def _lower_email(cls, value: str) -> str:
        return value.lower()


class PersonUpdate(Strict):
    name: Name | None = None
    email: EmailStr | None = None
    role: Annotated[str, Field(max_length=120)] | None = None
    team: Key | None = None

    @field_validator("email")
    @classmethod
    def _lower_email(cls, value: str | None) -> str | None:
        return value.lower() if value else value


class PersonRef(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    email: str


class PersonOut(PersonRef):
    role: str
    team: TeamRef | None
    created_at: datetime
    updated_at: datetime


class ProductAreaIn(Strict):
    key: Key
    name: Name
    description: str = ""


class ProductAreaUpdate(Strict):
    name: Name | None = None
    description: str | None = None


class ProductAreaRef(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    key: str
    name: str


class ProductAreaOut(ProductAreaRef):
    description: str
    created_at: datetime
    updated_at: datetime


class AccountIn(Strict):
    name: Name
    domain: Annotated[str, Field(max_length=253, pattern=r"^[a-z0-9.-]+\.[a-z]{2,}$")] | None = None
    segment: Segment
    plan: Annotated[str, Field(max_length=64)] = ""
    arr: Annotated[
        int, Field(ge=0, description="Annual recurring revenue, whole currency units.")
    ] = 0
    external_ids: dict[str, str] = Field(default_factory=dict)


class AccountUpdate(Strict):
    name: Name | None = None
    domain: Annotated[str, Field(max_length=253, pattern=r"^[a-z0-9.-]+\.[a-z]{2,}$")] | None = None
    segment: Segment | None = None
    plan: Annotated[str, Field(max_length=64)] | None = None
    arr: Annotated[int, Field(ge=0)] | None = None
    external_ids: dict[str, str] | None = None


class AccountOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    domain: str | None
    segment: Segment
    plan: str
    arr: int
    external_ids: dict[str, str]
    created_at: datetime
    updated_at: datetime


# --- features ----------------------------------------------------------------------------


class FeatureIn(Strict):
    key: Key
    title: Title
    description: str = ""
    product_area: Key | None = Field(default=None, description="Key of the product area.")
    owner: EmailStr | None = Field(default=None, description="Email of the owning person.")
    team: Key | None = Field(default=None, description="Key of the building team.")
    stage: Stage = Stage.IDEA
    target_date: date | None = None
    launch_date: date | None = None
    tags: Tags = Field(default_factory=list)
    links: list[Link] = Field(default_factory=list)


class FeatureUpdate(Strict):
    title: Title | None = None
    description: str | None = None
    product_area: Key | None = None
    owner: EmailStr | None = None
    team: Key | None = None
    stage: Stage | None = None
    target_date: date | None = None
    launch_date: date | None = None
    tags: Tags | None = None
    links: list[Link] | None = None
    reason: Annotated[str, Field(max_length=2000)] | None = Field(
        default=None, description="Why the change was made; required to revive a retired feature."
    )


class StageChangeIn(Strict):
    stage: Stage
    reason: Annotated[str, Field(max_length=2000)] | None = None


class StageChangeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    from_stage: Stage | None
    to_stage: Stage
    changed_at: datetime
    changed_by: str
    reason: str | None


class FeatureOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    key: str
    title: str
    description: str
    product_area: ProductAreaRef | None
    owner: PersonRef | None
    team: TeamRef | None
    stage: Stage
    stage_changed_at: datetime
    target_date: date | None
    launch_date: date | None
    tags: list[str]
    links: list[dict[str, str]]
    created_at: datetime
    updated_at: datetime


class AuditEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor: str
    action: str
    entity_type: str
    entity_id: int
    entity_label: str
    before: dict[str, object] | None
    after: dict[str, object] | None
    reason: str | None


class FeatureDetail(FeatureOut):
    stage_history: list[StageChangeOut]


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a listing, with the total across all pages."""

    items: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """How many pages the listing has."""
        return max(1, -(-self.total // self.per_page))
