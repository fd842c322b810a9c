"""Pydantic shapes of the delivery domain: a source's editable configuration (its workflow
mapping) and the summary an import hands back."""

from __future__ import annotations

import re
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from prodloop.delivery.facts import StatusCategory


class SourceKind(StrEnum):
    """The tools delivery records are imported from."""

    JIRA = "jira"
    JIRA_REST = "jira_rest"
    LINEAR = "linear"
    GITHUB = "github"
    GIT = "git"


class WorkflowConfig(BaseModel):
    """How a source's statuses, types and labels map onto the flow.

    Every mapping is merged over the defaults of the source's kind (see
    ``prodloop.delivery.workflow``): name a status, type or label to add or override it; map a
    type or label to ``false`` to drop a default. Names are compared case-insensitively.
    """

    model_config = ConfigDict(extra="forbid")

    statuses: dict[str, StatusCategory] = Field(
        default_factory=dict, description="Status name → todo, in_progress, done or cancelled."
    )
    unplanned_types: dict[str, bool] = Field(
        default_factory=dict, description="Item types that are (true) or are not unplanned work."
    )
    unplanned_labels: dict[str, bool] = Field(
        default_factory=dict, description="Labels that mark (true) or do not mark unplanned work."
    )
    cancelled_resolutions: dict[str, bool] = Field(
        default_factory=dict,
        description="Jira resolutions meaning the item was dropped (e.g. Won't Do) even when "
        "its status is a done one.",
    )
    incident_labels: dict[str, bool] = Field(
        default_factory=dict, description="Issue labels that make an issue a production incident."
    )


class SourceConfig(BaseModel):
    """Everything editable about one delivery source, kept in ``DeliverySource.config``."""

    model_config = ConfigDict(extra="forbid")

    workflow: WorkflowConfig = Field(default_factory=WorkflowConfig)
    epic_features: dict[str, str] = Field(
        default_factory=dict,
        description="Epic (Jira epic key, Linear project, GitHub milestone) → ledger feature key.",
    )
    project_teams: dict[str, str] = Field(
        default_factory=dict, description="Jira project key → team, for items with no team field."
    )
    default_team: str | None = Field(default=None, description="Team of items that name none.")
    base_url: str | None = Field(
        default=None, description="Jira site URL (https://acme.atlassian.net) for item links."
    )
    story_points_fields: list[str] = Field(
        default_factory=lambda: ["customfield_10016", "customfield_10026", "customfield_10002"],
        description="Jira REST custom fields holding story points, first non-empty wins.",
    )
    sprint_field: str = Field(default="customfield_10020", description="Jira REST sprint field.")
    team_field: str | None = Field(
        default=None, description="Jira REST field (or CSV column) holding the team."
    )
    deploy_pattern: str = Field(
        default="deploy", description="Regular expression (case-insensitive) naming deploy CI runs."
    )
    default_branch: str | None = Field(
        default=None, description="Branch deploy CI runs must be on (default: the repository's)."
    )
    production_environments: list[str] = Field(
        default_factory=lambda: ["production", "prod", "live"],
        description="GitHub deployment environments that count as production.",
    )
    tag_pattern: str | None = Field(
        default=None, description="Only tags matching this expression stand in for releases."
    )

    @field_validator("deploy_pattern", "tag_pattern")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a regular expression: {exc}") from None
        return value


class RecordCounts(BaseModel):
    """What an import did to one kind of record."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other: RecordCounts) -> None:
        """Fold ``other`` into these counts."""
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged


class ImportSummary(BaseModel):
    """The outcome of one import: counts per record kind (work_items, pull_requests, …)."""

    source_id: int
    source: str
    kind: SourceKind
    records: dict[str, RecordCounts] = Field(default_factory=dict)

    def counts(self, kind: str) -> RecordCounts:
        """The counts for ``kind``, created empty when absent."""
        return self.records.setdefault(kind, RecordCounts())

    @property
    def created(self) -> int:
        """Records added, all kinds together."""
        return sum(c.created for c in self.records.values())

    @property
    def updated(self) -> int:
        """Records changed, all kinds together."""
        return sum(c.updated for c in self.records.values())

    @property
    def unchanged(self) -> int:
        """Records seen again unchanged, all kinds together."""
        return sum(c.unchanged for c in self.records.values())
