"""Links imported records to the ledger: features (by key in title, labels or epic mapping),
people (by email, or by a name only one person has) and teams (by key or name) — at import,
and again (``relink_source``) when the ledger or a source's config changes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from prodloop.delivery.models import DeliverySource, PullRequest, WorkItem
from prodloop.delivery.schemas import SourceKind
from prodloop.delivery.workflow import FeatureMatcher, Workflow, source_config
from prodloop.ledger.models import Feature, Person, Team


@dataclass
class LedgerLinks:
    """The ledger's features, people and teams, loaded once per import."""

    matcher: FeatureMatcher
    feature_ids: dict[str, int]
    people_by_email: dict[str, int]
    people_by_name: dict[str, int]
    teams: dict[str, int]
    team_keys: dict[int, str]

    @classmethod
    def load(cls, session: Session, epic_features: Mapping[str, str]) -> LedgerLinks:
        """Read what linking needs from the ledger."""
        features = dict(session.execute(select(Feature.key, Feature.id)).all())
        people = session.execute(select(Person.email, Person.name, Person.id)).all()
        name_counts = Counter(name.strip().lower() for _, name, _ in people)
        teams: dict[str, int] = {}
        team_keys: dict[int, str] = {}
        for key, name, team_id in session.execute(select(Team.key, Team.name, Team.id)):
            teams.setdefault(name.strip().lower(), team_id)
            teams[key.lower()] = team_id
            team_keys[team_id] = key
        return cls(
            matcher=FeatureMatcher(features, epic_features),
            feature_ids={key.lower(): fid for key, fid in features.items()},
            people_by_email={email.lower(): pid for email, _, pid in people},
            people_by_name={
                name.strip().lower(): pid
                for _, name, pid in people
                if name_counts[name.strip().lower()] == 1
            },
            teams=teams,
            team_keys=team_keys,
        )

    def feature_id(
        self, title: str, labels: Iterable[str] = (), epics: Iterable[str | None] = ()
    ) -> int | None:
        """The id of the feature a record belongs to, or None."""
        key = self.matcher.match(title, labels, epics)
        return self.feature_ids.get(key) if key else None

    def person_id(self, name: str | None, email: str | None = None) -> int | None:
        """The ledger person an assignee or author is, when their email (or unique name) says."""
        for candidate in (email, name):
            if candidate and "@" in candidate:
                found = self.people_by_email.get(candidate.strip().lower())
                if found:
                    return found
        return self.people_by_name.get(name.strip().lower()) if name else None

    def team_id(self, team: str | None) -> int | None:
        """The ledger team a source's team name or key is."""
        return self.teams.get(team.strip().lower()) if team else None


def inherit_features(session: Session, source_id: int, rows: list[dict[str, Any]]) -> None:
    """Items with no feature of their own take their epic's (or parent's) feature."""
    known = {row["key"]: row["feature_id"] for row in rows}
    missing = {
        ref
        for row in rows
        if row["feature_id"] is None
        for ref in (row["epic_key"], row["parent_key"])
        if ref and ref not in known
    }
    if missing:
        query = select(WorkItem.key, WorkItem.feature_id).where(WorkItem.source_id == source_id)
        known.update({k: f for k, f in session.execute(query) if k in missing})
    for _ in range(3):  # sub-task → story → epic
        for row in rows:
            if row["feature_id"] is None:
                row["feature_id"] = known.get(row["epic_key"]) or known.get(row["parent_key"])
                known[row["key"]] = row["feature_id"]


def relink_source(session: Session, source: DeliverySource) -> int:
    """Re-run feature, people, team and unplanned matching for one source's work items and
    pull requests; returns how many rows changed."""
    config = source_config(source.config)
    links = LedgerLinks.load(session, config.epic_features)
    workflow = Workflow.for_source(SourceKind(source.kind), config.workflow)
    return _relink_items(session, source.id, links, workflow) + _relink_pulls(
        session, source.id, links
    )


_ITEM_LINK_COLUMNS = (
    WorkItem.id,
    WorkItem.key,
    WorkItem.title,
    WorkItem.item_type,
    WorkItem.labels,
    WorkItem.epic_key,
    WorkItem.parent_key,
    WorkItem.assignee,
    WorkItem.team,
    WorkItem.feature_id,
    WorkItem.assignee_id,
    WorkItem.team_id,
    WorkItem.unplanned,
)
_LINKED = ("feature_id", "assignee_id", "team_id", "unplanned")


def _relink_items(session: Session, source_id: int, links: LedgerLinks, workflow: Workflow) -> int:
    query = select(*_ITEM_LINK_COLUMNS).where(WorkItem.source_id == source_id)
    stored = [row._asdict() for row in session.execute(query)]
    fresh = [
        {
            "key": row["key"],
            "epic_key": row["epic_key"],
            "parent_key": row["parent_key"],
            "feature_id": links.feature_id(
                row["title"], row["labels"], (row["key"], row["epic_key"], row["parent_key"])
            ),
            "assignee_id": links.person_id(row["assignee"], row["assignee"]),
            "team_id": links.team_id(row["team"]),
            "unplanned": workflow.is_unplanned(row["item_type"], row["labels"]),
        }
        for row in stored
    ]
    inherit_features(session, source_id, fresh)
    updates = [
        {"id": old["id"], **{name: new[name] for name in _LINKED}}
        for old, new in zip(stored, fresh, strict=True)
        if any(old[name] != new[name] for name in _LINKED)
    ]
    if updates:
        session.execute(update(WorkItem), updates)
    return len(updates)


def _relink_pulls(session: Session, source_id: int, links: LedgerLinks) -> int:
    query = select(PullRequest.id, PullRequest.title, PullRequest.labels, PullRequest.feature_id)
    updates = []
    for pull_id, title, labels, feature_id in session.execute(
        query.where(PullRequest.source_id == source_id)
    ):
        found = links.feature_id(title, labels)
        if found is not None and found != feature_id:
            updates.append({"id": pull_id, "feature_id": found})
    if updates:
        session.execute(update(PullRequest), updates)
    return len(updates)
