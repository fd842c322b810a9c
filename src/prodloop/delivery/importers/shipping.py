"""What each deployment shipped, and which deployment each incident followed.

A deployment's ``commits`` are the SHAs it shipped for the first time. When the repository's
git history is imported they are found by walking the commit graph back from the deployed SHA
and stopping at commits an earlier successful production deployment already shipped.
Otherwise (or when the deployed SHA is not in the imported history) they are found by order:
the merge SHAs of pull requests merged after the previous successful production deployment
started and no later than this one started.

An incident links to the latest successful production deployment of its repository that
finished before the incident was created (Apache DevLake's rule), among deployments of the
best origin the repository has: GitHub deployments, else deploy CI runs, else releases, else
tags.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from prodloop.delivery.models import Commit, Deployment, Incident, PullRequest, Tag

ORIGINS = ("deployment", "actions_run", "release", "tag")


def best_origin(deployments: Sequence[Deployment]) -> str | None:
    """The most trustworthy origin among successful production deployments."""
    present = {d.origin for d in deployments if d.succeeded and d.production}
    return next((origin for origin in ORIGINS if origin in present), None)


def refresh_shipping(session: Session, repo: str) -> None:
    """Recompute release SHAs from tags, deployment commits and incident links for ``repo``."""
    deployments = list(
        session.execute(
            select(Deployment).where(Deployment.repo == repo).order_by(Deployment.started_at)
        ).scalars()
    )
    if not deployments:
        return
    _release_shas(session, repo, deployments)
    query = select(Commit.sha, Commit.parents).where(Commit.repo == repo)
    graph: dict[str, list[str]] = {sha: parents for sha, parents in session.execute(query)}  # noqa: C416
    merges = sorted(
        (at, sha)
        for at, sha in session.execute(
            select(PullRequest.merged_at, PullRequest.merge_sha).where(PullRequest.repo == repo)
        )
        if at is not None and sha is not None
    )
    for origin in ORIGINS:
        chain = [d for d in deployments if d.origin == origin]
        shipped = _first_shipped(chain, graph, merges)
        for deployment in chain:
            commits = shipped.get(deployment.id, [])
            if deployment.commits != commits:
                deployment.commits = commits
    _link_incidents(session, repo, deployments)
    session.flush()


def _release_shas(session: Session, repo: str, deployments: Sequence[Deployment]) -> None:
    tags = dict(session.execute(select(Tag.name, Tag.sha).where(Tag.repo == repo)).all())
    for deployment in deployments:
        if deployment.origin == "release" and deployment.sha is None:
            deployment.sha = tags.get(deployment.external_id.removeprefix("release:"))


def _first_shipped(
    chain: Sequence[Deployment],
    graph: Mapping[str, list[str]],
    merges: Sequence[tuple[datetime, str]],
) -> dict[int, list[str]]:
    shipped: set[str] = set()
    result: dict[int, list[str]] = {}
    previous_start: datetime | None = None
    merge_times = [at for at, _ in merges]
    for deployment in chain:
        if not (deployment.succeeded and deployment.production):
            continue
        if deployment.sha and deployment.sha in graph:
            new = _walk(deployment.sha, graph, shipped)
        else:
            low = 0 if previous_start is None else bisect.bisect_right(merge_times, previous_start)
            high = bisect.bisect_right(merge_times, deployment.started_at)
            new = [sha for _, sha in merges[low:high] if sha not in shipped]
            new += [deployment.sha] if deployment.sha and deployment.sha not in new else []
            shipped.update(new)
        result[deployment.id] = new
        previous_start = deployment.started_at
    return result


def _walk(head: str, graph: Mapping[str, list[str]], shipped: set[str]) -> list[str]:
    """Commits reachable from ``head`` not yet shipped (and now marked shipped)."""
    new: list[str] = []
    stack = [head]
    while stack:
        sha = stack.pop()
        if sha in shipped:
            continue
        shipped.add(sha)
        new.append(sha)
        stack.extend(parent for parent in graph.get(sha, ()) if parent not in shipped)
    return new


def _link_incidents(session: Session, repo: str, deployments: Sequence[Deployment]) -> None:
    origin = best_origin(deployments)
    good = sorted(
        (d.finished_at, d.id)
        for d in deployments
        if d.origin == origin and d.succeeded and d.production
    )
    finishes = [finished for finished, _ in good]
    rows: list[dict[str, Any]] = []
    query = select(Incident.id, Incident.created_at, Incident.deployment_id).where(
        Incident.repo == repo
    )
    for incident_id, created, linked in session.execute(query):
        index = bisect.bisect_right(finishes, created)
        deployment_id = good[index - 1][1] if index else None
        if deployment_id != linked:
            rows.append({"id": incident_id, "deployment_id": deployment_id})
    if rows:
        session.execute(update(Incident), rows)
