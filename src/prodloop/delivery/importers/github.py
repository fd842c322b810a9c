"""GitHub issues, pull requests, reviews, deployments and releases from REST JSON files (the
layout is in ``github_files``).

Issues become work items (a milestone is an epic and its ``due_on`` the due date; closed as
``not_planned`` or ``duplicate`` is cancelled; GitHub has no "in progress", so issues have no
start). Issues with an incident label also become incidents. Pull requests found only in
``issues.json`` (marked by ``pull_request``) are used when ``pulls.json`` is absent. A pull
request's first review is the first submitted review by someone other than its author; its
first commit, the earliest ``commit.author.date`` of its commits.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from prodloop.delivery.facts import StatusCategory
from prodloop.delivery.importers.dates import parse_iso_date, parse_iso_datetime
from prodloop.delivery.importers.github_deploys import deployment_rows
from prodloop.delivery.importers.github_files import GitHubExport, load_export
from prodloop.delivery.importers.jsondata import JsonRecord, dig
from prodloop.delivery.importers.linking import LedgerLinks
from prodloop.delivery.importers.persist import save_work_items
from prodloop.delivery.importers.records import ParsedWorkItem, unique_labels
from prodloop.delivery.importers.shipping import refresh_shipping
from prodloop.delivery.importers.sources import SourceContext
from prodloop.delivery.importers.upsert import Upsert
from prodloop.delivery.models import Deployment, Incident, PullRequest
from prodloop.delivery.schemas import ImportSummary, RecordCounts, SourceConfig, SourceKind
from prodloop.delivery.workflow import Workflow
from prodloop.store.base import Base

CLOSING = re.compile(r"\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\s+#(\d+)", re.I)


def repo_name(export: GitHubExport, given: str | None) -> str:
    """``owner/name``: given, else from repo.json, a pull request or an issue URL."""
    if given:
        return given
    if export.repo_info.get("full_name"):
        return str(export.repo_info["full_name"])
    for pull in export.lists.get("pulls", []):
        name = dig(pull, "base.repo.full_name")
        if name:
            return str(name)
    for issue in export.lists.get("issues", []):
        url = issue.get("repository_url")
        if isinstance(url, str) and "/repos/" in url:
            return url.split("/repos/", 1)[1]
    return export.directory.resolve().name


def _labels(record: JsonRecord) -> list[str]:
    names = (
        label.get("name", "") if isinstance(label, Mapping) else str(label)
        for label in record.items("labels")
    )
    return unique_labels(str(name) for name in names)


def _issue(
    record: JsonRecord, repo: str, workflow: Workflow, config: SourceConfig
) -> ParsedWorkItem:
    number = record.text("number")
    if number is None:
        raise record.error("an issue needs a number", "number")
    state = record.text("state") or "open"
    reason = record.text("state_reason")
    status = f"{state} ({reason})" if state == "closed" and reason else state
    hint = StatusCategory.DONE if state == "closed" else StatusCategory.TODO
    category = workflow.category(status, workflow.statuses.get(state, hint))
    closed = record.parsed(parse_iso_datetime, "closed_at")
    assignees = [a.get("login") for a in record.items("assignees") if isinstance(a, Mapping)]
    return ParsedWorkItem(
        key=f"{repo}#{number}",
        title=record.text("title") or "",
        item_type=record.text("type.name") or "Issue",
        status=status,
        category=category,
        created_at=record.required(parse_iso_datetime, "created_at"),
        done_at=closed if category in (StatusCategory.DONE, StatusCategory.CANCELLED) else None,
        cancelled=category is StatusCategory.CANCELLED,
        due_date=record.parsed(parse_iso_date, "milestone.due_on"),
        assignee=(assignees[0] if assignees else None) or record.text("assignee.login"),
        team=config.default_team,
        labels=_labels(record),
        epic_key=record.text("milestone.title"),
        url=record.text("html_url"),
        source_updated_at=record.parsed(parse_iso_datetime, "updated_at"),
        raw={"author": record.text("user.login")} if record.text("user.login") else {},
    )


def _incident(item: ParsedWorkItem, repo: str) -> dict[str, Any]:
    return {
        "key": item.key,
        "repo": repo,
        "title": item.title,
        "created_at": item.created_at,
        "resolved_at": item.done_at,
    }


def _first_review(export: GitHubExport, number: str, author: str | None) -> Any:
    path = export.file(f"reviews/{number}.json")
    record = JsonRecord({}, path, f"pull request #{number}")
    times = [
        record.convert(parse_iso_datetime, review.get("submitted_at"), "submitted_at")
        for review in export.reviews.get(number, [])
        if str(review.get("state", "")).upper() != "PENDING" and dig(review, "user.login") != author
    ]
    return min((t for t in times if t), default=None)


def _first_commit(export: GitHubExport, number: str) -> Any:
    record = JsonRecord({}, export.file(f"commits/{number}.json"), f"pull request #{number}")
    times = [
        record.convert(parse_iso_datetime, dig(commit, "commit.author.date"), "commit.author.date")
        for commit in export.commits.get(number, [])
    ]
    return min((t for t in times if t), default=None)


def _pull(
    record: JsonRecord,
    export: GitHubExport,
    repo: str,
    links: LedgerLinks,
    issue_features: Mapping[str, int | None],
) -> dict[str, Any]:
    number = record.text("number")
    if number is None:
        raise record.error("a pull request needs a number", "number")
    author = record.text("user.login")
    merged = record.parsed(parse_iso_datetime, "merged_at") or record.parsed(
        parse_iso_datetime, "pull_request.merged_at"
    )
    labels, title = _labels(record), record.text("title") or ""
    feature = links.feature_id(title, labels, (record.text("milestone.title"),))
    for closes in CLOSING.findall(record.text("body") or ""):
        feature = feature or issue_features.get(f"{repo}#{closes}")
    return {
        "key": f"{repo}#{number}",
        "repo": repo,
        "number": int(number),
        "title": title,
        "author": author,
        "created_at": record.required(parse_iso_datetime, "created_at"),
        "first_commit_at": _first_commit(export, number),
        "first_review_at": _first_review(export, number, author),
        "merged_at": merged,
        "closed_at": record.parsed(parse_iso_datetime, "closed_at"),
        "merge_sha": record.text("merge_commit_sha") if merged else None,
        "draft": bool(record.data.get("draft")),
        "base_ref": record.text("base.ref"),
        "labels": labels,
        "feature_id": feature,
        "url": record.text("html_url"),
    }


def _upsert(
    session: Session,
    model: type[Base],
    source_id: int,
    rows: list[dict[str, Any]],
    *,
    key: str = "key",
) -> RecordCounts:
    """Upsert rows compared on every column they carry (derived links are set elsewhere)."""
    return (
        Upsert(model, key=key, compare=tuple(rows[0]) if rows else ())
        .run(session, source_id, rows)
        .counts
    )


def _pull_records(export: GitHubExport, issues: list[JsonRecord]) -> list[JsonRecord]:
    """pulls.json when present, else the pull requests listed among the issues."""
    if "pulls" not in export.lists:
        return [record for record in issues if "pull_request" in record.data]
    path = export.file("pulls.json")
    return [
        JsonRecord(data, path, f"pull request {number}")
        for number, data in enumerate(export.lists["pulls"], start=1)
    ]


@dataclass
class ParsedExport:
    """Everything read from one export, validated, ready to store."""

    items: list[ParsedWorkItem]
    incidents: list[dict[str, Any]]
    pulls: list[dict[str, Any]]
    deployments: list[dict[str, Any]]


def parse_export(
    export: GitHubExport, repo: str, context: SourceContext, links: LedgerLinks
) -> ParsedExport:
    """Read issues, incidents, pull requests and deployments; raises on the first bad field."""
    path = export.file("issues.json")
    issues = [
        JsonRecord(data, path, f"issue {number}")
        for number, data in enumerate(export.lists.get("issues", []), start=1)
    ]
    workflow, config = context.workflow, context.config
    items = [_issue(r, repo, workflow, config) for r in issues if "pull_request" not in r.data]
    features = {
        item.key: links.feature_id(item.title, item.labels, (item.epic_key,)) for item in items
    }
    return ParsedExport(
        items=items,
        incidents=[_incident(item, repo) for item in items if workflow.is_incident(item.labels)],
        pulls=[_pull(r, export, repo, links, features) for r in _pull_records(export, issues)],
        deployments=deployment_rows(export, repo, config),
    )


def import_github_export(
    session: Session, directory: Path, *, repo: str | None, source_name: str | None
) -> ImportSummary:
    """Parse and validate every file of the export, then upsert issues, incidents, pull
    requests and deployments, and work out what each deployment shipped."""
    export = load_export(directory)
    name = repo_name(export, repo)
    context = SourceContext.open(session, SourceKind.GITHUB, source_name or name)
    links = context.links(session)
    parsed = parse_export(export, name, context, links)
    source = context.ensure(session)
    summary = context.summary()
    summary.records["work_items"] = save_work_items(
        session, source.id, parsed.items, workflow=context.workflow, links=links
    )
    summary.records["pull_requests"] = _upsert(session, PullRequest, source.id, parsed.pulls)
    summary.records["deployments"] = _upsert(
        session, Deployment, source.id, parsed.deployments, key="external_id"
    )
    summary.records["incidents"] = _upsert(session, Incident, source.id, parsed.incidents)
    refresh_shipping(session, name)
    return summary
