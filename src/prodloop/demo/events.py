"""The ``events`` demo extension: a year of product events for the demo company's accounts.

The plan (:mod:`prodloop.demo.events_plan`) decides who does what; this module turns it into
PostHog-shaped events (page views with browser, OS and device type, sign-ups that merge an
anonymous visitor into a person with ``$identify``, the activation funnel
``signed_up → created_project → invited_teammate → activated``, feature use, cancellations),
writes them through :class:`~prodloop.analytics.lake.EventLake` (``append`` then ``compact``,
as captured events would be) and maps each launched feature's usage event in the app store.

Events carry ``$groups: {"account": <ledger account id>}`` so the lake's ``account_id`` is the
ledger account's id as text. Without a lake folder on the context (a build that only fills
the app store), no events are written; the mappings and the planted truths are the same.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from prodloop.analytics.insights.adoption import UsageEvent
from prodloop.analytics.lake import EventLake
from prodloop.analytics.schemas import EventRecord
from prodloop.analytics.usage import launch_date, set_usage_events
from prodloop.demo.company import admin_email
from prodloop.demo.context import DemoContext, DemoError, local_time
from prodloop.demo.events_plan import (
    ANONYMOUS_VISITORS,
    MOBILE_BREAK_DAYS,
    AccountPlan,
    Device,
    EventPlan,
    PersonPlan,
    plan_accounts,
    plan_features,
    plan_people,
)
from prodloop.ledger.stages import Stage

FUNNEL = ("signed_up", "created_project", "invited_teammate", "activated")
APP_PAGES = ("/home", "/workflows", "/records", "/reports", "/settings", "/inbox")
SITE_PAGES = ("/", "/pricing", "/features", "/customers", "/blog/approvals-at-scale")
CHUNK = 50_000


def build_events(context: DemoContext) -> dict[str, Any]:
    """Plan the year, write its events to the context's lake, map usage events; the truths."""
    plan = make_plan(context)
    actor = admin_email(context)
    rng = context.rng("events/mapping")
    for feature in plan.features:
        usage = UsageEvent(event=feature.event, properties=feature.properties)
        at = context.business_time(max(feature.launch, context.day(1)), rng)
        set_usage_events(context.session, feature.key, [usage], actor=actor, at=at)
    written = 0
    lake_dir = context.lake_dir
    if lake_dir is not None:
        lake = EventLake(lake_dir)
        if lake.parquet_files() or lake.wal_segments():
            raise DemoError(f"the event lake in {lake_dir} already holds events")
        context.progress("events: a year of product events")
        written = write_events(lake, context, plan)
        context.progress("events: compacting the event lake")
        lake.compact()
    return planted_truths(plan, written)


def clear_demo_events(lake_dir: Path) -> None:
    """Remove the events of an earlier demo from ``lake_dir`` (project keys stay)."""
    for folder in ("wal", "events"):
        shutil.rmtree(lake_dir / folder, ignore_errors=True)


def make_plan(context: DemoContext) -> EventPlan:
    """The whole year's plan for the demo company (deterministic per seed)."""
    company = context.company
    launched = []
    for feature in company.features:
        if feature.stage in (Stage.LAUNCHED.value, Stage.ADOPTED.value):
            day = launch_date(context.session, feature)
            if day is not None:
                launched.append((feature.key, day))
    features = plan_features(context, launched)
    key = next((feature for feature in features if feature.key_feature), None)
    ordered = sorted(company.accounts, key=lambda account: account.id)
    accounts = plan_accounts(
        context, [(str(account.id), account.domain or f"a{account.id}") for account in ordered], key
    )
    mobile_break = context.as_of - timedelta(days=MOBILE_BREAK_DAYS)
    people = plan_people(
        context, accounts, [account.segment for account in ordered], features, mobile_break
    )
    return EventPlan(context.day(0), context.as_of, mobile_break, features, accounts, people)


class _Writer:
    """Makes lake records and appends them in chunks."""

    def __init__(self, lake: EventLake, rng: random.Random, context: DemoContext) -> None:
        self.lake = lake
        self.rng = rng
        self.context = context
        self.buffer: list[EventRecord] = []
        self.written = 0
        self._midnights: dict[date, datetime] = {}
        self.end = context.history_end

    def at(self, day: date, hours: float) -> datetime:
        """Local ``day`` plus ``hours`` on the clock, in UTC (clamped inside the day)."""
        midnight = self._midnights.get(day)
        if midnight is None:
            midnight = local_time(day, datetime.min.time(), self.context.zone)
            self._midnights[day] = midnight
        return midnight + timedelta(hours=min(max(hours, 0.0), 23.99))

    def emit(
        self,
        event: str,
        distinct_id: str,
        moment: datetime,
        properties: dict[str, Any],
        person_set: dict[str, Any] | None = None,
    ) -> None:
        if moment >= self.end:
            return  # a step planned past the demo's today has not happened yet
        self.buffer.append(
            lake_record(
                f"{self.rng.getrandbits(128):032x}",
                event,
                distinct_id,
                moment,
                properties,
                person_set,
            )
        )
        if len(self.buffer) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        self.written += self.lake.append(self.buffer)
        self.buffer = []


