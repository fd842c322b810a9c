"""The git importer on real repositories: prodloop's own history, and a small one made here."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from prodloop.delivery import service
from prodloop.delivery.importers.git import parse_log
from prodloop.delivery.models import Commit, Tag

PRODLOOP = Path(__file__).parents[2]

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def git(path: Path, *args: str, when: str = "2025-06-01T10:00:00+02:00") -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Ada Lovelace",
        "GIT_AUTHOR_EMAIL": "ada@example.com",
        "GIT_COMMITTER_NAME": "Ada Lovelace",
        "GIT_COMMITTER_EMAIL": "ada@example.com",
        "GIT_AUTHOR_DATE": when,
        "GIT_COMMITTER_DATE": when,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    done = subprocess.run(
        ["git", "-C", str(path), *args], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def commit(path: Path, name: str, message: str, when: str) -> str:
    (path / name).write_text(message)
    git(path, "add", name, when=when)
    git(path, "commit", "-q", "-m", message, when=when)
    return git(path, "rev-parse", "HEAD")


@pytest.fixture
def small_repo(tmp_path: Path) -> Path:
    """main: c1 ← c2 ← merge(c2, c3) with c3 on a branch; tags v1 (annotated) and v2 (light)."""
    path = tmp_path / "shop"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    commit(path, "a.txt", "First commit", "2025-06-01T10:00:00+02:00")
    commit(
        path,
        "b.txt",
        "Second: with\x1e odd | chars\n\nand a body\nover lines",
        "2025-06-02T09:00:00-05:00",
    )
    git(path, "tag", "-a", "v1", "-m", "release 1", when="2025-06-02T12:00:00+00:00")
    git(path, "checkout", "-q", "-b", "feature")
    commit(path, "c.txt", "Feature work", "2025-06-03T10:00:00+00:00")
    git(path, "checkout", "-q", "main")
    git(
        path,
        "merge",
        "-q",
        "--no-ff",
        "feature",
        "-m",
        "Merge branch 'feature'",
        when="2025-06-04T10:00:00+00:00",
    )
    git(path, "tag", "v2", when="2025-06-04T11:00:00+00:00")
    return path


def test_git_history_of_prodloop_itself_matches_git(db: Session) -> None:
    summary = service.import_git_repo(db, PRODLOOP, repo="prodloop/prodloop")
    total = int(git(PRODLOOP, "rev-list", "--all", "--count"))
    merges = int(git(PRODLOOP, "rev-list", "--all", "--merges", "--count"))
    assert total > 0
    assert summary.records["commits"].created == total
    stored = db.execute(select(Commit)).scalars().all()
    assert len(stored) == total
    assert sum(c.is_merge for c in stored) == merges
    assert all(c.authored_at is not None and c.committed_at is not None for c in stored)
    assert all(c.authored_at.tzinfo is not None for c in stored)
    again = service.import_git_repo(db, PRODLOOP, repo="prodloop/prodloop")
    assert again.records["commits"].unchanged == total
    assert again.created == 0


def test_small_repository_merges_tags_and_times(db: Session, small_repo: Path) -> None:
    summary = service.import_git_repo(db, small_repo)
    assert summary.source == "shop"  # no remote: the folder's name
    commits = {c.message: c for c in db.execute(select(Commit)).scalars()}
    assert len(commits) == 4
    merge = commits["Merge branch 'feature'"]
    assert merge.is_merge
    assert len(merge.parents) == 2
    assert sum(c.is_merge for c in commits.values()) == 1
    second = next(c for m, c in commits.items() if m.startswith("Second"))
    assert "and a body" not in second.message  # the first line only
    assert second.authored_at == datetime(2025, 6, 2, 14, 0, tzinfo=UTC)  # -05:00 → UTC
    tags = {t.name: t for t in db.execute(select(Tag)).scalars()}
    assert tags["v1"].sha == second.sha  # the annotated tag is peeled to its commit
    assert tags["v1"].at == datetime(2025, 6, 2, 12, 0, tzinfo=UTC)
    assert tags["v2"].sha == merge.sha


def test_tags_stand_in_for_deployments_and_ship_new_commits(db: Session, small_repo: Path) -> None:
    service.import_git_repo(db, small_repo)
    deployments = service.load_deployments(db, repo="shop")
    assert [d.key for d in deployments] == ["shop/tag:v1", "shop/tag:v2"]
    shas = {c.message.split(":")[0]: c.sha for c in db.execute(select(Commit)).scalars()}
    assert deployments[0].commits == {shas["First commit"], shas["Second"]}
    assert deployments[1].commits == {shas["Feature work"], shas["Merge branch 'feature'"]}


def test_reimport_adds_only_new_commits(db: Session, small_repo: Path) -> None:
    service.import_git_repo(db, small_repo)
    commit(small_repo, "d.txt", "Later work", "2025-06-05T10:00:00+00:00")
    summary = service.import_git_repo(db, small_repo)
    assert summary.records["commits"].created == 1
    assert summary.records["commits"].unchanged == 4
    assert db.execute(select(func.count()).select_from(Commit)).scalar_one() == 5


def test_origin_remote_names_the_repository(db: Session, small_repo: Path) -> None:
    git(small_repo, "remote", "add", "origin", "git@github.com:acme/shop.git")
    assert service.import_git_repo(db, small_repo).source == "acme/shop"


def test_not_a_repository_is_an_import_error(db: Session, tmp_path: Path) -> None:
    with pytest.raises(service.ImportFormatError, match="not a git repository"):
        service.import_git_repo(db, tmp_path)


def test_parser_rejects_garbled_output() -> None:
    with pytest.raises(ValueError, match="commit 1"):
        parse_log("abc\x00only two", Path("repo"))
