"""What the delivery simulator decides before anything is written: people as the tools know
them, sprints, work items, pull requests, deployments and incidents, and the clock they run on.

Every moment is an aware UTC datetime inside the demo's year of history; the exporters turn
these plans into the files Jira and GitHub would hand over.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from prodloop.demo.company import ascii_fold
from prodloop.demo.context import DemoContext, local_time
from prodloop.ledger.models import Person

WEEKEND = (5, 6)


@dataclass(frozen=True)
class Actor:
    """A person as Jira (name, email) and GitHub (login) know them."""

    name: str
    email: str
    role: str
    team: str

    @property
    def login(self) -> str:
        """A GitHub login made from the person's name (``lena-schneider``)."""
        return "-".join(ascii_fold(part) for part in self.name.replace("-", " ").split())

    @property
    def account_id(self) -> str:
        """A stable Atlassian account id for the person."""
        return f"712020:{ascii_fold(self.email.split('@')[0]).replace('.', '-')}"

    @classmethod
    def of(cls, person: Person, team: str) -> Actor:
        """The actor for a ledger person of ``team``."""
        return cls(person.name, person.email, person.role, team)


@dataclass(frozen=True)
class Sprint:
    """A two-week sprint of one team's board."""

    sprint_id: int
    name: str
    board_id: int
    start: datetime
    end: datetime
    state: str

    def holds(self, moment: datetime) -> bool:
        """Whether ``moment`` falls inside the sprint."""
        return self.start <= moment < self.end


@dataclass
class SprintMove:
    """The Sprint field changing: the sprints before and after (Jira lists every sprint)."""

    at: datetime
    before: tuple[Sprint, ...]
    after: tuple[Sprint, ...]


@dataclass
class WorkItemPlan:
    """One Jira issue with its whole history, as the simulator decided it."""

    project: str
    team: str
    title: str
    item_type: str
    created: datetime
    reporter: Actor
    key: str = ""
    assignee: Actor | None = None
    unplanned: bool = False
    points: float | None = None
    labels: list[str] = field(default_factory=list)
    priority: str = "Medium"
    epic: WorkItemPlan | None = None
    feature: str | None = None
    statuses: list[tuple[datetime, str]] = field(default_factory=list)
    resolution: str | None = None
    due_date: date | None = None
    due_changes: list[tuple[datetime, date | None, date]] = field(default_factory=list)
    sprint_moves: list[SprintMove] = field(default_factory=list)
    team_moves: list[tuple[datetime, str, str]] = field(default_factory=list)

    @property
    def status(self) -> str:
        """The status the item is in today."""
        return self.statuses[-1][1] if self.statuses else "To Do"

    @property
    def done(self) -> datetime | None:
        """When the item last reached Done, if it is done (not cancelled)."""
        if self.status != "Done":
            return None
        return self.statuses[-1][0]

    @property
    def sprints(self) -> tuple[Sprint, ...]:
        """Every sprint the item was in, oldest first."""
        return self.sprint_moves[-1].after if self.sprint_moves else ()

    @property
    def is_open(self) -> bool:
        """Neither done nor cancelled today."""
        return self.status not in ("Done", "Won't Do")


@dataclass
class PullPlan:
    """A pull request with its commits and reviews."""

    repo: str
    author: str
    title: str
    created: datetime
    commits: list[tuple[datetime, str, str]]
    reviews: list[tuple[datetime, str, str]]
    merged: datetime | None
    closed: datetime | None
    merge_sha: str | None
    branch: str
    number: int = 0
    labels: list[str] = field(default_factory=list)
    feature: str | None = None
    draft: bool = False
    bot: bool = False


@dataclass
class DeploymentPlan:
    """One deployment attempt of a repository to production."""

    repo: str
    deployment_id: int
    sha: str
    started: datetime
    finished: datetime
    succeeded: bool
    creator: str


@dataclass
class IncidentPlan:
    """A production incident, filed as a labelled GitHub issue after a deployment."""

    repo: str
    title: str
    created: datetime
    resolved: datetime
    severity: str
    assignee: str
    caused_by: int
    number: int = 0


@dataclass(frozen=True)
class Clock:
    """The demo's calendar in the workspace time zone: its window and working hours."""

    zone: ZoneInfo
    first_day: date
    as_of: date

    @classmethod
    def of(cls, context: DemoContext) -> Clock:
        """The clock of ``context``'s year of history."""
        return cls(
            context.zone, context.history_start.astimezone(context.zone).date(), context.as_of
        )

    @property
    def start(self) -> datetime:
        """The first moment of the window (UTC)."""
        return local_time(self.first_day, time(0), self.zone)

    @property
    def end(self) -> datetime:
        """Local midnight at the start of ``as_of`` (UTC): every moment is before it."""
        return local_time(self.as_of, time(0), self.zone)

    def days(self) -> list[date]:
        """Every local day of the window, oldest first."""
        return [
            self.first_day + timedelta(days=n) for n in range((self.as_of - self.first_day).days)
        ]

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        """``day`` at ``hour:minute`` local time, in UTC."""
        return local_time(day, time(hour, minute), self.zone)

    def local_day(self, moment: datetime) -> date:
        """The local date of ``moment``."""
        return moment.astimezone(self.zone).date()

    def fraction(self, moment: datetime) -> float:
        """Where ``moment`` lies in the window, 0 at its start and 1 at its end."""
        return (moment - self.start) / (self.end - self.start)

    def working_moment(self, day: date, rng: random.Random, *, early: int = 9) -> datetime:
        """A moment in working hours on ``day`` (weekend days get late-morning moments)."""
        if day.weekday() in WEEKEND:
            return self.at(day, rng.randint(10, 15), rng.randrange(0, 60, 5))
        return self.at(day, rng.randint(early, 17), rng.randrange(0, 60))

    def settle(self, moment: datetime, rng: random.Random, *, weekends: float = 0.1) -> datetime:
        """``moment`` moved into working hours of its own day, or of the Friday before when it
        falls on a weekend (kept there with probability ``weekends``)."""
        local = moment.astimezone(self.zone)
        day = local.date()
        if day.weekday() in WEEKEND and rng.random() >= weekends:
            day -= timedelta(days=day.weekday() - 4)
            return self.at(day, rng.randint(13, 17), rng.randrange(0, 60))
        if local.hour < 8:
            return self.at(day, rng.randint(8, 10), rng.randrange(0, 60))
        if local.hour >= 19:
            return self.at(day, rng.randint(16, 18), rng.randrange(0, 60))
        return moment

    def next_working(self, moment: datetime, rng: random.Random) -> datetime:
        """``moment`` if it is in working hours on a weekday, else the next weekday morning."""
        local = moment.astimezone(self.zone)
        day = local.date()
        if day.weekday() not in WEEKEND and 8 <= local.hour < 19:
            return moment
        if local.hour >= 19 or day.weekday() in WEEKEND:
            day += timedelta(days=1)
        while day.weekday() in WEEKEND:
            day += timedelta(days=1)
        return self.at(day, rng.randint(8, 10), rng.randrange(0, 60))


def lognormal_days(rng: random.Random, median: float, sigma: float, cap: float) -> float:
    """A right-skewed duration in days with the given median, capped at ``cap``."""
    return min(cap, rng.lognormvariate(math.log(median), sigma))


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth's method; the means here are small)."""
    if mean <= 0:
        return 0
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def sha(rng: random.Random) -> str:
    """A random 40-hex-digit git SHA."""
    return f"{rng.getrandbits(160):040x}"


def utc_text(moment: datetime) -> str:
    """GitHub's timestamp form: ``2025-06-02T13:00:00Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
