"""The `prodloop` command line: a thin layer over the domain services."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer
import uvicorn
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from prodloop import __version__
from prodloop.auth.service import Role, create_user
from prodloop.cli import adoption, delivery, events, features, insights, transfer, users
from prodloop.cli import experiments as experiments_cli
from prodloop.cli import feedback as feedback_cli
from prodloop.cli.context import (
    console,
    fail,
    handles_bad_input,
    settings,
    store,
)
from prodloop.cli.delivery_import import register_imports
from prodloop.cli.events import register_event_import
from prodloop.ledger import service
from prodloop.store import make_engine
from prodloop.store.migrate import current_revision, head_revision, upgrade
from prodloop.store.reset import reset_store

app = typer.Typer(
    name="prodloop",
    help="prodloop: the product operations hub. Is what we built working?",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="The app store's schema.", no_args_is_help=True)
app.add_typer(features.app, name="features")
register_imports(transfer.import_app)
register_event_import(transfer.import_app)
feedback_cli.register_feedback_import(transfer.import_app)
app.add_typer(transfer.import_app, name="import")
app.add_typer(transfer.export_app, name="export")
app.add_typer(users.app, name="users")
app.add_typer(delivery.app, name="delivery")
app.add_typer(feedback_cli.app, name="feedback")
app.add_typer(feedback_cli.themes_app, name="themes")
app.add_typer(insights.app, name="insights")
app.add_typer(insights.dashboards_app, name="dashboards")
app.add_typer(adoption.app, name="adoption")
app.add_typer(experiments_cli.app, name="experiments")
app.add_typer(experiments_cli.metrics_app, name="metrics")
app.add_typer(experiments_cli.flags_app, name="flags")
app.add_typer(events.keys_app, name="keys")
app.add_typer(db_app, name="db")

DEMO_PASSWORD = "prodloop-demo"
DEMO_USERS = (
    ("admin@demo.prodloop.dev", "Demo Admin", Role.ADMIN),
    ("editor@demo.prodloop.dev", "Demo Editor", Role.EDITOR),
    ("viewer@demo.prodloop.dev", "Demo Viewer", Role.VIEWER),
)
MANIFEST_NAME = "demo-manifest.json"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"prodloop {__version__}")
        raise typer.Exit


@app.callback()
def main_options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """prodloop: the product operations hub."""


@app.command()
@handles_bad_input
def init(
    workspace: Annotated[str, typer.Option(help="Your organisation's name.")],
    admin_email: Annotated[str, typer.Option(help="The first admin's email.")],
    admin_name: Annotated[str, typer.Option(help="The first admin's name.")] = "",
    admin_password: Annotated[
        str | None, typer.Option(help="Else PRODLOOP_PASSWORD or a prompt.")
    ] = None,
    time_zone: Annotated[str, typer.Option(help="IANA time zone for reports.")] = "UTC",
    currency: Annotated[str, typer.Option(help="ISO 4217 code for ARR.")] = "USD",
) -> None:
    """Create the workspace and its first admin."""
    password = users.read_password(admin_password)
    with store() as db:
        service.create_workspace(
            db,
            name=workspace,
            time_zone=time_zone,
            currency=currency.upper(),
            actor=admin_email.lower(),
        )
        create_user(
            db,
            email=admin_email,
            name=admin_name or admin_email,
            password=password,
            role=Role.ADMIN,
        )
    console.print(f"workspace [bold]{workspace}[/] ready; sign in as {admin_email.lower()}")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address; default PRODLOOP_HOST.")] = None,
    port: Annotated[int | None, typer.Option(help="Port; default PRODLOOP_PORT.")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Serve the web app and API (migrating the app store first)."""
    config = settings()
    engine = make_engine(config)
    upgrade(engine)
    engine.dispose()
    bind_host, bind_port = host or config.host, port or config.port
    console.print(f"prodloop on [bold]http://{bind_host}:{bind_port}[/]  (API docs: /api/docs)")
    uvicorn.run(
        "prodloop.web.asgi:create",
        factory=True,
        host=bind_host,
        port=bind_port,
        workers=workers,
        log_level="info",
        proxy_headers=False,
    )


@app.command()
@handles_bad_input
def demo(
    seed: Annotated[int, typer.Option(help="Same seed, same company.")] = 42,
    as_of: Annotated[
        str | None, typer.Option(help="The demo's today (YYYY-MM-DD); default today.")
    ] = None,
    serve_after: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve it when built.")
    ] = True,
    reset: Annotated[
        bool, typer.Option(help="Replace a workspace that is not a demo (destroys its data).")
    ] = False,
    scale: Annotated[
        float,
        typer.Option(
            help="Volume of generated activity (feedback items…) relative to the full demo, "
            "0.05 to 4; the company itself is the same at every scale."
        ),
    ] = 1.0,
) -> None:
    """Build the demo company (replacing an earlier demo) and serve it."""
    from prodloop.demo import build_demo, write_manifest
    from prodloop.demo.events import clear_demo_events

    if not 0.05 <= scale <= 4:
        fail(f"--scale must be between 0.05 and 4, not {scale:g}")
    config = settings()
    manifest_path = config.data_dir / MANIFEST_NAME
    day = date.fromisoformat(as_of) if as_of else None
    engine = make_engine(config)
    try:
        if current_revision(engine) is not None:
            with store() as db:
                has_workspace = service.get_workspace(db) is not None
            if has_workspace and not (reset or manifest_path.exists()):
                fail(
                    "this data directory holds a real workspace; pass --reset to replace it, "
                    "or set PRODLOOP_DATA_DIR to another folder"
                )
            reset_store(engine)
            clear_demo_events(config.effective_lake_dir)
        upgrade(engine)
    finally:
        engine.dispose()
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("building the demo company", total=None)
        with store(migrate=False) as db:
            manifest = build_demo(
                db,
                seed=seed,
                as_of=day,
                progress=lambda step: progress.update(task, description=step),
                lake_dir=config.effective_lake_dir,
                scale=scale,
            )
            for email, name, role in DEMO_USERS:
                create_user(db, email=email, name=name, password=DEMO_PASSWORD, role=role)
    write_manifest(manifest, manifest_path)
    counts = ", ".join(f"{value} {name}" for name, value in manifest.get("counts", {}).items())
    console.print(f"demo built (seed {seed}): {counts}")
    console.print(f"planted truths: {manifest_path}")
    console.print(
        f"sign in as [bold]{DEMO_USERS[0][0]}[/] / [bold]{DEMO_PASSWORD}[/] "
        f"(also editor@… and viewer@… with the same password)"
    )
    if serve_after:
        serve(host=None, port=None, workers=1)


@db_app.command("upgrade")
@handles_bad_input
def db_upgrade() -> None:
    """Migrate the app store to this version's schema."""
    engine = make_engine(settings())
    try:
        upgrade(engine)
        console.print(f"app store at revision {current_revision(engine)}")
    finally:
        engine.dispose()


@db_app.command("current")
@handles_bad_input
def db_current() -> None:
    """Show the app store's revision and the newest one available."""
    engine = make_engine(settings())
    try:
        print(json.dumps({"current": current_revision(engine), "head": head_revision()}))
    finally:
        engine.dispose()


def main() -> None:
    """Console-script entry point."""
    app()
