"""The demo company's organisation: workspace, teams, people and product areas."""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from prodloop.demo.context import DemoContext
from prodloop.demo.names import ASCII_SPELLINGS, PERSON_NAMES
from prodloop.ledger import service
from prodloop.ledger.models import Workspace
from prodloop.ledger.schemas import PersonIn, ProductAreaIn, TeamIn

COMPANY_NAME = "Northwind Cloud"
COMPANY_DOMAIN = "northwind.example"
TIME_ZONE = "America/New_York"
CURRENCY = "USD"

PRODUCT_MANAGER = "Product Manager"
ENGINEERING_MANAGER = "Engineering Manager"
DESIGNER = "Product Designer"
SOFTWARE_ENGINEER = "Software Engineer"
DATA_ANALYST = "Data Analyst"
PRODUCT_OPS_LEAD = "Product Operations Lead"
PRODUCT_OPS_ANALYST = "Product Operations Analyst"


@dataclass(frozen=True)
class TeamSpec:
    """A team of the demo company and how many people of each role it has."""

    key: str
    name: str
    description: str
    roster: tuple[tuple[str, int], ...]


TEAMS = (
    TeamSpec(
        "growth",
        "Growth",
        "Onboarding, activation and collaboration: turns sign-ups into active teams.",
        (
            (PRODUCT_MANAGER, 2),
            (ENGINEERING_MANAGER, 1),
            (DESIGNER, 1),
            (SOFTWARE_ENGINEER, 3),
            (DATA_ANALYST, 1),
        ),
    ),
    TeamSpec(
        "core-platform",
        "Core Platform",
        "Identity, security, the workflow engine and the public API.",
        ((PRODUCT_MANAGER, 1), (ENGINEERING_MANAGER, 1), (DESIGNER, 1), (SOFTWARE_ENGINEER, 4)),
    ),
    TeamSpec(
        "integrations",
        "Integrations",
        "Connectors to the tools customers already run on: Slack, Salesforce, Jira.",
        ((PRODUCT_MANAGER, 1), (ENGINEERING_MANAGER, 1), (DESIGNER, 1), (SOFTWARE_ENGINEER, 3)),
    ),
    TeamSpec(
        "insights",
        "Insights",
        "Dashboards, reports and the data customers take elsewhere.",
        (
            (PRODUCT_OPS_LEAD, 1),
            (PRODUCT_MANAGER, 1),
            (ENGINEERING_MANAGER, 1),
            (DESIGNER, 1),
            (SOFTWARE_ENGINEER, 2),
            (DATA_ANALYST, 1),
        ),
    ),
    TeamSpec(
        "mobile",
        "Mobile",
        "The iOS and Android apps for people working away from a desk.",
        ((PRODUCT_MANAGER, 1), (ENGINEERING_MANAGER, 1), (DESIGNER, 1), (SOFTWARE_ENGINEER, 3)),
    ),
    TeamSpec(
        "billing",
        "Billing",
        "Plans, pricing, invoices and payments.",
        (
            (PRODUCT_OPS_ANALYST, 1),
            (PRODUCT_MANAGER, 1),
            (ENGINEERING_MANAGER, 1),
            (SOFTWARE_ENGINEER, 3),
        ),
    ),
)

PRODUCT_AREAS = (
    (
        "security-compliance",
        "Security & compliance",
        "Sign-in, permissions, audit and the controls enterprise buyers ask for.",
    ),
    (
        "workspace",
        "Workspace & collaboration",
        "Onboarding, templates and working together inside Northwind.",
    ),
    (
        "automation",
        "Workflows & automation",
        "The workflow builder, approvals and everything that runs on its own.",
    ),
    ("integrations", "Integrations", "Connectors, webhooks and two-way syncs."),
    ("reporting", "Dashboards & reporting", "Dashboards, reports, exports and alerts."),
    ("billing", "Billing & plans", "Plans, checkout, invoices and usage-based pricing."),
    ("mobile", "Mobile apps", "The iOS and Android apps."),
    ("platform", "API & platform", "The public API, sandboxes and platform limits."),
)

