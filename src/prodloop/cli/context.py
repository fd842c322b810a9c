"""What every CLI command shares: settings, the app store, the console and clean failures."""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import NoReturn, ParamSpec, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from sqlalchemy.orm import Session

from prodloop.ledger.errors import LedgerError
from prodloop.settings import Settings
from prodloop.store import make_engine, make_session_factory, unit_of_work
from prodloop.store.migrate import upgrade

console = Console()
errors = Console(stderr=True)

P = ParamSpec("P")
R = TypeVar("R")

BAD_INPUT = 2


def fail(message: str) -> NoReturn:
    """Stop with exit code 2 and one line saying what was wrong."""
    errors.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(BAD_INPUT)


def _first_error(invalid: ValidationError) -> str:
    error = invalid.errors()[0]
    where = ".".join(str(part) for part in error["loc"]) or "input"
    return f"{where}: {error['msg']}"


def handles_bad_input(command: Callable[P, R]) -> Callable[P, R]:
    """Turn ledger refusals and invalid values into exit code 2 with one line."""

    @wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except LedgerError as refused:
            fail(
                refused.message
                if refused.field is None or refused.field in refused.message
                else f"{refused.field}: {refused.message}"
            )
        except ValidationError as invalid:
            fail(_first_error(invalid))
        except (ValueError, OSError, UnicodeDecodeError) as problem:
            fail(str(problem))

    return run


def settings() -> Settings:
    """The settings from the environment, read afresh (a bad value is bad input)."""
    try:
        return Settings()
    except ValidationError as invalid:
        fail(f"configuration {_first_error(invalid)}")


@contextmanager
def store(*, migrate: bool = True) -> Iterator[Session]:
    """One unit of work on the app store (migrated first): committed whole or not at all."""
    engine = make_engine(settings())
    try:
        if migrate:
            upgrade(engine)
        with unit_of_work(make_session_factory(engine)) as session:
            yield session
    finally:
        engine.dispose()


def default_actor() -> str:
    """Who CLI changes are attributed to: PRODLOOP_ACTOR, else the operating-system user."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return os.environ.get("PRODLOOP_ACTOR") or f"cli:{user}"


def interactive() -> bool:
    """Whether a person is at the terminal (prompts are allowed)."""
    return sys.stdin.isatty()


def column_mapping(pairs: list[str], *, example: str) -> dict[str, str]:
    """``--map FIELD=COLUMN`` options as a dict; a malformed pair stops with exit code 2."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        field, sep, column = pair.partition("=")
        if not sep or not field.strip() or not column.strip():
            fail(f"--map expects FIELD=COLUMN (e.g. {example}), not {pair!r}")
        mapping[field.strip()] = column.strip()
    return mapping
