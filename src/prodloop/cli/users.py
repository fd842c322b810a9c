"""`prodloop users …`: who may sign in."""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import select

from prodloop.auth.models import User
from prodloop.auth.service import Role, create_token, create_user, get_user
from prodloop.cli.context import console, fail, handles_bad_input, interactive, store

app = typer.Typer(help="Users and their API tokens.", no_args_is_help=True)


def read_password(given: str | None) -> str:
    """The password from the option, PRODLOOP_PASSWORD, or a hidden prompt."""
    if given:
        return given
    if os.environ.get("PRODLOOP_PASSWORD"):
        return os.environ["PRODLOOP_PASSWORD"]
    if not interactive():
        fail("no password: pass --password or set PRODLOOP_PASSWORD")
    value: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return value


@app.command("add")
@handles_bad_input
def add(
    email: str,
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    role: Annotated[Role, typer.Option(help="admin, editor or viewer.")] = Role.VIEWER,
    password: Annotated[
        str | None, typer.Option(help="Else PRODLOOP_PASSWORD or a prompt.")
    ] = None,
) -> None:
    """Add a user who can sign in."""
    secret = read_password(password)
    with store() as db:
        user = create_user(db, email=email, name=name or email, password=secret, role=role)
        console.print(f"added {user.email} ({user.role})")


@app.command("list")
@handles_bad_input
def list_users() -> None:
    """List users and their roles."""
    with store() as db:
        users = list(db.execute(select(User).order_by(User.email)).scalars())
        table = Table(title=f"{len(users)} users")
        for column in ("email", "name", "role", "last sign-in"):
            table.add_column(column)
        for user in users:
            last = user.last_login_at.strftime("%Y-%m-%d %H:%M") if user.last_login_at else ""
            table.add_row(user.email, user.name, user.role, last)
    console.print(table)


@app.command("token")
@handles_bad_input
def token(
    email: str,
    name: Annotated[str, typer.Option(help="What the token is for.")] = "cli",
    scope: Annotated[str, typer.Option(help="read or write.")] = "read",
) -> None:
    """Issue a personal API token for a user and print it once."""
    with store() as db:
        issued = create_token(db, get_user(db, email), name=name, scope=scope)
        typer.echo(issued.secret)
