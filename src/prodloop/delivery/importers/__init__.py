"""Connectors that turn tool exports (Jira CSV and REST JSON, Linear CSV, GitHub REST JSON, a git
clone) into delivery records. Each parses and validates everything before writing anything,
upserts by (source, external key) and never commits: the caller owns the transaction."""

from prodloop.delivery.importers.errors import ImportFormatError

__all__ = ["ImportFormatError"]
