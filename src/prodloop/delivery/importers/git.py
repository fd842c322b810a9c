"""A local git repository's history: every commit reachable from any ref (``git log --all``),
merges (more than one parent), and tags. Tags also stand in for releases: each tag (matching
``tag_pattern`` when set) is stored as a production deployment of origin ``tag``, which
readers use only when the repository has no better deployments.

Fields are separated by NUL (``%x00``) and commits by NUL too (``-z``): a commit message cannot
contain NUL, so every seven NUL-separated fields are one commit whatever the subject holds
(record separators, pipes, quotes). Only the first line of each message is kept. Author and
committer dates are read with their offsets and stored UTC.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from prodloop.delivery.importers.dates import parse_iso_datetime
from prodloop.delivery.importers.errors import ImportFormatError
from prodloop.delivery.importers.shipping import refresh_shipping
from prodloop.delivery.importers.sources import SourceContext
from prodloop.delivery.importers.upsert import Upsert
from prodloop.delivery.models import Commit, Deployment, Tag
from prodloop.delivery.schemas import ImportSummary, SourceKind

LOG_FORMAT = "%H%x00%P%x00%an%x00%ae%x00%aI%x00%cI%x00%s"
FIELDS = 7
TAG_FORMAT = "%(refname:strip=2)%00%(objectname)%00%(*objectname)%00%(creatordate:iso-strict)"
_REMOTE = re.compile(r"[:/]([^/:]+/[^/]+?)(?:\.git)?/?$")


@dataclass(frozen=True)
class GitCommit:
    """One commit as ``git log`` printed it."""

    sha: str
    parents: tuple[str, ...]
    author: str
    authored_at: datetime
    committed_at: datetime
    message: str


def run_git(path: Path, *args: str) -> str:
    """The output of ``git -C path args``; failures raise ImportFormatError."""
    command = ["git", "-C", str(path), "-c", "log.showSignature=false", *args]
    try:
        done = subprocess.run(command, capture_output=True, check=False)
    except OSError as exc:
        raise ImportFormatError(f"cannot run git: {exc.strerror}", file=path) from None
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip() or "git failed"
        raise ImportFormatError(reason.splitlines()[0], file=path)
    return done.stdout.decode("utf-8", "replace")


def parse_log(text: str, path: Path) -> list[GitCommit]:
    """Commits from ``git log -z --format=LOG_FORMAT`` output."""
    fields = text.removesuffix("\x00").split("\x00") if text.strip("\x00\n") else []
    if len(fields) % FIELDS:
        raise ImportFormatError(
            "unexpected git log output", file=path, record=f"commit {len(fields) // FIELDS + 1}"
        )
    commits = []
    for start in range(0, len(fields), FIELDS):
        sha, parents, name, email, authored, committed, subject = fields[start : start + FIELDS]
        sha = sha.strip()
        try:
            commits.append(
                GitCommit(
                    sha=sha,
                    parents=tuple(parents.split()),
                    author=f"{name} <{email}>" if email else name,
                    authored_at=parse_iso_datetime(authored),
                    committed_at=parse_iso_datetime(committed),
                    message=subject,
                )
            )
        except ValueError as exc:
            raise ImportFormatError(str(exc), file=path, record=f"commit {sha}") from None
    return commits


def read_commits(path: Path) -> list[GitCommit]:
    """Every commit reachable from any ref of the repository at ``path``."""
    return parse_log(
        run_git(path, "log", "--all", "-z", "--no-color", f"--format={LOG_FORMAT}"), path
    )


def read_tags(path: Path) -> list[tuple[str, str, datetime]]:
    """(name, commit SHA, date) of every tag; annotated tags are peeled to their commit."""
    output = run_git(path, "for-each-ref", "refs/tags", f"--format={TAG_FORMAT}")
    tags = []
    for line in output.splitlines():
        if not line:
            continue
        name, target, peeled, when = line.split("\x00")
        tags.append((name, peeled or target, parse_iso_datetime(when)))
    return tags


def repo_name(path: Path, given: str | None) -> str:
    """``owner/name`` from the ``origin`` remote when it has one, else the folder's name."""
    if given:
        return given
    try:
        url = run_git(path, "remote", "get-url", "origin").strip()
    except ImportFormatError:
        url = ""
    match = _REMOTE.search(url)
    return match.group(1) if match else path.resolve().name


def _tag_deployments(
    tags: Sequence[tuple[str, str, datetime]], repo: str, pattern: str | None
) -> list[dict[str, Any]]:
    chosen = re.compile(pattern) if pattern else None
    return [
        {
            "external_id": f"tag:{name}",
            "origin": "tag",
            "repo": repo,
            "sha": sha,
            "environment": "production",
            "production": True,
            "started_at": at,
            "finished_at": at,
            "succeeded": True,
        }
        for name, sha, at in tags
        if chosen is None or chosen.search(name)
    ]


def import_git_history(
    session: Session, path: Path, *, repo: str | None, source_name: str | None
) -> ImportSummary:
    """Read the repository's commits and tags, then upsert them (commits never change, so
    only new ones are written) and recompute what each deployment shipped."""
    if not path.is_dir():
        raise ImportFormatError("not a directory", file=path)
    name = repo_name(path, repo)
    commits, tags = read_commits(path), read_tags(path)
    context = SourceContext.open(session, SourceKind.GIT, source_name or name)
    source = context.ensure(session)
    summary = context.summary()
    commit_rows = [
        {"sha": c.sha, "repo": name, "author": c.author, "authored_at": c.authored_at,
         "committed_at": c.committed_at, "parents": list(c.parents),
         "is_merge": len(c.parents) > 1, "message": c.message}
        for c in commits
    ]  # fmt: skip
    tag_rows = [{"name": n, "repo": name, "sha": sha, "at": at} for n, sha, at in tags]
    deployments = _tag_deployments(tags, name, context.config.tag_pattern)
    summary.records["commits"] = (
        Upsert(Commit, key="sha", compare=("sha",)).run(session, source.id, commit_rows).counts
    )
    summary.records["tags"] = (
        Upsert(Tag, key="name", compare=("sha", "at")).run(session, source.id, tag_rows).counts
    )
    compare = tuple(deployments[0]) if deployments else ()
    summary.records["deployments"] = (
        Upsert(Deployment, key="external_id", compare=compare)
        .run(session, source.id, deployments)
        .counts
    )
    refresh_shipping(session, name)
    return summary
