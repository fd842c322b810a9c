"""The directory layout the GitHub importer reads: each file is what the REST API returns.

::

    repo.json                       GET /repos/{owner}/{repo}              (optional)
    issues.json                     GET /repos/{owner}/{repo}/issues?state=all
    pulls.json                      GET /repos/{owner}/{repo}/pulls?state=all
    reviews/{number}.json           GET /repos/{owner}/{repo}/pulls/{number}/reviews
    commits/{number}.json           GET /repos/{owner}/{repo}/pulls/{number}/commits
    deployments.json                GET /repos/{owner}/{repo}/deployments
    deployment_statuses/{id}.json   GET /repos/{owner}/{repo}/deployments/{id}/statuses
    releases.json                   GET /repos/{owner}/{repo}/releases
    actions_runs.json               GET /repos/{owner}/{repo}/actions/runs

Every file is optional. Alternatives accepted: ``reviews.json`` / ``pull_commits.json`` /
``deployment_statuses.json`` as one object keyed by pull-request number or deployment id,
statuses embedded in each deployment under ``statuses``, and any list file saved as several
pages (a list of lists) or wrapped the way the API wraps it (``workflow_runs``, ``items``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prodloop.delivery.importers.errors import ImportFormatError
from prodloop.delivery.importers.jsondata import load_json

LIST_FILES = ("issues", "pulls", "deployments", "releases", "actions_runs")
WRAPPERS = ("workflow_runs", "items", "deployments", "releases")


@dataclass
class GitHubExport:
    """The files of one repository's export, loaded."""

    directory: Path
    repo_info: Mapping[str, Any]
    lists: dict[str, list[Mapping[str, Any]]]
    reviews: dict[str, list[Mapping[str, Any]]] = field(default_factory=dict)
    commits: dict[str, list[Mapping[str, Any]]] = field(default_factory=dict)
    statuses: dict[str, list[Mapping[str, Any]]] = field(default_factory=dict)

    def file(self, name: str) -> Path:
        """Where ``name`` is (or would be) in the export."""
        return self.directory / name


def _records(data: Any, path: Path) -> list[Mapping[str, Any]]:
    if isinstance(data, Mapping):
        for wrapper in WRAPPERS:
            if isinstance(data.get(wrapper), list):
                return _records(data[wrapper], path)
        raise ImportFormatError("expected a list of records", file=path)
    if not isinstance(data, list):
        raise ImportFormatError("expected a list of records", file=path)
    records: list[Mapping[str, Any]] = []
    for number, element in enumerate(data, start=1):
        if isinstance(element, list):
            records.extend(_records(element, path))
        elif isinstance(element, Mapping):
            records.append(element)
        else:
            raise ImportFormatError("expected an object", file=path, record=f"record {number}")
    return records


def _keyed(directory: Path, folder: str, combined: str) -> dict[str, list[Mapping[str, Any]]]:
    """Per-number files in ``folder`` and/or one ``combined`` object keyed by number."""
    found: dict[str, list[Mapping[str, Any]]] = {}
    path = directory / combined
    if path.exists():
        data = load_json(path)
        if not isinstance(data, Mapping):
            raise ImportFormatError("expected an object keyed by number or id", file=path)
        found.update({str(key): _records(value, path) for key, value in data.items()})
    if (directory / folder).is_dir():
        for item in sorted((directory / folder).glob("*.json")):
            found[item.stem] = _records(load_json(item), item)
    return found


def load_export(directory: Path) -> GitHubExport:
    """Read every file of the export that is there; raises when none is."""
    if not directory.is_dir():
        raise ImportFormatError("not a directory", file=directory)
    lists = {
        name: _records(load_json(directory / f"{name}.json"), directory / f"{name}.json")
        for name in LIST_FILES
        if (directory / f"{name}.json").exists()
    }
    repo_path = directory / "repo.json"
    repo_info = load_json(repo_path) if repo_path.exists() else {}
    if not isinstance(repo_info, Mapping):
        raise ImportFormatError("expected the repository object", file=repo_path)
    if not lists:
        raise ImportFormatError(
            f"no GitHub export files found (expected {', '.join(f'{n}.json' for n in LIST_FILES)})",
            file=directory,
        )
    return GitHubExport(
        directory=directory,
        repo_info=repo_info,
        lists=lists,
        reviews=_keyed(directory, "reviews", "reviews.json"),
        commits=_keyed(directory, "commits", "pull_commits.json"),
        statuses=_keyed(directory, "deployment_statuses", "deployment_statuses.json"),
    )
