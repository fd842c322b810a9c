"""The demo repositories as the GitHub REST API returns them, in the folder layout the GitHub
importer reads (``prodloop.delivery.importers.github_files``): repo.json, issues.json with the
incident issues, pulls.json in pages, deployments.json, and the per-pull-request reviews and
commits and per-deployment statuses.

Those last three come in both layouts the importer accepts: one file per pull request or
deployment (``reviews/{number}.json``, ``commits/{number}.json``,
``deployment_statuses/{id}.json``) for the smallest repository, and one object keyed by
number or id (``reviews.json``, ``pull_commits.json``, ``deployment_statuses.json``) for the
others — a few thousand tiny files cost seconds on some file systems, and the demo is
rebuilt often.
"""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path
from typing import Any

from prodloop.demo.delivery_github import RepoPlan
from prodloop.demo.delivery_model import Actor, DeploymentPlan, IncidentPlan, PullPlan, utc_text

API = "https://api.github.com"
WEB = "https://github.com"
PAGE_SIZE = 100
BOT_EMAIL = "29139614+renovate[bot]@users.noreply.github.com"


def _user(login: str) -> dict[str, Any]:
    kind = "Bot" if login.endswith("[bot]") else "User"
    return {
        "login": login,
        "id": sum(map(ord, login)) * 7919,
        "type": kind,
        "html_url": f"{WEB}/{login}",
    }


def _write(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def write_repo(
    plan: RepoPlan, folder: Path, people: dict[str, Actor], *, file_per_record: bool
) -> Path:
    """Write one repository's export into ``folder`` (created) and return it."""
    folder.mkdir(parents=True)
    name = plan.spec.name
    _write(
        folder / "repo.json",
        {
            "id": sum(map(ord, name)) * 104_729,
            "name": name.split("/")[1],
            "full_name": name,
            "private": True,
            "default_branch": "main",
            "html_url": f"{WEB}/{name}",
        },
    )
    _write(folder / "issues.json", [_issue(incident, name) for incident in plan.incidents])
    pulls = [_pull(pull) for pull in plan.pulls]
    _write(
        folder / "pulls.json", [pulls[n : n + PAGE_SIZE] for n in range(0, len(pulls), PAGE_SIZE)]
    )
    _write(folder / "deployments.json", [_deployment(d) for d in reversed(plan.deployments)])
    keyed = {
        ("reviews", "reviews.json"): {str(p.number): _reviews(p) for p in plan.pulls},
        ("commits", "pull_commits.json"): {str(p.number): _commits(p, people) for p in plan.pulls},
        ("deployment_statuses", "deployment_statuses.json"): {
            str(d.deployment_id): statuses for d, statuses in _statuses(plan.deployments)
        },
    }
    for (directory, combined), records in keyed.items():
        if file_per_record:
            (folder / directory).mkdir()
            for key, data in records.items():
                _write(folder / directory / f"{key}.json", data)
        else:
            _write(folder / combined, records)
    return folder


def _issue(incident: IncidentPlan, repo: str) -> dict[str, Any]:
    labels = [
        {"name": "incident", "color": "b60205", "default": False},
        {"name": incident.severity, "color": "d93f0b", "default": False},
    ]
    return {
        "url": f"{API}/repos/{repo}/issues/{incident.number}",
        "repository_url": f"{API}/repos/{repo}",
        "html_url": f"{WEB}/{repo}/issues/{incident.number}",
        "id": 700_000_000 + incident.number,
        "number": incident.number,
        "title": incident.title,
        "user": _user(incident.assignee),
        "labels": labels,
        "state": "closed",
        "state_reason": "completed",
        "assignee": _user(incident.assignee),
        "assignees": [_user(incident.assignee)],
        "milestone": None,
        "created_at": utc_text(incident.created),
        "updated_at": utc_text(incident.resolved),
        "closed_at": utc_text(incident.resolved),
        "body": "Paged by the error-rate alert shortly after a production deploy.",
    }


def _pull(pull: PullPlan) -> dict[str, Any]:
    repo = pull.repo
    state = "closed" if pull.closed else "open"
    last = max(
        [pull.created, *(r[0] for r in pull.reviews), *([pull.closed] if pull.closed else [])]
    )
    return {
        "url": f"{API}/repos/{repo}/pulls/{pull.number}",
        "id": 900_000_000 + pull.number,
        "html_url": f"{WEB}/{repo}/pull/{pull.number}",
        "number": pull.number,
        "state": state,
        "title": pull.title,
        "user": _user(pull.author),
        "body": "Automerge enabled." if pull.bot else "",
        "labels": [{"name": label} for label in pull.labels],
        "milestone": None,
        "created_at": utc_text(pull.created),
        "updated_at": utc_text(last),
        "closed_at": utc_text(pull.closed) if pull.closed else None,
        "merged_at": utc_text(pull.merged) if pull.merged else None,
        "merge_commit_sha": pull.merge_sha,
        "draft": pull.draft,
        "head": {"ref": pull.branch, "sha": pull.commits[-1][1] if pull.commits else None},
        "base": {"ref": "main", "repo": {"full_name": repo}},
    }


def _reviews(pull: PullPlan) -> list[dict[str, Any]]:
    head = pull.commits[-1][1] if pull.commits else None
    return [
        {
            "id": 1_800_000_000 + pull.number * 10 + index,
            "user": _user(reviewer),
            "state": state,
            "submitted_at": utc_text(at),
            "commit_id": head,
            "body": "",
        }
        for index, (at, reviewer, state) in enumerate(pull.reviews)
    ]


def _commits(pull: PullPlan, people: dict[str, Actor]) -> list[dict[str, Any]]:
    commits = []
    for at, commit_sha, login in pull.commits:
        person = people.get(login)
        name, email = (person.name, person.email) if person else ("renovate[bot]", BOT_EMAIL)
        signature = {"name": name, "email": email, "date": utc_text(at)}
        commits.append(
            {
                "sha": commit_sha,
                "commit": {"author": signature, "committer": signature, "message": pull.title},
                "author": _user(login),
            }
        )
    return commits


def _deployment(deployment: DeploymentPlan) -> dict[str, Any]:
    return {
        "id": deployment.deployment_id,
        "sha": deployment.sha,
        "ref": "main",
        "task": "deploy",
        "environment": "production",
        "production_environment": True,
        "creator": _user(deployment.creator),
        "created_at": utc_text(deployment.started),
        "updated_at": utc_text(deployment.finished),
        "description": "Deploy main to production",
    }


def _statuses(
    deployments: list[DeploymentPlan],
) -> list[tuple[DeploymentPlan, list[dict[str, Any]]]]:
    """Each deployment's statuses, newest first; a success turns the previous one inactive."""
    result = []
    succeeded = [d for d in deployments if d.succeeded]
    superseded = {earlier.deployment_id: later.finished for earlier, later in pairwise(succeeded)}
    for deployment in deployments:
        base = deployment.deployment_id * 10
        states = [("queued", deployment.started), ("in_progress", deployment.started)]
        states.append(("success" if deployment.succeeded else "failure", deployment.finished))
        if deployment.deployment_id in superseded:
            states.append(("inactive", superseded[deployment.deployment_id]))
        statuses = [
            {
                "id": base + index,
                "state": state,
                "environment": "production",
                "creator": _user(deployment.creator),
                "created_at": utc_text(at),
                "description": "",
            }
            for index, (state, at) in enumerate(states)
        ]
        result.append((deployment, list(reversed(statuses))))
    return result
