"""Workflow mapping: what a source's statuses, types and labels mean for the flow, and which
ledger feature a work item belongs to.

Defaults follow what the tools ship with; a source's ``WorkflowConfig`` is merged over them.
A status is resolved in this order: the source's override, the default for the tool, the
tool's own category hint (Jira's "Status Category", Linear's Started / Completed / Canceled
timestamps, GitHub's ``state_reason``), and finally "todo".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from prodloop.delivery.facts import StatusCategory
from prodloop.delivery.schemas import SourceConfig, SourceKind, WorkflowConfig

TODO, IN_PROGRESS, DONE, CANCELLED = (
    StatusCategory.TODO,
    StatusCategory.IN_PROGRESS,
    StatusCategory.DONE,
    StatusCategory.CANCELLED,
)

_JIRA_STATUSES: dict[str, StatusCategory] = {
    **dict.fromkeys(["to do", "backlog", "open", "selected for development", "new"], TODO),
    **dict.fromkeys(["reopened", "ready", "ready for development"], TODO),
    **dict.fromkeys(["in progress", "in review", "code review", "qa", "testing"], IN_PROGRESS),
    **dict.fromkeys(["blocked", "in development", "in qa", "review"], IN_PROGRESS),
    **dict.fromkeys(["done", "closed", "resolved", "released", "complete"], DONE),
    **dict.fromkeys(["won't do", "wont do", "cancelled", "canceled", "duplicate"], CANCELLED),
    **dict.fromkeys(["won't fix", "rejected", "declined", "obsolete"], CANCELLED),
}
_LINEAR_STATUSES: dict[str, StatusCategory] = {
    **dict.fromkeys(["backlog", "todo", "triage", "unstarted"], TODO),
    **dict.fromkeys(["in progress", "in review", "started", "blocked"], IN_PROGRESS),
    **dict.fromkeys(["done", "completed"], DONE),
    **dict.fromkeys(["canceled", "cancelled", "duplicate"], CANCELLED),
}
_GITHUB_STATUSES: dict[str, StatusCategory] = {
    "open": TODO,
    "closed": DONE,
    "closed (completed)": DONE,
    "closed (not_planned)": CANCELLED,
    "closed (duplicate)": CANCELLED,
}
DEFAULT_STATUSES: dict[SourceKind, dict[str, StatusCategory]] = {
    SourceKind.JIRA: _JIRA_STATUSES,
    SourceKind.JIRA_REST: _JIRA_STATUSES,
    SourceKind.LINEAR: _LINEAR_STATUSES,
    SourceKind.GITHUB: _GITHUB_STATUSES,
    SourceKind.GIT: {},
}
UNPLANNED_WORDS = [
    "bug",
    "defect",
    "incident",
    "support",
    "hotfix",
    "outage",
    "escalation",
    "production bug",
    "customer issue",
]
DEFAULT_UNPLANNED_TYPES = dict.fromkeys(UNPLANNED_WORDS, True)
DEFAULT_UNPLANNED_LABELS = dict.fromkeys([*UNPLANNED_WORDS, "urgent", "firefight"], True)
DEFAULT_CANCELLED_RESOLUTIONS = dict.fromkeys(
    ["won't do", "won't fix", "duplicate", "cannot reproduce", "declined", "obsolete"], True
)
DEFAULT_INCIDENT_LABELS = dict.fromkeys(
    ["incident", "outage", "sev0", "sev1", "sev2", "sev-0", "sev-1", "sev-2", "postmortem"], True
)

# Jira's status-category names (CSV) and keys (REST).
_CATEGORY_HINTS: dict[str, StatusCategory] = {
    "to do": TODO,
    "new": TODO,
    "undefined": TODO,
    "in progress": IN_PROGRESS,
    "indeterminate": IN_PROGRESS,
    "done": DONE,
}
_LABEL_PREFIXES = ("type:", "type/", "kind:", "kind/", "type: ", "kind: ")


def _merged(defaults: Mapping[str, bool], overrides: Mapping[str, bool]) -> frozenset[str]:
    merged = {k.lower(): v for k, v in defaults.items()}
    merged.update({k.strip().lower(): v for k, v in overrides.items()})
    return frozenset(name for name, on in merged.items() if on)


def category_hint(value: str | None) -> StatusCategory | None:
    """A tool's own category name (Jira "In Progress", REST ``indeterminate``) as ours."""
    if not value:
        return None
    text = value.strip().lower()
    return _CATEGORY_HINTS.get(text) or (StatusCategory(text) if text in _OURS else None)


