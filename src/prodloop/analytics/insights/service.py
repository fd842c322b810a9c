"""The Python API every interface shares: run an insight kind on a query, over the event lake.

The JSON API, the CLI, the pages and dashboards all call :func:`run_insight`; it validates the
query with the kind's model (a refusal names the field), builds the engine over the lake and
the ledger's accounts, and runs the kind in the workspace time zone.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from prodloop.analytics.insights.registry import InsightKind, load_all
from prodloop.analytics.lake import EventLake
from prodloop.analytics.query.engine import Engine
from prodloop.ledger import service as ledger
from prodloop.ledger.errors import NotFoundError, RuleError
from prodloop.settings import Settings

#: How many event names the pickers offer (the busiest first).
EVENT_NAME_LIMIT = 500


#: The order menus list kinds in (as product analytics tools do); others follow by name.
KIND_ORDER = ("trends", "funnels", "retention", "paths", "stickiness", "lifecycle", "adoption")


def insight_kinds() -> dict[str, InsightKind]:
    """Every registered insight kind, the usual ones first."""
    rank = {name: index for index, name in enumerate(KIND_ORDER)}
    ordered = sorted(load_all().items(), key=lambda item: (rank.get(item[0], 99), item[0]))
    return dict(ordered)


def get_kind(name: str) -> InsightKind:
    """The insight kind called ``name`` (NotFoundError naming ``kind`` otherwise)."""
    kinds = insight_kinds()
    if name not in kinds:
        known = ", ".join(kinds) or "none are installed"
        raise NotFoundError(f"no insight kind {name!r} (known: {known})", field="kind")
    return kinds[name]


def error_field(error: Mapping[str, Any], prefix: str = "", names: Sequence[str] = ()) -> str:
    """The dotted field a pydantic error points at, under ``prefix``.

    A whole-model check (``date_to`` before ``date_from``) has no location: the first of
    ``names`` its message mentions stands in for it.
    """
    parts = [str(part) for part in error.get("loc", ())]
    if not parts:
        message = str(error.get("msg", ""))
        mentioned = sorted((message.find(n), n) for n in names if n in message)
        parts = [mentioned[0][1]] if mentioned else []
    return ".".join([p for p in (prefix, *parts) if p]) or prefix or "query"


def parse_query(kind: InsightKind, data: Mapping[str, Any], *, prefix: str = "") -> BaseModel:
    """``data`` validated by the kind's query model; RuleError naming the first bad field."""
    if not isinstance(data, Mapping):
        raise RuleError("the query must be a JSON object", field=prefix or "query")
    try:
        return kind.query_model.model_validate(dict(data))
    except ValidationError as invalid:
        first = invalid.errors()[0]
        field = error_field(first, prefix, list(kind.query_model.model_fields))
        message = str(first.get("msg", "invalid"))
        raise RuleError(f"{field}: {message}", field=field) from None


def workspace_time_zone(session: Session) -> str:
    """The workspace time zone insights bucket by (UTC before ``prodloop init``)."""
    workspace = ledger.get_workspace(session)
    return workspace.time_zone if workspace is not None else "UTC"


@contextmanager
def lake_engine_for(settings: Settings, session: Session) -> Iterator[Engine]:
    """An engine over the settings' event lake and the ledger's accounts, closed after use."""
    # Imported here: the lake engine pulls in pyarrow, which the app need not load at start-up.
    from prodloop.analytics.query.lake_engine import lake_engine

    engine = lake_engine(EventLake(settings), session)
    try:
        yield engine
    finally:
        engine.connection.close()


def run_query(kind: InsightKind, query: BaseModel, *, engine: Engine, tz: str) -> BaseModel:
    """Run an already validated ``query`` of ``kind`` on ``engine``."""
    result = kind.run(engine, query, tz=tz)
    if not isinstance(result, BaseModel):
        raise TypeError(f"insight {kind.kind} returned {type(result).__name__}, not a model")
    return result


def run_insight(
    kind: str,
    query: Mapping[str, Any] | BaseModel,
    *,
    settings: Settings,
    session: Session,
    engine: Engine | None = None,
) -> BaseModel:
    """Validate ``query`` for insight ``kind`` and run it over the lake in the workspace zone.

    Pass ``engine`` to run somewhere else (a test's in-memory engine, Spark).
    """
    insight = get_kind(kind)
    parsed = query if isinstance(query, BaseModel) else parse_query(insight, query)
    tz = workspace_time_zone(session)
    if engine is not None:
        return run_query(insight, parsed, engine=engine, tz=tz)
    with lake_engine_for(settings, session) as lake_engine:
        return run_query(insight, parsed, engine=lake_engine, tz=tz)


def event_names(settings: Settings, *, limit: int = EVENT_NAME_LIMIT) -> list[tuple[str, int]]:
    """The lake's event names with their counts, busiest first (what event pickers offer)."""
    lake = EventLake(settings)
    rows = lake.query(
        "SELECT event, count(*) AS n FROM events WHERE event IS NOT NULL "
        "GROUP BY event ORDER BY n DESC, event LIMIT ?",
        [limit],
    )
    return [(str(name), int(count)) for name, count in rows]
