"""Reading JSON exports and pulling typed values out of them with errors that say where."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from prodloop.delivery.importers.errors import ImportFormatError

T = TypeVar("T")


def load_json(path: Path) -> Any:
    """The parsed contents of ``path``; unreadable or invalid JSON raises ImportFormatError."""
    try:
        with path.open("rb") as handle:
            return json.load(handle)
    except OSError as exc:
        raise ImportFormatError(f"cannot open: {exc.strerror}", file=path) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ImportFormatError(f"not valid JSON: {exc}", file=path) from None


@lru_cache(maxsize=1024)
def _parts(dotted: str) -> tuple[str, ...]:
    return tuple(dotted.split("."))


def dig(data: Any, dotted: str) -> Any:
    """``data["a"]["b"]`` for ``"a.b"``; None as soon as a step is missing or not an object."""
    for part in _parts(dotted):
        try:
            data = data.get(part)
        except AttributeError:  # a string, number or list where an object was expected
            return None
    return data


@dataclass
class JsonRecord:
    """One record (an issue, a pull request) of a JSON export, for typed reads."""

    data: Mapping[str, Any]
    file: Path
    where: str
    prefix: str = ""

    def sub(self, name: str) -> JsonRecord:
        """The object under ``name`` (empty when missing), naming fields from this record."""
        value = self.data.get(name)
        if value is None:
            value = {}
        elif not isinstance(value, Mapping):
            raise self.error(f"expected an object, found {type(value).__name__}", name)
        return JsonRecord(value, self.file, self.where, f"{self.prefix}{name}.")

    def text(self, dotted: str) -> str | None:
        """A string field (numbers are turned into text); None when missing or empty."""
        value = dig(self.data, dotted) if "." in dotted else self.data.get(dotted)
        if value is None or value == "":
            return None
        if type(value) is str:
            return value
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            return str(value)
        raise self.error(f"expected text, found {type(value).__name__}", dotted)

    def parsed(self, parse: Callable[[str], T], dotted: str) -> T | None:
        """A field through ``parse`` (a date parser); errors name the field."""
        return self.convert(parse, self.text(dotted), dotted)

    def convert(self, parse: Callable[[str], T], value: object, label: str) -> T | None:
        """``value`` (found at ``label``) through ``parse``; None stays None."""
        if value is None or value == "":
            return None
        try:
            return parse(str(value))
        except ValueError as exc:
            raise self.error(f"cannot read {value!r}: {exc}", label) from None

    def required(self, parse: Callable[[str], T], dotted: str) -> T:
        """Like :meth:`parsed` but the field must be there."""
        value = self.parsed(parse, dotted)
        if value is None:
            raise self.error("is missing", dotted)
        return value

    def items(self, dotted: str) -> list[Any]:
        """A list field (empty when missing)."""
        value = dig(self.data, dotted)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.error(f"expected a list, found {type(value).__name__}", dotted)
        return value

    def error(self, reason: str, field: str | None = None) -> ImportFormatError:
        """An import error pointing at this record (and ``field``)."""
        label = f"{self.prefix}{field}" if field else None
        return ImportFormatError(reason, file=self.file, record=self.where, field=label)
