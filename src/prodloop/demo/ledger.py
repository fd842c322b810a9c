"""The ``ledger`` demo extension: the company, its accounts and ~50 features with histories.

It registers through :func:`register_demo_extension` like any other extension (it is listed
in ``BUILT_IN_EXTENSIONS``) and runs first, filling :attr:`DemoContext.company` for the
extensions after it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from math import ceil
from typing import Any

from prodloop.demo.accounts import build_accounts
from prodloop.demo.company import (
    DESIGNER,
    ENGINEERING_MANAGER,
    PRODUCT_MANAGER,
    PRODUCT_OPS_ANALYST,
    admin_email,
    build_organisation,
)
from prodloop.demo.context import DemoContext, local_time
from prodloop.demo.features import CATALOGUE, FeatureSpec
from prodloop.demo.history import (
    OVERDUE_AGE_DAYS,
    Course,
    Lifecycle,
    backfill_launch_date,
    backfill_schedule,
    deal_stages,
    schedule,
    skips_stage,
    stage_path,
)
from prodloop.ledger import service
from prodloop.ledger.models import Account, Feature
from prodloop.ledger.schemas import FeatureIn, Link
from prodloop.ledger.stages import Stage

# Features that shipped before the year of history and were entered into the ledger as such.
BACKFILLED = frozenset({Course.SUNSET, Course.ESTABLISHED})
UNOWNED_COUNT = 4
OVERDUE_COUNT = 5
UNOWNED_STAGES = (Stage.DISCOVERY, Stage.PLANNED, Stage.BUILDING, Stage.LAUNCHED)
OVERDUE_STAGES = (Stage.PLANNED, Stage.BUILDING)
JIRA_PROJECTS = {
    "growth": "GRW",
    "core-platform": "CORE",
    "integrations": "INT",
    "insights": "INS",
    "mobile": "MOB",
    "billing": "BILL",
}
RETIRE_REASONS = {
    Course.KILLED: "Discovery found too little demand to justify building it; parked.",
    Course.SUNSET: "Used by under 2% of active workspaces for two quarters; support cost "
    "outweighs the value.",
    Course.REVIVED: "Usage did not justify the maintenance; retiring it.",
}
SKIP_REASON = "Direct ask from enterprise customers; moving straight on."


@dataclass
class FeaturePlan:
    """A feature as the simulator decided it: fields, stage path and who moved it when."""

    spec: FeatureSpec
    life: Lifecycle
    path: list[Stage]
    moments: list[datetime]
    actors: list[str]
    reasons: list[str | None]
    owner: str | None
    target_date: date | None
    launch_date: date | None
    links: list[Link]


def build_ledger(context: DemoContext) -> dict[str, Any]:
    """Build the ledger part of the demo and return its planted truths."""
    setup_day = _weekday_on_or_after(context.day(1))
    context.progress("ledger: workspace, teams and people")
    build_organisation(context, local_time(setup_day, time(9, 30), context.zone))
    company = context.company
    analyst = next(p.email for p in company.people if p.role == PRODUCT_OPS_ANALYST)
    context.progress("ledger: customer accounts")
    import_day = _weekday_on_or_after(setup_day + timedelta(days=1))
    company.accounts = build_accounts(
        context, import_at=local_time(import_day, time(14, 0), context.zone), actor=analyst
    )
    context.progress("ledger: features and their stage histories")
    plans = plan_features(context)
    company.features = create_features(context, plans)
    return planted_truths(context, plans)


def plan_features(context: DemoContext) -> list[FeaturePlan]:
    """Decide every catalogue feature's stage, history, owner, target date and links."""
    rng = context.rng("ledger/features")
    lives = deal_stages(CATALOGUE, rng)
    forward = sorted(key for key, life in lives.items() if life.course is Course.FORWARD)
    unowned = set(
        rng.sample([k for k in forward if lives[k].stage in UNOWNED_STAGES], UNOWNED_COUNT)
    )
    overdue = set(
        rng.sample([k for k in forward if lives[k].stage in OVERDUE_STAGES], OVERDUE_COUNT)
    )
    revival_reason = _revival_reason(context, rng)
    return [
        _plan_feature(
            context,
            spec,
            lives[spec.key],
            rng,
            owned=spec.key not in unowned,
            overdue=spec.key in overdue,
            revival_reason=revival_reason,
        )
        for spec in CATALOGUE
    ]


