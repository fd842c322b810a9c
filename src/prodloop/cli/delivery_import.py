"""`prodloop import jira | linear | github | git`: delivery records in from the tools' exports.

Each import is one unit of work: it parses and validates everything first, so a malformed
file exits 2 with one line naming the file, the record and the field, and writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from sqlalchemy.orm import Session

from prodloop.cli.context import console, fail, handles_bad_input, store
from prodloop.delivery import service
from prodloop.delivery.schemas import ImportSummary

SourceName = Annotated[
    str | None, typer.Option("--source", help="Source name (default: the tool, or the repo).")
]
Repo = Annotated[str | None, typer.Option("--repo", help="owner/name (default: from the data).")]


@contextmanager
def _progress(label: str) -> Iterator[Callable[[str], None]]:
    """A spinner while the import runs; yields a function that updates its line."""
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as progress:
        task = progress.add_task(label, total=None)
        yield lambda step: progress.update(task, description=step)


def _run(label: str, importer: Callable[[Session], ImportSummary]) -> ImportSummary:
    """Run ``importer`` in one unit of work behind a spinner."""
    with _progress(f"reading {label}") as step, store() as db:
        summary = importer(db)
        step(f"saving {summary.created + summary.updated} changed records")
    return summary


def describe(label: str, summary: ImportSummary) -> str:
    """One line: totals, then what each record kind came to."""
    kinds = ", ".join(
        _count(counts.created + counts.updated + counts.unchanged, kind)
        for kind, counts in summary.records.items()
    )
    return (
        f"{label} → {summary.kind.value} source {summary.source!r}: {summary.created} created, "
        f"{summary.updated} updated, {summary.unchanged} unchanged ({kinds or 'nothing found'})"
    )


def _count(count: int, kind: str) -> str:
    """e.g. "1 work item", "3 pull requests" (``kind`` is plural, with underscores)."""
    noun = kind.replace("_", " ")
    return f"{count} {noun.removesuffix('s') if count == 1 else noun}"


def _existing(path: Path, *, directory: bool = False) -> Path:
    if directory and not path.is_dir():
        fail(f"{path}: no such directory")
    if not directory and not path.is_file():
        fail(f"{path}: no such file")
    return path


def is_json(path: Path) -> bool:
    """Whether ``path`` holds JSON: by its extension, else by its first character."""
    if path.suffix.lower() == ".json":
        return True
    with path.open("rb") as handle:
        start = handle.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
    return start[:1] in {b"{", b"["}


def import_jira(
    file: Annotated[Path, typer.Argument(help="Jira 'Export CSV (all fields)' or REST JSON.")],
    time_zone: Annotated[
        str | None,
        typer.Option("--time-zone", help="Zone of the CSV's local dates (default: workspace)."),
    ] = None,
    source: SourceName = None,
) -> None:
    """Import Jira issues with status history, due dates and sprints (CSV or REST JSON)."""
    path = _existing(file)
    if is_json(path):
        summary = _run(str(path), lambda db: service.import_jira_json(db, path, source_name=source))
    else:
        summary = _run(
            str(path),
            lambda db: service.import_jira_csv(db, path, time_zone=time_zone, source_name=source),
        )
    console.print(describe(str(path), summary), highlight=False)


def import_linear(
    file: Annotated[Path, typer.Argument(help="Linear's CSV export.")],
    source: SourceName = None,
) -> None:
    """Import Linear issues from its CSV export."""
    path = _existing(file)
    summary = _run(str(path), lambda db: service.import_linear_csv(db, path, source_name=source))
    console.print(describe(str(path), summary), highlight=False)


def import_github(
    directory: Annotated[Path, typer.Argument(help="Folder of GitHub REST JSON files.")],
    repo: Repo = None,
    source: SourceName = None,
) -> None:
    """Import GitHub issues, pull requests, reviews, deployments and releases."""
    path = _existing(directory, directory=True)
    summary = _run(
        str(path), lambda db: service.import_github_dir(db, path, repo=repo, source_name=source)
    )
    console.print(describe(str(path), summary), highlight=False)


def import_git(
    path: Annotated[Path, typer.Argument(help="A local git clone.")],
    repo: Repo = None,
    source: SourceName = None,
) -> None:
    """Import a git repository's commits, merges and tags."""
    clone = _existing(path, directory=True)
    summary = _run(
        str(clone), lambda db: service.import_git_repo(db, clone, repo=repo, source_name=source)
    )
    console.print(describe(str(clone), summary), highlight=False)


def register_imports(app: typer.Typer) -> None:
    """Add the delivery importers to the ``prodloop import`` group."""
    for name, command in (
        ("jira", import_jira),
        ("linear", import_linear),
        ("github", import_github),
        ("git", import_git),
    ):
        app.command(name)(handles_bad_input(command))
