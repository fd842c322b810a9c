"""Deployments from a GitHub export: real deployments (with their statuses), deploy CI runs
on the default branch, and releases. All three are stored with their ``origin``; readers
use the best one a repository has (deployments, then CI runs, then releases, then tags)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from prodloop.delivery.importers.dates import parse_iso_datetime
from prodloop.delivery.importers.github_files import GitHubExport
from prodloop.delivery.importers.jsondata import JsonRecord
from prodloop.delivery.schemas import SourceConfig

TERMINAL = ("success", "failure", "error")
SHA = re.compile(r"[0-9a-f]{40}")


def deployment_rows(export: GitHubExport, repo: str, config: SourceConfig) -> list[dict[str, Any]]:
    """Rows for the ``deployment`` table from every origin the export holds."""
    return [
        *_deployments(export, repo, config),
        *_runs(export, repo, config),
        *_releases(export, repo),
    ]


def _deployments(export: GitHubExport, repo: str, config: SourceConfig) -> list[dict[str, Any]]:
    path = export.file("deployments.json")
    production = {name.lower() for name in config.production_environments}
    rows = []
    for number, data in enumerate(export.lists.get("deployments", []), start=1):
        record = JsonRecord(data, path, f"deployment {number}")
        ident = record.text("id")
        if ident is None:
            raise record.error("a deployment needs an id", "id")
        started = record.required(parse_iso_datetime, "created_at")
        statuses = export.statuses.get(ident) or record.items("statuses")
        succeeded, finished = _outcome(statuses, record, started)
        environment = record.text("environment") or "production"
        flag = data.get("production_environment")
        rows.append(
            {
                "external_id": f"deployment:{ident}",
                "origin": "deployment",
                "repo": repo,
                "sha": record.text("sha"),
                "environment": environment,
                "production": flag if isinstance(flag, bool) else environment.lower() in production,
                "started_at": started,
                "finished_at": finished,
                "succeeded": succeeded,
            }
        )
    return rows


def _outcome(
    statuses: list[Mapping[str, Any]], record: JsonRecord, started: Any
) -> tuple[bool, Any]:
    """Succeeded if any status was a success (later ones turn ``inactive`` when superseded);
    finished at the first success, else the first failure or error, else the last status."""
    timed = []
    for number, status in enumerate(statuses):
        at = record.convert(parse_iso_datetime, status.get("created_at"), f"statuses[{number}]")
        timed.append((at or started, str(status.get("state", "")).lower()))
    timed.sort(key=lambda pair: pair[0])
    for wanted in (("success",), ("failure", "error")):
        hits = [at for at, state in timed if state in wanted]
        if hits:
            return wanted == ("success",), hits[0]
    return False, timed[-1][0] if timed else started


def _runs(export: GitHubExport, repo: str, config: SourceConfig) -> list[dict[str, Any]]:
    path = export.file("actions_runs.json")
    pattern = re.compile(config.deploy_pattern, re.I)
    branch = default_branch(export, config)
    rows = []
    for number, data in enumerate(export.lists.get("actions_runs", []), start=1):
        record = JsonRecord(data, path, f"run {number}")
        name = record.text("name") or record.text("path") or ""
        if not pattern.search(name) or record.text("head_branch") != branch:
            continue
        if record.text("status") not in (None, "completed"):
            continue
        started = record.parsed(parse_iso_datetime, "run_started_at")
        started = started or record.required(parse_iso_datetime, "created_at")
        rows.append(
            {
                "external_id": f"run:{record.text('id')}",
                "origin": "actions_run",
                "repo": repo,
                "sha": record.text("head_sha"),
                "environment": "production",
                "production": True,
                "started_at": started,
                "finished_at": record.parsed(parse_iso_datetime, "updated_at") or started,
                "succeeded": record.text("conclusion") == "success",
            }
        )
    return rows


def _releases(export: GitHubExport, repo: str) -> list[dict[str, Any]]:
    path = export.file("releases.json")
    rows = []
    for number, data in enumerate(export.lists.get("releases", []), start=1):
        record = JsonRecord(data, path, f"release {number}")
        if data.get("draft"):
            continue
        tag = record.text("tag_name")
        if tag is None:
            raise record.error("a release needs a tag", "tag_name")
        published = record.parsed(parse_iso_datetime, "published_at")
        published = published or record.required(parse_iso_datetime, "created_at")
        target = record.text("target_commitish") or ""
        rows.append(
            {
                "external_id": f"release:{tag}",
                "origin": "release",
                "repo": repo,
                "sha": target if SHA.fullmatch(target) else None,
                "environment": "production",
                "production": not data.get("prerelease", False),
                "started_at": published,
                "finished_at": published,
                "succeeded": True,
            }
        )
    return rows


def default_branch(export: GitHubExport, config: SourceConfig) -> str:
    """The branch deploys run from: configured, else the repository's, else the one most
    merged pull requests target, else ``main``."""
    if config.default_branch:
        return config.default_branch
    if isinstance(export.repo_info.get("default_branch"), str):
        return str(export.repo_info["default_branch"])
    bases: dict[str, int] = {}
    for pull in export.lists.get("pulls", []):
        base = pull.get("base")
        if isinstance(base, Mapping) and pull.get("merged_at") and base.get("ref"):
            bases[str(base["ref"])] = bases.get(str(base["ref"]), 0) + 1
    return max(bases, key=lambda ref: bases[ref]) if bases else "main"
