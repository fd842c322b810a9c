"""Matching feedback to ledger accounts by id, email domain or name."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from prodloop.ledger.models import Account

# Mail providers say nothing about which company someone works for.
FREE_MAIL = frozenset(
    {"gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "icloud.com", "proton.me", "aol.com"}
)


class AccountMatcher:
    """Every ledger account indexed by id, external ids, domain and name, loaded once."""

    def __init__(self, session: Session) -> None:
        self.by_id: dict[str, Account] = {}
        self.by_domain: dict[str, Account] = {}
        self.by_name: dict[str, Account] = {}
        for account in session.scalars(select(Account)):
            self.by_id[str(account.id)] = account
            for external in (account.external_ids or {}).values():
                self.by_id.setdefault(str(external), account)
            if account.domain:
                self.by_domain[account.domain.lower()] = account
            self.by_name[_name_key(account.name)] = account

    def match(self, account: str | None, email: str | None) -> Account | None:
        """The account a value names (id, domain or name), else the one the email's domain is."""
        if account:
            value = str(account).strip()
            found = (
                self.by_id.get(value)
                or self.by_domain.get(value.lower())
                or self.by_name.get(_name_key(value))
            )
            if found is not None:
                return found
        if email and "@" in email:
            domain = email.rsplit("@", 1)[1].strip().lower()
            if domain not in FREE_MAIL:
                return self.by_domain.get(domain) or self._parent_domain(domain)
        return None

    def _parent_domain(self, domain: str) -> Account | None:
        parts = domain.split(".")
        for start in range(1, len(parts) - 1):
            found = self.by_domain.get(".".join(parts[start:]))
            if found is not None:
                return found
        return None


def _name_key(name: str) -> str:
    words = "".join(c if c.isalnum() else " " for c in name.lower()).split()
    suffixes = {"inc", "ltd", "llc", "gmbh", "corp", "co", "sa", "ag", "plc"}
    return " ".join(w for w in words if w not in suffixes)
