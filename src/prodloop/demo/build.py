"""Build the whole demo workspace by running every registered extension, and describe it."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session

from prodloop.demo.company import TIME_ZONE
from prodloop.demo.context import DemoContext, DemoError
from prodloop.demo.extensions import discover_entry_point_extensions, run_order
from prodloop.ledger import service
from prodloop.ledger.models import (
    Account,
    AuditEntry,
    Feature,
    Person,
    ProductArea,
    StageChange,
    Team,
)
from prodloop.store.base import Base

# Ledger tables the manifest counts, by the name it counts them under.
COUNTED: dict[str, type[Base]] = {
    "teams": Team,
    "people": Person,
    "product_areas": ProductArea,
    "accounts": Account,
    "features": Feature,
    "stage_changes": StageChange,
    "audit_entries": AuditEntry,
}


def build_demo(
    session: Session,
    *,
    seed: int = 42,
    as_of: date | None = None,
    progress: Callable[[str], None] | None = None,
    lake_dir: Path | None = None,
    scale: float = 1.0,
) -> dict[str, Any]:
    """Build the demo company into an empty app store and return its manifest.

    Every registered extension runs in order; the same seed and ``as_of`` give the same
    data and manifest. Never commits: the caller owns the transaction. Events go to the
    event lake in ``lake_dir`` (none are written without one).
    """
    report = progress or _quiet
    _ensure_empty(session)
    discover_entry_point_extensions()
    extensions = run_order()
    context = DemoContext(
        session=session,
        seed=seed,
        as_of=as_of or datetime.now(UTC).date(),
        time_zone=TIME_ZONE,
        progress=report,
        lake_dir=lake_dir,
        scale=scale,
    )
    planted: dict[str, Any] = {}
    for extension in extensions:
        report(f"demo: building {extension.name}")
        truths = extension.build(context)
        planted[extension.name] = _json_truths(extension.name, truths)
    session.flush()
    report("demo: done")
    workspace = service.get_workspace(session)
    if workspace is None:
        raise DemoError("the demo extensions ran but none created the workspace")
    return {
        "seed": seed,
        "as_of": context.as_of.isoformat(),
        "workspace": {
            "name": workspace.name,
            "time_zone": workspace.time_zone,
            "currency": workspace.currency,
            "domain": context.company.domain,
        },
        "counts": {
            name: session.execute(select(func.count()).select_from(model)).scalar_one()
            for name, model in COUNTED.items()
        },
        "planted": planted,
        "extensions": [extension.name for extension in extensions],
    }


def write_manifest(manifest: dict[str, Any], path: Path) -> None:
    """Write ``manifest`` to ``path`` as JSON with sorted keys, indented by two spaces."""
    path.write_text(json.dumps(manifest, sort_keys=True, indent=2) + "\n", encoding="utf-8")


def _ensure_empty(session: Session) -> None:
    workspace = service.get_workspace(session)
    if workspace is not None:
        raise DemoError(
            f"the app store already holds the workspace {workspace.name!r}; "
            f"the demo needs an empty store (point prodloop at a new database)"
        )
    for name, model in COUNTED.items():
        if session.execute(select(literal(1)).select_from(model).limit(1)).first():
            raise DemoError(f"the app store already holds {name}; the demo needs an empty store")


def _json_truths(name: str, truths: object) -> dict[str, Any]:
    """The extension's truths as plain JSON data (tuples become lists), or DemoError."""
    if not isinstance(truths, dict):
        raise DemoError(f"demo extension {name!r} returned {type(truths).__name__}, not a dict")
    try:
        data: dict[str, Any] = json.loads(json.dumps(truths, sort_keys=True, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise DemoError(f"demo extension {name!r} planted truths that are not JSON: {exc}") from exc
    return data


def _quiet(_message: str) -> None:
    return None
