"""Tables of the delivery domain: imported work items, pull requests, deployments, incidents
and git history, each tied to the source it came from and (when it matches) a ledger feature.

Every imported row is identified by its source and the key the tool gives it, so importing the
same export again updates rows in place instead of adding new ones.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from prodloop.store.base import Base, utcnow


class DeliverySource(Base):
    """Where delivery records come from: one Jira site or project, Linear workspace, GitHub
    repository or git clone. ``config`` holds its workflow mapping (see ``SourceConfig``)."""

    __tablename__ = "delivery_source"
    __table_args__ = (UniqueConstraint("kind", "name", name="uq_delivery_source_kind_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    last_imported_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WorkItem(Base):
    """An issue, ticket or card as its tool last described it, mapped onto the flow."""

    __tablename__ = "work_item"
    __table_args__ = (
        UniqueConstraint("source_id", "key", name="uq_work_item_source_id_key"),
        Index("ix_work_item_team_done_at", "team", "done_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("delivery_source.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(300))
    title: Mapped[str] = mapped_column(Text)
    item_type: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(100))
    status_category: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column()
    started_at: Mapped[datetime | None] = mapped_column()
    done_at: Mapped[datetime | None] = mapped_column()
    cancelled: Mapped[bool] = mapped_column(default=False)
    due_date: Mapped[date | None] = mapped_column(Date)
    assignee: Mapped[str | None] = mapped_column(String(320))
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True
    )
    team: Mapped[str | None] = mapped_column(String(200))
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("team.id", ondelete="SET NULL"), index=True
    )
    labels: Mapped[list[str]] = mapped_column(JSON, default=list)
    points: Mapped[float | None] = mapped_column(Float)
    parent_key: Mapped[str | None] = mapped_column(String(300))
    epic_key: Mapped[str | None] = mapped_column(String(200))
    sprint: Mapped[str | None] = mapped_column(String(200))
    added_to_sprint_at: Mapped[datetime | None] = mapped_column()
    sprint_started_at: Mapped[datetime | None] = mapped_column()
    feature_id: Mapped[int | None] = mapped_column(
        ForeignKey("feature.id", ondelete="SET NULL"), index=True
    )
    unplanned: Mapped[bool] = mapped_column(default=False)
    url: Mapped[str | None] = mapped_column(String(500))
    source_updated_at: Mapped[datetime | None] = mapped_column()
    fingerprint: Mapped[str] = mapped_column(String(40))
    raw: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    transitions: Mapped[list[StatusTransition]] = relationship(
        order_by="StatusTransition.at, StatusTransition.id", passive_deletes=True
    )


class StatusTransition(Base):
    """A work item entering a status, from the tool's history."""

    __tablename__ = "status_transition"

    id: Mapped[int] = mapped_column(primary_key=True)
    work_item_id: Mapped[int] = mapped_column(
        ForeignKey("work_item.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column()
    from_status: Mapped[str | None] = mapped_column(String(100))
    to_status: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(16))


class DueDateChangeRow(Base):
    """A work item's due date set, moved or cleared."""

    __tablename__ = "due_date_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    work_item_id: Mapped[int] = mapped_column(
        ForeignKey("work_item.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column()
    from_date: Mapped[date | None] = mapped_column(Date)
    to_date: Mapped[date | None] = mapped_column(Date)


class TeamChange(Base):
    """A work item handed to ``team`` at ``at`` (the first row is the team it started with)."""

    __tablename__ = "team_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    work_item_id: Mapped[int] = mapped_column(
        ForeignKey("work_item.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column()
    team: Mapped[str | None] = mapped_column(String(200))


class PullRequest(Base):
    """A pull request and the moments its cycle time is split on."""

    __tablename__ = "pull_request"
    __table_args__ = (UniqueConstraint("source_id", "key", name="uq_pull_request_source_id_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("delivery_source.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(300))
    repo: Mapped[str] = mapped_column(String(200), index=True)
    number: Mapped[int] = mapped_column()
    title: Mapped[str] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column()
    first_commit_at: Mapped[datetime | None] = mapped_column()
    first_review_at: Mapped[datetime | None] = mapped_column()
    merged_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()
    merge_sha: Mapped[str | None] = mapped_column(String(64))
    draft: Mapped[bool] = mapped_column(default=False)
    base_ref: Mapped[str | None] = mapped_column(String(200))
    labels: Mapped[list[str]] = mapped_column(JSON, default=list)
    feature_id: Mapped[int | None] = mapped_column(
        ForeignKey("feature.id", ondelete="SET NULL"), index=True
    )
    url: Mapped[str | None] = mapped_column(String(500))


class Deployment(Base):
    """A deployment (or what stands in for one: a deploy CI run, a release, a tag).

    ``origin`` says which; ``commits`` are the SHAs it shipped for the first time.
    """

    __tablename__ = "deployment"
    __table_args__ = (
        UniqueConstraint("source_id", "external_id", name="uq_deployment_source_id_external_id"),
        Index("ix_deployment_repo_started_at", "repo", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("delivery_source.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(300))
    origin: Mapped[str] = mapped_column(String(16))
    repo: Mapped[str] = mapped_column(String(200))
    sha: Mapped[str | None] = mapped_column(String(64))
    environment: Mapped[str] = mapped_column(String(100))
    production: Mapped[bool] = mapped_column()
    started_at: Mapped[datetime] = mapped_column()
    finished_at: Mapped[datetime] = mapped_column()
    succeeded: Mapped[bool] = mapped_column()
    commits: Mapped[list[str]] = mapped_column(JSON, default=list)


class Incident(Base):
    """A production incident, from an issue labelled as one."""

    __tablename__ = "incident"
    __table_args__ = (UniqueConstraint("source_id", "key", name="uq_incident_source_id_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("delivery_source.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(300))
    repo: Mapped[str | None] = mapped_column(String(200), index=True)
    title: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column()
    resolved_at: Mapped[datetime | None] = mapped_column()
    deployment_id: Mapped[int | None] = mapped_column(
        ForeignKey("deployment.id", ondelete="SET NULL"), index=True
    )


class Commit(Base):
    """A commit of a repository's history, as ``git log`` reports it."""

    __tablename__ = "git_commit"
    __table_args__ = (UniqueConstraint("source_id", "sha", name="uq_git_commit_source_id_sha"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("delivery_source.id", ondelete="CASCADE"))
    repo: Mapped[str] = mapped_column(String(200), index=True)
    sha: Mapped[str] = mapped_column(String(64))
    author: Mapped[str | None] = mapped_column(String(320))
    authored_at: Mapped[datetime] = mapped_column()
    committed_at: Mapped[datetime] = mapped_column()
    parents: Mapped[list[str]] = mapped_column(JSON, default=list)
    is_merge: Mapped[bool] = mapped_column()
    message: Mapped[str] = mapped_column(Text)


class Tag(Base):
    """A git tag pointing at a commit."""

    __tablename__ = "git_tag"
    __table_args__ = (UniqueConstraint("source_id", "name", name="uq_git_tag_source_id_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("delivery_source.id", ondelete="CASCADE"))
    repo: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300))
    sha: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column()
