"""The people behind the demo's events, and what each of them does over the year.

Pure planning from the demo's RNG streams: who belongs to which account, when they signed up
and on which device, which features they adopt and when, when their account churns. The
``events`` extension turns the plan into PostHog-shaped events.

Planted on purpose (the numbers the manifest records are computed from the plan itself):

* one launched feature stalls: about 5% of active accounts take it up in its first three
  weeks, then nobody;
* sign-ups on mobile stop inviting teammates after :attr:`EventPlan.mobile_break`: the
  ``created_project → invited_teammate`` conversion collapses on mobile, not on desktop;
* accounts that adopt the key feature churn far less, and their people come back more often.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from prodloop.demo.context import DemoContext

#: People per account by segment (inclusive range).
PEOPLE_PER_ACCOUNT = {"smb": (1, 2), "mid_market": (2, 3), "enterprise": (3, 6)}
#: Share of people who sign up during the year (the rest were already customers).
NEW_PERSON_SHARE = 0.35
MOBILE_SHARE = 0.3
#: Days before ``as_of`` on which mobile invitations break.
MOBILE_BREAK_DAYS = 120
INVITE_RATE = 0.6
INVITE_RATE_MOBILE_BROKEN = 0.08
PROJECT_RATE = 0.8
ACTIVATION_RATE = 0.8
STALL_SHARE = 0.05
KEY_ACCOUNT_SHARE = 0.4
CHURN_ADOPTER = 0.08
CHURN_NON_ADOPTER = 0.5
#: Sessions per week of a person in an account that never adopts the key feature, relative.
NON_ADOPTER_ACTIVITY = 0.55
ANONYMOUS_VISITORS = 3000

DESKTOPS = (
    ("Chrome", "Windows", 45),
    ("Chrome", "Mac OS X", 25),
    ("Safari", "Mac OS X", 15),
    ("Firefox", "Windows", 8),
    ("Microsoft Edge", "Windows", 7),
)
MOBILES = (("Mobile Safari", "iOS", 55), ("Chrome", "Android", 45))


@dataclass(frozen=True)
class Device:
    """What a person's events say about their device."""

    device_type: str
    browser: str
    os: str


@dataclass
class FeaturePlan:
    """How one launched feature spreads: who may adopt, how fast, how often they use it."""

    key: str
    launch: date
    event: str
    properties: dict[str, str]
    share: float
    mean_delay_days: float
    use_chance: float
    stall: bool = False
    key_feature: bool = False


@dataclass
class PersonPlan:
    """One person of a demo account."""

    number: int
    account: int
    distinct_id: str
    email: str
    device: Device
    signup: date | None
    anonymous_id: str | None
    sessions_per_week: float
    last: date
    funnel: list[str] = field(default_factory=list)
    adoptions: dict[str, date] = field(default_factory=dict)


@dataclass
class AccountPlan:
    """One demo account: its ledger id, whether it adopts the key feature, when it churns."""

    account_id: str
    domain: str
    key_adoption: date | None
    churn: date | None


@dataclass
class EventPlan:
    """Everything the events extension writes, planned before any event is made."""

    start: date
    end: date
    mobile_break: date
    features: list[FeaturePlan]
    accounts: list[AccountPlan]
    people: list[PersonPlan]


def _device(rng: random.Random, mobile: bool) -> Device:
    options = MOBILES if mobile else DESKTOPS
    browser, os_name, _weight = rng.choices(options, weights=[w for *_, w in options])[0]
    return Device("Mobile" if mobile else "Desktop", browser, os_name)


def plan_features(context: DemoContext, launched: list[tuple[str, date]]) -> list[FeaturePlan]:
    """Usage plans for the launched features; picks the key feature and the stalling one.

    Both are chosen among features launched inside the history with at least 90 days of
    use behind them (the earliest launch is the key feature, the next the stalling one).
    """
    rng = context.rng("events/features")
    start, end = context.day(0), context.as_of
    candidates = sorted(
        (launch, key)
        for key, launch in launched
        if start + timedelta(30) <= launch <= end - timedelta(90)
    )
    key_feature = candidates[0][1] if candidates else None
    stalled = candidates[1][1] if len(candidates) > 1 else None
    plans = []
    for number, (key, launch) in enumerate(sorted(launched, key=lambda item: item[0])):
        slug = key.replace("-", "_")
        event, properties = (
            ("feature_used", {"feature": key}) if number % 3 == 2 else (f"{slug}_used", {})
        )
        plans.append(
            FeaturePlan(
                key=key,
                launch=launch,
                event=event,
                properties=properties,
                share=STALL_SHARE if key == stalled else rng.uniform(0.3, 0.7),
                mean_delay_days=5.0 if key == stalled else rng.uniform(15, 45),
                use_chance=rng.uniform(0.25, 0.5),
                stall=key == stalled,
                key_feature=key == key_feature,
            )
        )
    return plans


