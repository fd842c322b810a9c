"""The ``delivery`` demo extension: a year of Jira work and GitHub activity for the demo company.

The simulator plans every work item, pull request, deployment and incident first, writes
them as the files Jira's REST API and GitHub's REST API would hand over (into a temporary
folder, removed afterwards), and loads them with prodloop's own importers — so the demo
exercises the same path a real workspace's data takes. The only rows written directly are
the sources' configurations, because an import reads its source's configuration (team field,
epic → feature mapping, a repository's team) before it writes anything.

Planted truths (returned for the manifest, found again by the delivery maths in tests):
a team whose unplanned share climbs from about 15% to about 45%, a feature re-dated three
times whose latest date is again out of reach, a feature on track, a cluster of unowned
work in one team, a repository whose deployment cadence changes mid-year, and incidents
that follow some deployments.
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

from prodloop.delivery import service
from prodloop.delivery.models import DeliverySource
from prodloop.delivery.schemas import SourceConfig, SourceKind
from prodloop.demo.context import DemoContext
from prodloop.demo.delivery_backlog import (
    UNOWNED_TEAM,
    assign_keys,
    follow_redating,
    hand_over,
    plan_cancelled,
    plan_epic,
    plan_nearly_done,
    plan_open_items,
    plan_slipping_scope,
    plan_unowned_cluster,
)
from prodloop.demo.delivery_features import (
    FeatureWork,
    Redating,
    apply_redating,
    choose_roles,
    feature_work,
    focus_on,
    plan_redating,
)
from prodloop.demo.delivery_github import RepoPlan, plan_repos
from prodloop.demo.delivery_github_files import write_repo
from prodloop.demo.delivery_jira import SITE, TEAM_FIELD, JiraWriter, write_search_pages
from prodloop.demo.delivery_model import Actor, Clock, WorkItemPlan
from prodloop.demo.delivery_truths import planted_truths
from prodloop.demo.delivery_work import PROFILES, TeamDesk, plan_done_items, team_sprints
from prodloop.demo.ledger import JIRA_PROJECTS

JIRA_SOURCE = "northwind-jira"
# Share of the slipping feature's stories that carry its date (the epic always does).
DUE_SHARE = 0.3


def build_delivery(context: DemoContext) -> dict[str, Any]:
    """Build the delivery part of the demo and return its planted truths."""
    clock = Clock.of(context)
    works = feature_work(context, clock)
    slipping, on_track = choose_roles(works, clock.as_of)
    focus_on(on_track, clock)
    enterprise = sorted(a.name for a in context.company.accounts_in("enterprise"))
    redating = plan_redating(slipping, clock, context.rng("delivery/features"), enterprise)
    desks = _desks(context, clock, works, redating)
    context.progress("delivery: pull requests, deployments and incidents")
    engineers = {key: desk.engineers for key, desk in desks.items()}
    repos = plan_repos(clock, context.rng("delivery/github"), engineers, works)
    context.progress("delivery: a year of work items")
    items = _work_items(context, clock, desks, repos, (slipping, on_track), redating)
    assign_keys(items)
    feature = context.company.feature(redating.feature)
    apply_redating(context.session, feature, redating)
    context.progress("delivery: importing the Jira and GitHub exports")
    _import(context, desks, items, repos)
    return planted_truths(
        clock=clock,
        desks=desks,
        items=items,
        repos=repos,
        redating=redating,
        slipping=slipping,
        on_track=on_track,
        jira_source=JIRA_SOURCE,
    )


def _desks(
    context: DemoContext, clock: Clock, works: list[FeatureWork], redating: Redating
) -> dict[str, TeamDesk]:
    company = context.company
    accounts = sorted(account.name for account in company.accounts)
    desks = {}
    for board, team in enumerate(company.teams, start=1):
        project = JIRA_PROJECTS[team.key]
        desk = TeamDesk(
            key=team.key,
            name=team.name,
            project=project,
            profile=PROFILES[team.key],
            members=[Actor.of(person, team.key) for person in company.people_in(team.key)],
            sprints=team_sprints(PROFILES[team.key], clock, board, project),
            features=[work for work in works if work.team == team.key],
            epics={},
            accounts=accounts,
        )
        rng = context.rng(f"delivery/epics/{team.key}")
        for work in desk.features:
            if work.planned_at is not None and work.planned_at < clock.end:
                chosen = redating if work.key == redating.feature else None
                desk.epics[work.key] = plan_epic(desk, work, clock, rng, chosen)
        desks[team.key] = desk
    return desks


def _work_items(
    context: DemoContext,
    clock: Clock,
    desks: dict[str, TeamDesk],
    repos: list[RepoPlan],
    planted: tuple[FeatureWork, FeatureWork],
    redating: Redating,
) -> list[WorkItemPlan]:
    slipping, on_track = planted
    incidents: dict[str, list[datetime]] = defaultdict(list)
    for repo in repos:
        incidents[repo.spec.team] += [incident.resolved for incident in repo.incidents]
    items: list[WorkItemPlan] = []
    for key, desk in desks.items():
        rng = context.rng(f"delivery/work/{key}")
        done = plan_done_items(desk, clock, rng, sorted(incidents[key]))
        for item in done:
            if item.feature == slipping.key and item.epic is not None and rng.random() < DUE_SHARE:
                follow_redating(item, redating, clock, rng)
        hand_over(done, desks, rng)
        items += list(desk.epics.values()) + done
        items += plan_open_items(desk, clock, rng, (slipping.key, on_track.key))
        items += plan_cancelled(desk, clock, rng)
        if key == slipping.team:
            items += plan_slipping_scope(desk, slipping, redating, clock, rng)
        if key == on_track.team:
            items += plan_nearly_done(desk, on_track, clock, rng)
        if key == UNOWNED_TEAM:
            items += plan_unowned_cluster(desk, clock, rng)
    return items


def _import(
    context: DemoContext,
    desks: dict[str, TeamDesk],
    items: list[WorkItemPlan],
    repos: list[RepoPlan],
) -> None:
    """Write the exports into a temporary folder and load them with the real importers."""
    session = context.session
    _configure_sources(context, desks, repos)
    people = {actor.login: actor for desk in desks.values() for actor in desk.members}
    writer = JiraWriter(
        context.zone,
        {desk.project: desk.name for desk in desks.values()},
        {desk.key: f"team-{index:04d}" for index, desk in enumerate(desks.values(), start=1)},
    )
    with tempfile.TemporaryDirectory(prefix="prodloop-demo-delivery-") as folder:
        root = Path(folder)
        ordered = sorted(items, key=lambda item: (item.project, item.created, item.key))
        write_search_pages(writer, ordered, root / "jira-search.json")
        service.import_jira_json(session, root / "jira-search.json", source_name=JIRA_SOURCE)
        for repo in repos:
            name = repo.spec.name
            smallest = repo is repos[-1]
            export = write_repo(
                repo, root / name.replace("/", "__"), people, file_per_record=smallest
            )
            service.import_github_dir(session, export, repo=name, source_name=name)


def _configure_sources(
    context: DemoContext, desks: dict[str, TeamDesk], repos: list[RepoPlan]
) -> None:
    """The Jira site (team field, projects, epic → feature mapping) and each repository's team."""
    epics = {
        epic.key: feature for desk in desks.values() for feature, epic in sorted(desk.epics.items())
    }
    jira = SourceConfig(
        project_teams={desk.project: key for key, desk in desks.items()},
        team_field=TEAM_FIELD,
        base_url=SITE,
        epic_features=epics,
    )
    _configure(context, SourceKind.JIRA_REST, JIRA_SOURCE, jira)
    for repo in repos:
        config = SourceConfig(default_team=repo.spec.team)
        _configure(context, SourceKind.GITHUB, repo.spec.name, config)


def _configure(context: DemoContext, kind: SourceKind, name: str, config: SourceConfig) -> None:
    """Create a source with its configuration before its first import (what an admin does in
    the source settings; no service creates a source ahead of an import)."""
    data = config.model_dump(mode="json", exclude_defaults=True)
    context.session.add(DeliverySource(kind=kind.value, name=name, config=data))
    context.session.flush()
