"""The engine experiment analysis reads the event lake through: the analytics domain's
``lake_engine`` (identity merge, ledger accounts), one snapshot per analysis."""

from __future__ import annotations

from sqlalchemy.orm import Session

from prodloop.analytics.lake import EventLake
from prodloop.analytics.query.engine import DuckDBEngine
from prodloop.analytics.query.lake_engine import lake_engine


def experiment_engine(lake: EventLake, session: Session | None = None) -> DuckDBEngine:
    """An engine over ``lake`` (and the ledger's accounts when a session is given)."""
    return lake_engine(lake, session if session is not None else ())
