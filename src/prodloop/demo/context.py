"""What every demo extension is handed: the session, the seed, the demo's clock and the company."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from prodloop.ledger.models import Account, Feature, Person, ProductArea, Team, Workspace

HISTORY_DAYS = 365

Keyed = TypeVar("Keyed", Team, ProductArea, Feature)


class DemoError(Exception):
    """The demo cannot be built as asked (a non-empty store, a broken extension)."""


@dataclass
class Company:
    """The company the ledger step built, as ORM records in the demo's session.

    Empty until the ``ledger`` extension has run; every later extension can rely on it.
    """

    name: str = ""
    domain: str = ""
    workspace: Workspace | None = None
    teams: list[Team] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    product_areas: list[ProductArea] = field(default_factory=list)
    accounts: list[Account] = field(default_factory=list)
    features: list[Feature] = field(default_factory=list)

    def team(self, key: str) -> Team:
        """The team with ``key``."""
        return _by_key(self.teams, key, "team")

    def product_area(self, key: str) -> ProductArea:
        """The product area with ``key``."""
        return _by_key(self.product_areas, key, "product area")

    def feature(self, key: str) -> Feature:
        """The feature with ``key``."""
        return _by_key(self.features, key, "feature")

    def people_in(self, team_key: str, role: str | None = None) -> list[Person]:
        """People of a team, optionally only those whose role contains ``role``."""
        team = self.team(team_key)
        return [
            person
            for person in self.people
            if person.team_id == team.id and (role is None or role in person.role)
        ]

    def accounts_in(self, segment: str) -> list[Account]:
        """Accounts of one segment (``smb``, ``mid_market`` or ``enterprise``)."""
        return [account for account in self.accounts if account.segment == segment]


def _no_progress(_message: str) -> None:
    return None


@dataclass
class DemoContext:
    """Everything an extension needs to add its part of the demo company.

    All history lies in the 12 months before ``as_of``; use :attr:`history_start` and
    :attr:`history_end` (aware UTC) as the window and :meth:`rng` for randomness.
    """

    session: Session
    seed: int
    as_of: date
    time_zone: str
    company: Company = field(default_factory=Company)
    progress: Callable[[str], None] = _no_progress
    #: Where the event lake lives; ``None`` builds the app store only (no events written).
    lake_dir: Path | None = None
    #: Volume of generated activity (feedback items…) relative to the full demo; the company
    #: itself (accounts, people, features) is the same at every scale.
    scale: float = 1.0

    def rng(self, name: str) -> random.Random:
        """A fresh RNG seeded from (seed, ``name``) with SHA-256, so it is stable across runs.

        The same name always restarts the same stream: use sub-names ("events/sessions")
        for independent streams within one extension.
        """
        digest = hashlib.sha256(f"prodloop.demo:{self.seed}:{name}".encode()).digest()
        return random.Random(int.from_bytes(digest[:8], "big"))

    @property
    def zone(self) -> ZoneInfo:
        """The workspace time zone."""
        return ZoneInfo(self.time_zone)

    @property
    def history_start(self) -> datetime:
        """Local midnight 365 days before ``as_of``, in UTC: the earliest demo timestamp."""
        return local_time(self.as_of - timedelta(days=HISTORY_DAYS), time(0), self.zone)

    @property
    def history_end(self) -> datetime:
        """Local midnight at the start of ``as_of``, in UTC: every demo timestamp is before it."""
        return local_time(self.as_of, time(0), self.zone)

    def business_time(self, day: date, rng: random.Random) -> datetime:
        """A plausible working moment on ``day``, in UTC.

        A weekend day moves back to a random weekday of the same week (never later, so a
        moment stays inside the history window).
        """
        weekday = day.weekday()
        if weekday >= 5:
            day -= timedelta(days=weekday - rng.randint(0, 4))
        moment = time(rng.randint(9, 17), rng.randrange(0, 60, 5))
        return local_time(day, moment, self.zone)

    def day(self, offset: int) -> date:
        """The local date ``offset`` days into the history window (0 = its first day)."""
        return self.as_of - timedelta(days=HISTORY_DAYS - offset)


def local_time(day: date, moment: time, zone: ZoneInfo) -> datetime:
    """``day`` at wall-clock ``moment`` in ``zone``, as an aware UTC datetime."""
    return datetime.combine(day, moment, tzinfo=zone).astimezone(UTC)


def _by_key(records: list[Keyed], key: str, what: str) -> Keyed:
    for record in records:
        if record.key == key:
            return record
    raise KeyError(f"the demo company has no {what} {key!r}")
