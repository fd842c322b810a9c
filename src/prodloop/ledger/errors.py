"""Errors raised by ledger services; each names the field that was wrong."""

from __future__ import annotations


class LedgerError(Exception):
    """A request the ledger refuses; ``field`` names the offending input when there is one."""

    status = 422
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFoundError(LedgerError):
    """The record asked for does not exist."""

    status = 404
    code = "not_found"


class ConflictError(LedgerError):
    """The change would break a uniqueness rule (a duplicate key or email)."""

    status = 409
    code = "conflict"


class RuleError(LedgerError):
    """The change breaks a ledger rule (an unknown owner, a retired feature revived silently)."""

    status = 422
    code = "rule_violation"