def lake_record(
    bits: str,
    event: str,
    distinct_id: str,
    moment: datetime,
    properties: dict[str, Any],
    person_set: dict[str, Any] | None = None,
) -> EventRecord:
    """The record ``build_record`` makes for a captured event, made without its checks.

    ``moment`` is UTC; ``bits`` (32 hex digits) become the event's version-4 uuid. A test
    holds this equal to :func:`~prodloop.analytics.normalize.build_record`.
    """
    stamp = moment.isoformat()
    groups = properties.get("$groups")
    return {
        "uuid": f"{bits[:8]}-{bits[8:12]}-4{bits[13:16]}-8{bits[17:20]}-{bits[20:32]}",
        "event": event,
        "distinct_id": distinct_id,
        "timestamp": stamp,
        "properties": properties,
        "person_set": person_set or None,
        "person_set_once": None,
        "groups": groups or None,
        "received_at": stamp,
        "sent_at": None,
        "project": "demo",
        "source": "demo",
        "current_url": properties.get("$current_url"),
        "browser": properties.get("$browser"),
        "os": properties.get("$os"),
        "lib": properties.get("$lib"),
        "account_id": None if groups is None else str(groups["account"]),
    }


def _props(device: Device, account: AccountPlan | None, url: str) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "$browser": device.browser,
        "$os": device.os,
        "$device_type": device.device_type,
        "$current_url": url,
        "$lib": "web",
    }
    if account is not None:
        properties["$groups"] = {"account": account.account_id}
    return properties


def write_events(lake: EventLake, context: DemoContext, plan: EventPlan) -> int:
    """Append every planned event to ``lake``; how many were written."""
    writer = _Writer(lake, context.rng("events/stream"), context)
    rng = context.rng("events/sessions")
    for person in plan.people:
        account = plan.accounts[person.account]
        if person.signup is not None:
            _signup(writer, rng, person, account, plan)
        _sessions(writer, rng, person, account, plan)
    owners: dict[int, PersonPlan] = {}
    for person in plan.people:
        owners.setdefault(person.account, person)
    for index, account in enumerate(plan.accounts):
        if account.churn is not None:
            owner = owners.get(index)
            if owner is not None:
                moment = writer.at(account.churn - timedelta(days=1), 11.0)
                url = f"https://app.{account.domain}/settings/billing"
                props = {**_props(owner.device, account, url), "reason": "switched_tool"}
                writer.emit("subscription_cancelled", owner.distinct_id, moment, props)
    _visitors(writer, context.rng("events/visitors"), plan)
    writer.flush()
    return writer.written


def _signup(
    writer: _Writer, rng: random.Random, person: PersonPlan, account: AccountPlan, plan: EventPlan
) -> None:
    assert person.signup is not None
    assert person.anonymous_id is not None
    hours = rng.uniform(8, 20)
    site = f"https://www.{account.domain}"
    for page in rng.sample(SITE_PAGES, rng.randint(1, 3)):
        moment = writer.at(person.signup, hours)
        writer.emit(
            "$pageview", person.anonymous_id, moment, _props(person.device, None, site + page)
        )
        hours += rng.uniform(0.01, 0.1)
    app = f"https://app.{account.domain}"
    moment = writer.at(person.signup, hours)
    identify = {
        **_props(person.device, account, app + "/welcome"),
        "$anon_distinct_id": person.anonymous_id,
    }
    writer.emit("$identify", person.distinct_id, moment, identify, {"email": person.email})
    for step in person.funnel:
        if step == "activated":
            moment += timedelta(hours=rng.uniform(2, 72))
        else:
            moment += timedelta(minutes=rng.uniform(1, 40))
        writer.emit(
            step, person.distinct_id, moment, _props(person.device, account, app + "/welcome")
        )


def _session_days(
    rng: random.Random, person: PersonPlan, account: AccountPlan, plan: EventPlan
) -> Iterator[date]:
    """The days the person comes back: random visits, and every day they adopt a feature."""
    first = person.signup + timedelta(days=1) if person.signup else plan.start
    days = set(person.adoptions.values())
    moment = float((first - plan.start).days)
    rate = person.sessions_per_week / 7
    while True:
        moment += rng.expovariate(rate)
        day = plan.start + timedelta(days=int(moment))
        if day >= person.last:
            break
        if day.weekday() < 5 or rng.random() >= 0.85:
            days.add(day)
    yield from sorted(days)


