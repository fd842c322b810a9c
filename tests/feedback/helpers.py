"""Shared set-up for feedback tests: a few accounts with known ARR."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from prodloop.ledger import service as ledger
from prodloop.ledger.models import Account
from prodloop.ledger.schemas import AccountIn

DATA = Path(__file__).parent.parent / "data" / "feedback"
ACTOR = "admin@example.com"

ACCOUNTS = [
    ("Northwind Traders", "northwind.com", "enterprise", 900_000, {"zendesk": "org-77"}),
    ("Globex", "globex.io", "mid_market", 1_200_000, {}),
    ("Initech", "initech.com", "smb", 40_000, {}),
]


def add_accounts(session: Session) -> dict[str, Account]:
    """The three test accounts, by name."""
    made = {}
    for name, domain, segment, arr, external in ACCOUNTS:
        made[name] = ledger.create_account(
            session,
            AccountIn(name=name, domain=domain, segment=segment, arr=arr, external_ids=external),
            actor=ACTOR,
        )
    session.flush()
    return made
