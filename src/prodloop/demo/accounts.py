"""The demo company's 2,000 customer accounts, with ARR concentrated in a few large ones.

Segments split roughly 70/22/8 by count; ARR is lognormal within SMB and mid-market and
truncated Pareto within enterprise, so the largest tenth of accounts carries most of the
revenue (as in most B2B SaaS books of business).
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from math import log

from prodloop.demo.company import ascii_fold
from prodloop.demo.context import DemoContext
from prodloop.demo.names import (
    BRAND_HEADS,
    BRAND_TAILS,
    COMPANY_ADJECTIVES,
    COMPANY_INDUSTRIES,
    COMPANY_NOUNS,
    DOMAIN_SUFFIX,
    ENTERPRISE_SUFFIXES,
    PERSON_NAMES,
)
from prodloop.ledger import service
from prodloop.ledger.models import Account
from prodloop.ledger.schemas import AccountIn, Segment

ACCOUNT_COUNT = 2000
SEGMENT_SHARES = {Segment.SMB: 0.70, Segment.MID_MARKET: 0.22, Segment.ENTERPRISE: 0.08}
# Share of accounts already customers when the workspace was set up (imported from the CRM);
# the rest signed during the year.
IMPORTED_SHARE = 0.75
# Probability that an account pays by card through Stripe (large ones are invoiced).
# Tail index of enterprise ARR: lower is more concentrated (1.1 puts ~60% of ARR in enterprise).
ENTERPRISE_PARETO_ALPHA = 1.1
STRIPE_SHARE = {Segment.SMB: 1.0, Segment.MID_MARKET: 0.85, Segment.ENTERPRISE: 0.4}
BASE62 = string.digits + string.ascii_letters


@dataclass(frozen=True)
class AccountPlan:
    """An account as the simulator decided it, before it is written to the ledger."""

    name: str
    domain: str
    segment: Segment
    plan: str
    arr: int
    created_at: datetime
    external_ids: dict[str, str] = field(default_factory=dict)


def build_accounts(context: DemoContext, *, import_at: datetime, actor: str) -> list[Account]:
    """Create every account through the ledger service, oldest first."""
    plans = plan_accounts(context, import_at=import_at)
    accounts: list[Account] = []
    for plan in plans:
        data = AccountIn(
            name=plan.name,
            domain=plan.domain,
            segment=plan.segment,
            plan=plan.plan,
            arr=plan.arr,
            external_ids=plan.external_ids,
        )
        accounts.append(
            service.create_account(context.session, data, actor=actor, at=plan.created_at)
        )
    return accounts


def plan_accounts(context: DemoContext, *, import_at: datetime) -> list[AccountPlan]:
    """Decide all accounts (names, segments, ARR, ids, creation times), oldest first."""
    rng = context.rng("ledger/accounts")
    segments = _segments(rng)
    names: set[str] = set()
    domains: set[str] = set()
    drafts: list[tuple[str, str, Segment, int]] = []
    for segment in segments:
        arr = _arr(rng, segment)
        name, domain = _company_name(rng, segment, arr, names, domains)
        names.add(name)
        domains.add(domain)
        drafts.append((name, domain, segment, arr))
    imported_count = round(len(drafts) * IMPORTED_SHARE)
    imported = sorted(drafts[:imported_count])  # the CRM export came sorted by name
    signed = drafts[imported_count:]
    moments = [import_at + timedelta(seconds=2 * index) for index in range(len(imported))]
    moments += sorted(context.business_time(context.day(rng.randint(14, 364)), rng) for _ in signed)
    return [
        AccountPlan(
            name=name,
            domain=domain,
            segment=segment,
            plan=_plan(segment, arr),
            arr=arr,
            created_at=at,
            external_ids=_external_ids(rng, segment),
        )
        for (name, domain, segment, arr), at in zip(imported + signed, moments, strict=True)
    ]


def _segments(rng: random.Random) -> list[Segment]:
    counts = {segment: round(ACCOUNT_COUNT * share) for segment, share in SEGMENT_SHARES.items()}
    counts[Segment.SMB] += ACCOUNT_COUNT - sum(counts.values())
    segments = [segment for segment, count in counts.items() for _ in range(count)]
    rng.shuffle(segments)
    return segments


def _arr(rng: random.Random, segment: Segment) -> int:
    """Annual recurring revenue in whole dollars, rounded as contracts are."""
    if segment is Segment.SMB:
        value = _within(lambda: rng.lognormvariate(log(6_000), 0.75), 1_200, 30_000)
        return round(value / 100) * 100
    if segment is Segment.MID_MARKET:
        value = _within(lambda: rng.lognormvariate(log(60_000), 0.55), 30_000, 200_000)
        return round(value / 500) * 500
    value = _within(lambda: 150_000 * rng.paretovariate(ENTERPRISE_PARETO_ALPHA), 0, 2_000_000)
    return round(value / 1_000) * 1_000


def _within(draw: Callable[[], float], low: float, high: float) -> float:
    """A draw from ``draw`` inside [low, high], redrawn rather than clipped (no pile-ups)."""
    while True:
        value = draw()
        if low <= value <= high:
            return value


def _plan(segment: Segment, arr: int) -> str:
    """The price plan that fits a segment and what the account pays."""
    if segment is Segment.SMB:
        return "starter" if arr < 7_500 else "growth"
    if segment is Segment.MID_MARKET:
        return "growth" if arr < 50_000 else "business"
    return "business" if arr < 250_000 else "enterprise"


def _external_ids(rng: random.Random, segment: Segment) -> dict[str, str]:
    ids = {"salesforce": "001" + "".join(rng.choices(BASE62, k=15))}
    if rng.random() < STRIPE_SHARE[segment]:
        ids["stripe"] = "cus_" + "".join(rng.choices(BASE62, k=14))
    return ids


def _company_name(
    rng: random.Random, segment: Segment, arr: int, names: set[str], domains: set[str]
) -> tuple[str, str]:
    """A new company name and a domain derived from it, neither used before.

    Large enterprise accounts more often carry a "Group" or "Holdings" in their name.
    """
    suffix_chance = 0.0 if segment is not Segment.ENTERPRISE else 0.8 if arr >= 500_000 else 0.3
    while True:
        name = _invent_name(rng)
        domain = f"{_domain_label(name)}.{DOMAIN_SUFFIX}"
        if rng.random() < suffix_chance:
            name = f"{name} {rng.choice(ENTERPRISE_SUFFIXES)}"
        if name not in names and domain not in domains:
            return name, domain


def _invent_name(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.30:
        return f"{rng.choice(COMPANY_ADJECTIVES)} {rng.choice(COMPANY_NOUNS)} " + rng.choice(
            COMPANY_INDUSTRIES
        )
    if roll < 0.50:
        first, second = rng.sample(COMPANY_NOUNS, 2)
        return f"{first}{second.lower()} {rng.choice(COMPANY_INDUSTRIES)}"
    if roll < 0.72:
        brand = rng.choice(BRAND_HEADS) + rng.choice(BRAND_TAILS)
        return brand if rng.random() < 0.5 else f"{brand} {rng.choice(COMPANY_INDUSTRIES)}"
    if roll < 0.90:
        return f"{rng.choice(COMPANY_ADJECTIVES)} {rng.choice(COMPANY_INDUSTRIES)}"
    family_names = PERSON_NAMES[rng.choice(sorted(PERSON_NAMES))][1]
    first, second = rng.sample(family_names, 2)
    return f"{first} & {second}" + rng.choice(("", " Legal", " Architects", " Partners"))


def _domain_label(name: str) -> str:
    words = [ascii_fold(word) for word in name.replace("&", " ").split()]
    return "".join(char for char in "".join(words) if char.isalnum())