def _sessions(
    writer: _Writer, rng: random.Random, person: PersonPlan, account: AccountPlan, plan: EventPlan
) -> None:
    app = f"https://app.{account.domain}"
    used: set[str] = set()
    first = True
    for day in _session_days(rng, person, account, plan):
        device = person.device
        if rng.random() < 0.1:
            device = (
                Device("Desktop", "Chrome", "Windows")
                if device.device_type == "Mobile"
                else Device("Mobile", "Mobile Safari", "iOS")
            )
        hours = rng.uniform(8, 19)
        for page in rng.choices(APP_PAGES, k=1 + (rng.random() < 0.5)):
            person_set = {"email": person.email} if first else None
            writer.emit(
                "$pageview",
                person.distinct_id,
                writer.at(day, hours),
                _props(device, account, app + page),
                person_set,
            )
            first = False
            hours += rng.uniform(0.01, 0.2)
        if rng.random() < 0.35:
            writer.emit(
                "record_created",
                person.distinct_id,
                writer.at(day, hours),
                _props(device, account, app + "/records"),
            )
            hours += rng.uniform(0.01, 0.2)
        for feature in plan.features:
            adopted = person.adoptions.get(feature.key)
            if adopted is None or day < adopted:
                continue
            if feature.key in used and rng.random() >= feature.use_chance:
                continue
            used.add(feature.key)
            props = {**_props(device, account, app + "/" + feature.key), **feature.properties}
            writer.emit(feature.event, person.distinct_id, writer.at(day, hours), props)
            hours += rng.uniform(0.01, 0.2)


def _visitors(writer: _Writer, rng: random.Random, plan: EventPlan) -> None:
    days = (plan.end - plan.start).days
    for _ in range(ANONYMOUS_VISITORS):
        visitor = f"anon-{rng.getrandbits(64):016x}"
        device = (
            Device("Mobile", "Mobile Safari", "iOS")
            if rng.random() < 0.4
            else Device("Desktop", "Chrome", "Windows")
        )
        day = plan.start + timedelta(days=rng.randrange(days))
        hours = rng.uniform(0, 23)
        for page in rng.sample(SITE_PAGES, rng.randint(1, 3)):
            writer.emit(
                "$pageview",
                visitor,
                writer.at(day, hours),
                _props(device, None, "https://www.example-saas.com" + page),
            )
            hours += rng.uniform(0.01, 0.2)


# --- planted truths ---------------------------------------------------------------------------


def _conversion(
    people: list[PersonPlan], *, mobile: bool, after: bool, cut: date
) -> dict[str, Any]:
    group = [
        p
        for p in people
        if p.signup is not None
        and (p.device.device_type == "Mobile") == mobile
        and (p.signup >= cut) == after
        and "created_project" in p.funnel
    ]
    invited = sum("invited_teammate" in p.funnel for p in group)
    return {
        "created_project": len(group),
        "invited_teammate": invited,
        "conversion": round(invited / len(group), 4) if group else None,
    }


def planted_truths(plan: EventPlan, written: int) -> dict[str, Any]:
    """What the events step planted, computed from the plan, for the manifest and tests."""
    stalled = next((f for f in plan.features if f.stall), None)
    key = next((f for f in plan.features if f.key_feature), None)
    adopting = [a for a in plan.accounts if a.key_adoption is not None]
    others = [a for a in plan.accounts if a.key_adoption is None]
    cut = plan.mobile_break
    return {
        "event_count": written,
        # one audited creation per mapped usage event (for the manifest's audit count)
        "audit_entries": len(plan.features),
        "people": len(plan.people),
        "sign_ups": sum(p.signup is not None for p in plan.people),
        "anonymous_visitors": ANONYMOUS_VISITORS,
        "window": [plan.start.isoformat(), (plan.end - timedelta(days=1)).isoformat()],
        "account_id": "the ledger account's id, as text",
        "usage_events": {
            f.key: {"event": f.event, "properties": f.properties} for f in plan.features
        },
        "stalled_feature": None
        if stalled is None
        else {
            "key": stalled.key,
            "launch_date": stalled.launch.isoformat(),
            "share": stalled.share,
            "unit": "account",
            "adopting_accounts": len(
                {p.account for p in plan.people if stalled.key in p.adoptions}
            ),
            "stalls_after_days": 21,
        },
        "key_feature": None
        if key is None
        else {
            "key": key.key,
            "launch_date": key.launch.isoformat(),
            "adopting_accounts": len(adopting),
            "churned_adopting_accounts": sum(a.churn is not None for a in adopting),
            "other_accounts": len(others),
            "churned_other_accounts": sum(a.churn is not None for a in others),
        },
        "mobile_funnel_break": {
            "funnel": list(FUNNEL),
            "step": ["created_project", "invited_teammate"],
            "property": "$device_type",
            "value": "Mobile",
            "after": cut.isoformat(),
            "mobile_before": _conversion(plan.people, mobile=True, after=False, cut=cut),
            "mobile_after": _conversion(plan.people, mobile=True, after=True, cut=cut),
            "desktop_before": _conversion(plan.people, mobile=False, after=False, cut=cut),
            "desktop_after": _conversion(plan.people, mobile=False, after=True, cut=cut),
        },
    }
