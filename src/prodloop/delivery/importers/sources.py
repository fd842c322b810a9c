"""Finding and creating the delivery source an import writes to, and reading its config."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from prodloop.delivery.importers.linking import LedgerLinks
from prodloop.delivery.models import DeliverySource
from prodloop.delivery.schemas import ImportSummary, SourceConfig, SourceKind
from prodloop.delivery.workflow import Workflow, source_config
from prodloop.store.base import utcnow


def find_source(session: Session, kind: SourceKind, name: str) -> DeliverySource | None:
    """The source of ``kind`` called ``name``, if it was imported before."""
    query = select(DeliverySource).where(
        DeliverySource.kind == kind.value, DeliverySource.name == name
    )
    return session.execute(query).scalar_one_or_none()


@dataclass
class SourceContext:
    """Everything an importer needs about its source; the row is created only on write."""

    kind: SourceKind
    name: str
    source: DeliverySource | None
    config: SourceConfig
    workflow: Workflow

    @classmethod
    def open(cls, session: Session, kind: SourceKind, name: str) -> SourceContext:
        """Read the source's config (defaults when the source is new); writes nothing."""
        source = find_source(session, kind, name)
        config = source_config(source.config if source else None)
        return cls(kind, name, source, config, Workflow.for_source(kind, config.workflow))

    def ensure(self, session: Session) -> DeliverySource:
        """The source row, created now if it is new, stamped with this import's time."""
        if self.source is None:
            self.source = DeliverySource(kind=self.kind.value, name=self.name, config={})
            session.add(self.source)
        self.source.last_imported_at = utcnow()
        session.flush()
        return self.source

    def links(self, session: Session) -> LedgerLinks:
        """The ledger lookups, with this source's epic → feature mapping."""
        return LedgerLinks.load(session, self.config.epic_features)

    def summary(self) -> ImportSummary:
        """An empty summary for this source (after :meth:`ensure`)."""
        assert self.source is not None
        return ImportSummary(source_id=self.source.id, source=self.name, kind=self.kind)