def plan_accounts(
    context: DemoContext, accounts: list[tuple[str, str]], key: FeaturePlan | None
) -> list[AccountPlan]:
    """Key-feature adoption and churn per account (adopters churn much less)."""
    rng = context.rng("events/accounts")
    start, end = context.day(0), context.as_of
    plans = []
    for account_id, domain in accounts:
        adoption = None
        if key is not None and rng.random() < KEY_ACCOUNT_SHARE:
            adoption = min(
                key.launch + timedelta(days=int(rng.expovariate(1 / 25))), end - timedelta(1)
            )
        churn = None
        if adoption is not None and rng.random() < CHURN_ADOPTER:
            first = adoption + timedelta(days=21)
            if first < end:
                churn = first + timedelta(days=rng.randrange((end - first).days))
        elif adoption is None and rng.random() < CHURN_NON_ADOPTER:
            churn = start + timedelta(days=rng.randrange(30, (end - start).days))
        plans.append(AccountPlan(account_id, domain, adoption, churn))
    return plans


def plan_people(
    context: DemoContext,
    accounts: list[AccountPlan],
    segments: list[str],
    features: list[FeaturePlan],
    mobile_break: date,
) -> list[PersonPlan]:
    """The people of every account: devices, sign-ups and their funnel, feature adoptions."""
    rng = context.rng("events/people")
    start, end = context.day(0), context.as_of
    people: list[PersonPlan] = []
    for index, (account, segment) in enumerate(zip(accounts, segments, strict=True)):
        low, high = PEOPLE_PER_ACCOUNT.get(segment, (1, 2))
        for _ in range(rng.randint(low, high)):
            number = len(people)
            mobile = rng.random() < MOBILE_SHARE
            signup = None
            if rng.random() < NEW_PERSON_SHARE:
                last = (account.churn or end) - start
                signup = start + timedelta(days=rng.randrange(max(1, last.days)))
            rate = rng.uniform(0.35, 1.2) * (1.0 if account.key_adoption else NON_ADOPTER_ACTIVITY)
            person = PersonPlan(
                number=number,
                account=index,
                distinct_id=f"u{number:05d}.{account.domain}",
                email=f"user{number:05d}@{account.domain}",
                device=_device(rng, mobile),
                signup=signup,
                anonymous_id=f"anon-{rng.getrandbits(64):016x}" if signup else None,
                sessions_per_week=rate,
                last=min(account.churn or end, end),
            )
            if signup is not None:
                person.funnel = _funnel(rng, mobile, signup >= mobile_break)
                if "activated" not in person.funnel:
                    person.sessions_per_week *= 0.3
                    person.last = min(person.last, signup + timedelta(days=rng.randint(10, 45)))
            _adopt(rng, person, account, features, start)
            people.append(person)
    stalled = next((feature for feature in features if feature.stall), None)
    if stalled is not None:
        _plant_stall(context.rng("events/stall"), people, stalled, start, end)
    return people


def _plant_stall(
    rng: random.Random, people: list[PersonPlan], feature: FeaturePlan, start: date, end: date
) -> None:
    """Give the stalling feature to about 5% of the accounts active after its launch, early.

    Accounts (not people) carry the truth, so visitors that other demo extensions add to
    the lake cannot dilute it. Adopting accounts are drawn among those with someone present
    in the feature's first three weeks; one or two of their people take it up then, and
    nobody adopts after that.
    """
    launch = feature.launch
    window_end = launch + timedelta(days=21)
    active: set[int] = set()
    present: dict[int, list[PersonPlan]] = {}
    for person in people:
        joined = person.signup + timedelta(days=1) if person.signup else start
        if joined < end and person.last > launch:
            active.add(person.account)
        first = max(launch, joined)
        if first < min(window_end, person.last):
            present.setdefault(person.account, []).append(person)
    chosen = rng.sample(sorted(present), min(len(present), round(feature.share * len(active))))
    for account in chosen:
        members = present[account]
        for person in rng.sample(members, min(len(members), rng.randint(1, 2))):
            joined = person.signup + timedelta(days=1) if person.signup else start
            first = max(launch, joined)
            last = min(window_end, person.last)
            person.adoptions[feature.key] = first + timedelta(
                days=rng.randrange((last - first).days)
            )


def _funnel(rng: random.Random, mobile: bool, broken: bool) -> list[str]:
    steps = ["signed_up"]
    if rng.random() < PROJECT_RATE:
        steps.append("created_project")
        invite = INVITE_RATE_MOBILE_BROKEN if mobile and broken else INVITE_RATE
        if rng.random() < invite:
            steps.append("invited_teammate")
            if rng.random() < ACTIVATION_RATE:
                steps.append("activated")
    return steps


def _adopt(
    rng: random.Random,
    person: PersonPlan,
    account: AccountPlan,
    features: list[FeaturePlan],
    start: date,
) -> None:
    joined = person.signup + timedelta(days=1) if person.signup else start
    for feature in features:
        if feature.stall:
            continue
        if feature.key_feature:
            if account.key_adoption is None or rng.random() >= 0.75:
                continue
            since = max(account.key_adoption, joined)
            delay = 0 if since == account.key_adoption else int(rng.expovariate(1 / 10))
        else:
            if rng.random() >= feature.share:
                continue
            since = max(feature.launch, joined)
            delay = int(rng.expovariate(1 / feature.mean_delay_days))
        day = since + timedelta(days=delay)
        if day < person.last:
            person.adoptions[feature.key] = day
