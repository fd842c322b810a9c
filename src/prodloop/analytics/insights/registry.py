"""Every insight kind, by name: its query model, its runner, how to describe it.

Interfaces (JSON API, CLI, pages, dashboards) look insights up here, so adding a kind is one
entry in :data:`INSIGHTS`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel


@dataclass(frozen=True)
class InsightKind:
    """One kind of insight.

    ``chart`` names how interfaces draw its result (``line``, ``funnel``, ``retention``,
    ``stickiness``, ``lifecycle``, ``paths``, ``adoption``); empty means "as the kind's name".
    """

    kind: str
    title: str
    description: str
    query_model: type[BaseModel]
    run: Callable[..., Any]
    chart: str = ""
    result_model: type[BaseModel] | None = None

    @property
    def chart_kind(self) -> str:
        """How the interfaces draw this insight's result."""
        return self.chart or self.kind


#: kind -> InsightKind, filled by the insight modules when :func:`load_all` imports them.
INSIGHTS: dict[str, InsightKind] = {}

#: The modules that define insight kinds (each calls :func:`register` at import).
MODULES: tuple[str, ...] = (
    # one line per insight module, e.g. "prodloop.analytics.insights.trends",
    "prodloop.analytics.insights.adoption",
    "prodloop.analytics.insights.trends",
    "prodloop.analytics.insights.stickiness",
    "prodloop.analytics.insights.lifecycle",
    "prodloop.analytics.insights.funnels",
    "prodloop.analytics.insights.retention",
    "prodloop.analytics.insights.paths",
)


def register(kind: InsightKind) -> InsightKind:
    """Add ``kind`` to :data:`INSIGHTS` (insight modules call this at import)."""
    INSIGHTS[kind.kind] = kind
    return kind


def load_all() -> dict[str, InsightKind]:
    """Import every insight module and return :data:`INSIGHTS`."""
    for module in MODULES:
        importlib.import_module(module)
    return INSIGHTS