_OURS = {c.value for c in StatusCategory}


def normalise_label(label: str) -> str:
    """A label lower-cased and stripped of a ``type:`` / ``kind/`` prefix."""
    text = label.strip().lower()
    for prefix in _LABEL_PREFIXES:
        if text.startswith(prefix):
            return text[len(prefix) :].strip()
    return text


@dataclass(frozen=True)
class Workflow:
    """One source's compiled mapping: statuses → categories, and what counts as unplanned."""

    statuses: Mapping[str, StatusCategory]
    unplanned_types: frozenset[str]
    unplanned_labels: frozenset[str]
    cancelled_resolutions: frozenset[str]
    incident_labels: frozenset[str]

    @classmethod
    def for_source(cls, kind: SourceKind, config: WorkflowConfig | None = None) -> Workflow:
        """The defaults for ``kind`` with ``config`` merged over them."""
        config = config or WorkflowConfig()
        statuses = dict(DEFAULT_STATUSES[kind])
        statuses.update({k.strip().lower(): v for k, v in config.statuses.items()})
        return cls(
            statuses=statuses,
            unplanned_types=_merged(DEFAULT_UNPLANNED_TYPES, config.unplanned_types),
            unplanned_labels=_merged(DEFAULT_UNPLANNED_LABELS, config.unplanned_labels),
            cancelled_resolutions=_merged(
                DEFAULT_CANCELLED_RESOLUTIONS, config.cancelled_resolutions
            ),
            incident_labels=_merged(DEFAULT_INCIDENT_LABELS, config.incident_labels),
        )

    def category(self, status: str, hint: StatusCategory | None = None) -> StatusCategory:
        """Where ``status`` sits: the mapping, else the tool's hint, else todo."""
        known = self.statuses.get(status.strip().lower())
        return known or hint or TODO

    def is_unplanned(self, item_type: str, labels: Iterable[str]) -> bool:
        """True when the item's type or one of its labels marks unplanned work."""
        if item_type.strip().lower() in self.unplanned_types:
            return True
        return any(normalise_label(label) in self.unplanned_labels for label in labels)

    def is_cancelled_resolution(self, resolution: str | None) -> bool:
        """True when a Jira resolution says the item was dropped rather than done."""
        if not resolution:
            return False
        return resolution.strip().lower() in self.cancelled_resolutions

    def is_incident(self, labels: Iterable[str]) -> bool:
        """True when a label makes the issue a production incident."""
        return any(normalise_label(label) in self.incident_labels for label in labels)


class FeatureMatcher:
    """Finds the ledger feature a record belongs to.

    In order: a ``[key]`` tag in the title, a ``feature:key`` label or a label that is exactly
    a key, the epic mapping of the source config, and finally the key as a whole word of the
    title (case-insensitive; hyphens count as part of a word, so ``sso`` does not match
    ``sso-admin``).
    """

    def __init__(self, feature_keys: Iterable[str], epic_features: Mapping[str, str]) -> None:
        self.keys = frozenset(key.lower() for key in feature_keys)
        self.epic_features = {
            epic.strip().lower(): feature.lower()
            for epic, feature in epic_features.items()
            if feature.lower() in self.keys
        }
        ordered = sorted(self.keys, key=len, reverse=True)
        alternation = "|".join(re.escape(key) for key in ordered) or "(?!)"
        self._bracket = re.compile(rf"\[({alternation})\]", re.I)
        self._word = re.compile(rf"(?<![\w-])({alternation})(?![\w-])", re.I)

    def match(
        self, title: str, labels: Iterable[str] = (), epics: Iterable[str | None] = ()
    ) -> str | None:
        """The key of the feature the record belongs to, or None."""
        if not self.keys:
            return None
        found = self._bracket.search(title)
        if found:
            return found.group(1).lower()
        for label in labels:
            text = label.strip().lower()
            text = text.removeprefix("feature:").removeprefix("feature/").strip()
            if text in self.keys:
                return text
        for epic in epics:
            if epic and epic.strip().lower() in self.epic_features:
                return self.epic_features[epic.strip().lower()]
        found = self._word.search(title)
        return found.group(1).lower() if found else None


def source_config(raw: Mapping[str, object] | None) -> SourceConfig:
    """A source's stored configuration, validated (defaults when empty)."""
    return SourceConfig.model_validate(dict(raw or {}))