def _plan_feature(
    context: DemoContext,
    spec: FeatureSpec,
    life: Lifecycle,
    rng: random.Random,
    *,
    owned: bool,
    overdue: bool,
    revival_reason: str,
) -> FeaturePlan:
    path = stage_path(life, rng)
    launch_date = None
    if life.course in BACKFILLED:
        moments = backfill_schedule(path, context, rng)
        launch_date = backfill_launch_date(context, rng)
    else:
        moments = schedule(path, context, rng, age_days=OVERDUE_AGE_DAYS if overdue else None)
    owner = _owner(context, spec, rng) if owned else None
    return FeaturePlan(
        spec=spec,
        life=life,
        path=path,
        moments=moments,
        actors=_actors(context, spec, owner, len(path), rng),
        reasons=_reasons(life, path, revival_reason),
        owner=owner,
        target_date=_target_date(context, path, moments, overdue, rng),
        launch_date=launch_date,
        links=_links(spec, path, rng),
    )


def create_features(context: DemoContext, plans: list[FeaturePlan]) -> list[Feature]:
    """Write the plans through the ledger service, every step in chronological order."""
    steps = sorted(
        (moment, number, index)
        for number, plan in enumerate(plans)
        for index, moment in enumerate(plan.moments)
    )
    created: dict[str, Feature] = {}
    for moment, number, index in steps:
        plan = plans[number]
        if index == 0:
            created[plan.spec.key] = service.create_feature(
                context.session, _feature_in(plan), actor=plan.actors[0], at=moment
            )
        else:
            service.set_stage(
                context.session,
                created[plan.spec.key],
                plan.path[index],
                actor=plan.actors[index],
                reason=plan.reasons[index],
                at=moment,
            )
    return list(created.values())


def planted_truths(context: DemoContext, plans: list[FeaturePlan]) -> dict[str, Any]:
    """What the ledger step planted, for tests and for the manifest."""
    company = context.company
    revived = next(plan for plan in plans if plan.life.course is Course.REVIVED)
    stage_counts = {stage.value: 0 for stage in Stage}
    for plan in plans:
        stage_counts[plan.path[-1].value] += 1
    return {
        "admin": admin_email(context),
        "teams": [team.key for team in company.teams],
        "product_areas": [area.key for area in company.product_areas],
        "people_count": len(company.people),
        "feature_count": len(plans),
        "stage_counts": stage_counts,
        "unowned_features": sorted(plan.spec.key for plan in plans if plan.owner is None),
        "overdue_features": sorted(
            plan.spec.key
            for plan in plans
            if plan.path[-1].order < Stage.BETA.order
            and plan.target_date is not None
            and plan.target_date < context.as_of
        ),
        "features_skipping_stages": sorted(
            plan.spec.key for plan in plans if skips_stage(plan.path)
        ),
        "shipped_before_history": sorted(
            plan.spec.key for plan in plans if plan.life.course in BACKFILLED
        ),
        "retired_then_revived": revived.spec.key,
        "revival_reason": revived.reasons[-1],
        **account_truths(company.accounts),
    }


def account_truths(accounts: list[Account]) -> dict[str, Any]:
    """Segment mix and revenue concentration of the demo's accounts."""
    total = sum(account.arr for account in accounts)
    by_arr = sorted(accounts, key=lambda account: (-account.arr, account.domain or ""))
    segments = ("smb", "mid_market", "enterprise")
    return {
        "account_count": len(accounts),
        "total_arr": total,
        "segment_counts": {s: sum(a.segment == s for a in accounts) for s in segments},
        "segment_arr_share": {
            s: round(sum(a.arr for a in accounts if a.segment == s) / total, 4) for s in segments
        },
        "top_10pct_accounts_arr_share": round(
            sum(a.arr for a in by_arr[: ceil(len(accounts) / 10)]) / total, 4
        ),
        "largest_accounts": [account.domain for account in by_arr[:5]],
    }


# --- choices for one feature ---------------------------------------------------------------


def _owner(context: DemoContext, spec: FeatureSpec, rng: random.Random) -> str:
    managers = context.company.people_in(spec.team, PRODUCT_MANAGER)
    if rng.random() < 0.2:
        managers = context.company.people_in(spec.team, ENGINEERING_MANAGER)
    return rng.choice(managers).email


