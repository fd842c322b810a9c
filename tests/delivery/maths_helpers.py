"""Small builders for the delivery-maths tests: aware datetimes and work items."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from prodloop.delivery.facts import (
    DeploymentFacts,
    IncidentFacts,
    PullRequestFacts,
    StatusCategory,
    StatusChange,
    WorkItemFacts,
)

ZONES = ("UTC", "America/New_York", "Europe/Berlin", "Asia/Kolkata", "Australia/Sydney")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An aware UTC instant."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def local(zone: str, year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An aware instant given as wall-clock time in ``zone``."""
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(zone))


def work_item(
    key: str,
    created: datetime,
    *,
    started: datetime | None = None,
    done: datetime | None = None,
    **fields: object,
) -> WorkItemFacts:
    """A work item with only the fields a test cares about."""
    return WorkItemFacts(
        key=key,
        title=fields.pop("title", f"Item {key}"),  # type: ignore[arg-type]
        item_type=fields.pop("item_type", "story"),  # type: ignore[arg-type]
        created_at=created,
        started_at=started,
        done_at=done,
        **fields,  # type: ignore[arg-type]
    )


def moved_to(at: datetime, category: StatusCategory, status: str = "") -> StatusChange:
    """A status change into ``category``."""
    return StatusChange(at=at, from_status=None, to_status=status or category, category=category)


def deployment(
    key: str,
    finished: datetime,
    *,
    commits: tuple[str, ...] = (),
    repo: str = "api",
    succeeded: bool = True,
    production: bool = True,
    started: datetime | None = None,
) -> DeploymentFacts:
    """A deployment that started 10 minutes before it finished unless told otherwise."""
    return DeploymentFacts(
        key=key,
        repo=repo,
        environment="production" if production else "staging",
        started_at=started or finished - timedelta(minutes=10),
        finished_at=finished,
        succeeded=succeeded,
        production=production,
        commits=frozenset(commits),
    )


def pull_request(
    number: int,
    created: datetime,
    *,
    merged: datetime | None,
    sha: str | None = None,
    first_commit: datetime | None = None,
    first_review: datetime | None = None,
    repo: str = "api",
) -> PullRequestFacts:
    """A pull request with the moments its stages are split on."""
    return PullRequestFacts(
        repo=repo,
        number=number,
        author="ada",
        created_at=created,
        first_commit_at=first_commit,
        first_review_at=first_review,
        merged_at=merged,
        merge_sha=sha,
    )


def incident(
    key: str, created: datetime, *, resolved: datetime | None = None, repo: str | None = "api"
) -> IncidentFacts:
    """A production incident."""
    return IncidentFacts(key=key, repo=repo, created_at=created, resolved_at=resolved)


# Instants in 2023-2025, to the minute, in UTC (hypothesis shrinks toward 2024-01-01).
instants = st.datetimes(
    min_value=datetime(2023, 1, 1),
    max_value=datetime(2025, 12, 31),
).map(lambda moment: moment.replace(second=0, microsecond=0, tzinfo=UTC))

zones = st.sampled_from(ZONES)


def day_range(first: date, last: date) -> list[date]:
    """Every date from ``first`` to ``last`` inclusive, the slow obvious way."""
    days = []
    current = first
    while current <= last:
        days.append(current)
        current = date.fromordinal(current.toordinal() + 1)
    return days
