"""HTML form plumbing: what the user typed, the errors next to each field, select options.

Form models hold every field as typed text, so a bad value never loses the rest of the
form: the page converts them into the ledger's input schemas and, when that fails, shows
the form again with the user's text and one message per field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator
from pydantic_core import ErrorDetails
from sqlalchemy.orm import Session

from prodloop.ledger import service
from prodloop.ledger.errors import LedgerError
from prodloop.ledger.records import MAX_PER_PAGE, Listing
from prodloop.ledger.schemas import Segment
from prodloop.ledger.stages import Stage

T = TypeVar("T")

FORM_WIDE = "_form"  # key for an error that belongs to no single field

ALL = Listing(per_page=MAX_PER_PAGE)


class TypedForm(BaseModel):
    """Base of the pages' form models: plain text fields, unknown fields (csrf) ignored."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _unix_newlines(cls, value: object) -> object:
        # Browsers send textarea line breaks as CRLF; stored text uses LF, and a form saved
        # untouched must not look like a change to every multi-line field.
        return value.replace("\r\n", "\n") if isinstance(value, str) else value


class Option(BaseModel):
    """One choice of a <select>."""

    value: str
    label: str


class FormErrors(Exception):
    """One message per field, raised when a form cannot become a ledger input."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _message(error: ErrorDetails) -> str:
    """One pydantic error in the words a form shows next to the field."""
    kind = error["type"]
    if kind == "string_too_short" and (error.get("ctx") or {}).get("min_length") == 1:
        return "required"
    if kind.startswith("date_"):
        return "use a date like 2026-03-31"
    message = str(error["msg"]).removeprefix("Value error, ")
    message = message[:1].lower() + message[1:]
    loc = error["loc"]
    if len(loc) > 1 and isinstance(loc[1], int):  # one line of a multi-line field
        return f"line {loc[1] + 1}: {message}"
    return message


def field_errors(exc: ValidationError) -> dict[str, str]:
    """Pydantic's errors as one readable message per top-level field."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else FORM_WIDE
        errors.setdefault(field, _message(error))
    return errors


def ledger_errors(exc: LedgerError, fields: set[str]) -> dict[str, str]:
    """A ledger refusal placed next to its field (or above the form when it has none)."""
    return {exc.field if exc.field in fields else FORM_WIDE: exc.message}


def build(factory: Callable[[], T]) -> T:
    """Call ``factory`` (a schema constructor), turning validation errors into FormErrors."""
    try:
        return factory()
    except ValidationError as exc:
        raise FormErrors(field_errors(exc)) from None


def attempt(action: Callable[[], object], fields: set[str]) -> dict[str, str] | None:
    """Run ``action`` (a form's change); the errors to show by the form's fields, or None."""
    try:
        action()
    except FormErrors as invalid:
        return invalid.errors
    except LedgerError as refused:
        return ledger_errors(refused, fields)
    return None


def blank(value: str) -> str | None:
    """An empty form field means "none"."""
    return value or None


def split_tags(text: str) -> list[str]:
    """Tags typed as a comma-separated list."""
    return [tag.strip() for tag in text.split(",") if tag.strip()]


def split_links(text: str) -> list[dict[str, str]]:
    """Links typed one per line as ``Label https://…`` (a bare URL is labelled by its host)."""
    links: list[dict[str, str]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        label, _, url = line.rpartition(" ")
        if not label:
            label = url.split("//", 1)[-1].split("/", 1)[0] or url
        links.append({"label": label.strip(), "url": url})
    return links


def join_links(links: list[dict[str, str]]) -> str:
    """Links as the textarea shows them."""
    return "\n".join(f"{link.get('label', '')} {link.get('url', '')}".strip() for link in links)


def stage_options() -> list[Option]:
    """Every stage, in lifecycle order."""
    return [Option(value=stage.value, label=stage.label) for stage in Stage]


def segment_options() -> list[Option]:
    """Every customer segment."""
    return [Option(value=segment.value, label=segment.label) for segment in Segment]


def team_options(db: Session) -> list[Option]:
    """Every team, by name."""
    return [Option(value=t.key, label=t.name) for t in service.list_teams(db, listing=ALL).items]


def person_options(db: Session) -> list[Option]:
    """Every person, by name, valued by email."""
    people = service.list_people(db, listing=ALL).items
    return [Option(value=p.email, label=p.name) for p in people]


def area_options(db: Session) -> list[Option]:
    """Every product area, by name."""
    areas = service.list_product_areas(db, listing=ALL).items
    return [Option(value=a.key, label=a.name) for a in areas]
