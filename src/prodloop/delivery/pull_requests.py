"""Pull-request cycle time split into coding, pickup, review and deploy (DevLake's stages).

For a merged pull request, in fractional days:

* **coding** — first commit → PR created (None when the first commit is unknown);
* **pickup** — PR created → first review by someone else (None when nobody reviewed);
* **review** — first review → merged; with no review the whole created → merged span is
  review time and pickup stays None;
* **deploy** — merged → finish of the first successful production deployment (earliest
  start) that shipped the merge commit, i.e. whose ``commits`` contain ``merge_sha`` or whose
  ``sha`` is it. None while undeployed.
* **cycle** — coding + (merged - created) + deploy, a missing stage counting as zero
  (DevLake's ``pr_cycle_time``).

As in DevLake, a span that comes out negative (clock skew, rebased history) is treated as
unknown (None) rather than as a negative duration.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from prodloop.delivery.facts import DeploymentFacts, PullRequestFacts
from prodloop.delivery.percentiles import median
from prodloop.delivery.periods import days_between


def is_production_deployment(deployment: DeploymentFacts) -> bool:
    """A successful deployment to production: the only kind DORA counts."""
    return deployment.succeeded and deployment.production


@dataclass(frozen=True)
class PullRequestCycle:
    """One merged pull request's cycle time by stage, in days."""

    repo: str
    number: int
    feature: str | None
    created_at: datetime
    merged_at: datetime
    coding_days: float | None
    pickup_days: float | None
    review_days: float | None
    deploy_days: float | None
    deployment_key: str | None
    deployed_at: datetime | None

    @property
    def open_days(self) -> float:
        """PR created → merged (pickup + review)."""
        return max(0.0, days_between(self.created_at, self.merged_at))

    @property
    def cycle_days(self) -> float:
        """coding + (merged - created) + deploy, missing stages counting as zero."""
        return (self.coding_days or 0.0) + self.open_days + (self.deploy_days or 0.0)


class DeploymentIndex:
    """Finds, for a commit SHA, the first successful production deployment that shipped it."""

    def __init__(self, deployments: Iterable[DeploymentFacts]) -> None:
        self._first_by_sha: dict[str, DeploymentFacts] = {}
        production = sorted(
            (d for d in deployments if is_production_deployment(d)),
            key=lambda d: (d.started_at, d.key),
        )
        for deployment in production:
            shas = set(deployment.commits)
            if deployment.sha:
                shas.add(deployment.sha)
            for sha in shas:
                self._first_by_sha.setdefault(sha, deployment)

    def first_shipping(self, sha: str | None) -> DeploymentFacts | None:
        """The earliest-started production deployment containing ``sha``, if any."""
        return self._first_by_sha.get(sha) if sha else None


def _span(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    days = days_between(start, end)
    return days if days >= 0 else None


def pull_request_cycle(
    pull_request: PullRequestFacts, deployments: DeploymentIndex
) -> PullRequestCycle | None:
    """The stage split of one pull request, or None when it was never merged."""
    merged = pull_request.merged_at
    if merged is None:
        return None
    reviewed = pull_request.first_review_at
    deployment = deployments.first_shipping(pull_request.merge_sha)
    deployed_at = deployment.finished_at if deployment else None
    return PullRequestCycle(
        repo=pull_request.repo,
        number=pull_request.number,
        feature=pull_request.feature,
        created_at=pull_request.created_at,
        merged_at=merged,
        coding_days=_span(pull_request.first_commit_at, pull_request.created_at),
        pickup_days=_span(pull_request.created_at, reviewed),
        review_days=_span(reviewed or pull_request.created_at, merged),
        deploy_days=_span(merged, deployed_at),
        deployment_key=deployment.key if deployment else None,
        deployed_at=deployed_at,
    )


def pull_request_cycles(
    pull_requests: Iterable[PullRequestFacts], deployments: Iterable[DeploymentFacts]
) -> tuple[PullRequestCycle, ...]:
    """The stage split of every merged pull request."""
    index = DeploymentIndex(deployments)
    cycles = (pull_request_cycle(pr, index) for pr in pull_requests)
    return tuple(cycle for cycle in cycles if cycle is not None)


@dataclass(frozen=True)
class PullRequestCycleSummary:
    """Median days per stage over a set of merged pull requests (None: no data)."""

    pull_requests: int
    coding_days: float | None
    pickup_days: float | None
    review_days: float | None
    deploy_days: float | None
    cycle_days: float | None


def summarise_cycles(cycles: Iterable[PullRequestCycle]) -> PullRequestCycleSummary:
    """Medians per stage; each stage's median is over the PRs where that stage is known."""
    chosen = list(cycles)

    def stage_median(values: Iterable[float | None]) -> float | None:
        """The median of the known values."""
        return median(v for v in values if v is not None)

    return PullRequestCycleSummary(
        pull_requests=len(chosen),
        coding_days=stage_median(c.coding_days for c in chosen),
        pickup_days=stage_median(c.pickup_days for c in chosen),
        review_days=stage_median(c.review_days for c in chosen),
        deploy_days=stage_median(c.deploy_days for c in chosen),
        cycle_days=median(c.cycle_days for c in chosen),
    )