def _actors(
    context: DemoContext, spec: FeatureSpec, owner: str | None, steps: int, rng: random.Random
) -> list[str]:
    """Who created the feature (anyone in the trio) and who moved it (its owner or the EM)."""
    company = context.company
    trio = [
        person.email
        for role in (PRODUCT_MANAGER, ENGINEERING_MANAGER, DESIGNER)
        for person in company.people_in(spec.team, role)
    ]
    mover = owner or company.people_in(spec.team, ENGINEERING_MANAGER)[0].email
    return [rng.choice(trio), *([mover] * (steps - 1))]


def _reasons(life: Lifecycle, path: list[Stage], revival: str) -> list[str | None]:
    reasons: list[str | None] = [None]
    for earlier, later in pairwise(path):
        if later is Stage.RETIRED:
            reasons.append(RETIRE_REASONS[life.course])
        elif earlier is Stage.RETIRED:
            reasons.append(revival)
        elif later.order - earlier.order > 1:
            reasons.append(SKIP_REASON)
        else:
            reasons.append(None)
    return reasons


def _revival_reason(context: DemoContext, rng: random.Random) -> str:
    enterprise = sorted(context.company.accounts_in("enterprise"), key=lambda a: a.domain or "")
    askers = rng.sample(enterprise, rng.randint(8, 14))
    arr = sum(account.arr for account in askers) / 1_000_000
    return (
        f"{len(askers)} enterprise accounts (${arr:.1f}M ARR) asked for it back; "
        f"relaunching it as a beta on the new platform."
    )


def _target_date(
    context: DemoContext,
    path: list[Stage],
    moments: list[datetime],
    overdue: bool,
    rng: random.Random,
) -> date | None:
    """When the team meant to ship: past for overdue work, ahead for the rest in flight."""
    stage = path[-1]
    if overdue:
        planned = moments[path.index(Stage.PLANNED)].astimezone(context.zone).date()
        earliest, latest = planned + timedelta(days=21), context.as_of - timedelta(days=3)
        return earliest + timedelta(days=rng.randint(0, (latest - earliest).days))
    if stage in {Stage.PLANNED, Stage.BUILDING}:
        return context.as_of + timedelta(days=rng.randint(10, 120))
    if stage is Stage.BETA:
        return context.as_of + timedelta(days=rng.randint(14, 75))
    if stage in {Stage.LAUNCHED, Stage.ADOPTED} and Stage.LAUNCHED in path:
        launched = moments[path.index(Stage.LAUNCHED)].date()
        return launched + timedelta(days=rng.randint(-25, 10))
    return None


def _links(spec: FeatureSpec, path: list[Stage], rng: random.Random) -> list[Link]:
    reached = set(path)
    links: list[Link] = []
    if reached != {Stage.IDEA} and reached != {Stage.IDEA, Stage.RETIRED}:
        links.append(_link("Spec", f"https://docs.northwind.example/specs/{spec.key}"))
    if reached & {Stage.DISCOVERY, Stage.BUILDING} and rng.random() < 0.6:
        links.append(_link("Design", f"https://design.northwind.example/files/{spec.key}"))
    if any(stage.order >= Stage.PLANNED.order for stage in reached - {Stage.RETIRED}):
        issue = f"{JIRA_PROJECTS[spec.team]}-{rng.randint(100, 2400)}"
        links.append(_link("Epic", f"https://northwind.atlassian.example/browse/{issue}"))
    if reached & {Stage.LAUNCHED, Stage.ADOPTED}:
        links.append(_link("Release notes", f"https://northwind.example/changelog/{spec.key}"))
    return links


def _link(label: str, url: str) -> Link:
    return Link.model_validate({"label": label, "url": url})


def _feature_in(plan: FeaturePlan) -> FeatureIn:
    spec = plan.spec
    return FeatureIn(
        key=spec.key,
        title=spec.title,
        description=spec.description,
        product_area=spec.area,
        owner=plan.owner,
        team=spec.team,
        stage=plan.path[0],
        target_date=plan.target_date,
        launch_date=plan.launch_date,
        tags=list(spec.tags),
        links=plan.links,
    )


def _weekday_on_or_after(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day