SENIORITY: dict[str, tuple[tuple[str, float], ...]] = {
    SOFTWARE_ENGINEER: (("", 0.45), ("Senior ", 0.45), ("Staff ", 0.10)),
    PRODUCT_MANAGER: (("", 0.5), ("Senior ", 0.5)),
    DESIGNER: (("", 0.5), ("Senior ", 0.5)),
    DATA_ANALYST: (("", 0.6), ("Senior ", 0.4)),
}


def ascii_fold(text: str) -> str:
    """``text`` in lowercase ASCII, as it would be spelled in an email address or a domain."""
    lowered = "".join(ASCII_SPELLINGS.get(char, char) for char in text.lower())
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(char for char in decomposed if char.isascii())


def admin_email(context: DemoContext) -> str:
    """The email of the product-ops lead who set the workspace up (the demo's main actor)."""
    return next(
        person.email for person in context.company.people if person.role == PRODUCT_OPS_LEAD
    )


def build_organisation(context: DemoContext, start: datetime) -> None:
    """Create the workspace, teams, people and product areas, filling ``context.company``."""
    rng = context.rng("ledger/people")
    people = _plan_people(rng)
    admin = next(email for email, (_, role, _) in people.items() if role == PRODUCT_OPS_LEAD)
    company = context.company
    company.name, company.domain = COMPANY_NAME, COMPANY_DOMAIN
    company.workspace = _create_workspace(context, admin)
    for index, spec in enumerate(TEAMS):
        data = TeamIn(key=spec.key, name=spec.name, description=spec.description)
        at = start + timedelta(minutes=5 * index)
        company.teams.append(service.create_team(context.session, data, actor=admin, at=at))
    joined = start + timedelta(hours=1)
    for index, (email, (name, role, team)) in enumerate(people.items()):
        person_in = PersonIn(name=name, email=email, role=role, team=team)
        at = joined + timedelta(minutes=3 * index + rng.randint(0, 2))
        person = service.create_person(context.session, person_in, actor=admin, at=at)
        company.people.append(person)
    areas_at = joined + timedelta(hours=3)
    for index, (key, name, description) in enumerate(PRODUCT_AREAS):
        area_in = ProductAreaIn(key=key, name=name, description=description)
        at = areas_at + timedelta(minutes=4 * index)
        area = service.create_product_area(context.session, area_in, actor=admin, at=at)
        company.product_areas.append(area)


def _create_workspace(context: DemoContext, admin: str) -> Workspace:
    return service.create_workspace(
        context.session,
        name=COMPANY_NAME,
        time_zone=context.time_zone,
        currency=CURRENCY,
        actor=admin,
    )


def _plan_people(rng: random.Random) -> dict[str, tuple[str, str, str]]:
    """email -> (name, role, team key), in the order people join, with unique names."""
    people: dict[str, tuple[str, str, str]] = {}
    names: set[str] = set()
    for spec in TEAMS:
        for role, count in spec.roster:
            for _ in range(count):
                name, email = _new_name(rng, names)
                people[email] = (name, _with_seniority(rng, role), spec.key)
    return people


def _new_name(rng: random.Random, taken: set[str]) -> tuple[str, str]:
    """A name whose given and family names are both new, so nobody shares either."""
    groups = sorted(PERSON_NAMES)
    while True:
        given_names, family_names = PERSON_NAMES[rng.choice(groups)]
        given, family = rng.choice(given_names), rng.choice(family_names)
        if given not in taken and family not in taken:
            taken.update((given, family))
            email = f"{ascii_fold(given)}.{ascii_fold(family)}@{COMPANY_DOMAIN}"
            return f"{given} {family}", email


def _with_seniority(rng: random.Random, role: str) -> str:
    levels = SENIORITY.get(role)
    if not levels:
        return role
    prefixes, weights = zip(*levels, strict=True)
    return f"{rng.choices(prefixes, weights=weights)[0]}{role}"
