"""The app store: SQLAlchemy engine, sessions, shared column types and migrations."""

from prodloop.store.base import Base, UTCDateTime, utcnow
from prodloop.store.engine import make_engine, make_session_factory, unit_of_work

__all__ = ["Base", "UTCDateTime", "make_engine", "make_session_factory", "unit_of_work", "utcnow"]
