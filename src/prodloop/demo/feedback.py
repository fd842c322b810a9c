"""The demo's feedback: a year of customer signal from every channel, with planted truths.

About 20,000 items arrive through the real import layouts (Zendesk tickets, Intercom
conversations, App Store and Google Play reviews, NPS answers, sales notes, the web form).
Planted, and written to the manifest so tests can check that prodloop finds them:

* a complaint theme (SSO login failures) concentrated in enterprise accounts, surging in
  the last month;
* a request (EU data residency) from a handful of people whose accounts carry more ARR
  than a popular request (dark mode) asked for by hundreds;
* duplicate submissions (the same person sending the same message again).
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select

from prodloop.demo.context import DemoContext
from prodloop.demo.feedback_text import compose, resubmission
from prodloop.demo.feedback_topics import TOPICS, Topic
from prodloop.demo.names import PERSON_NAMES
from prodloop.feedback import understand
from prodloop.feedback.demand import demand_profile
from prodloop.feedback.ingest.importer import import_rows
from prodloop.feedback.ingest.layouts import LAYOUTS
from prodloop.feedback.models import FeatureLink, FeedbackItem
from prodloop.feedback.requests import (
    Impact,
    OpsRequestIn,
    OpsTeam,
    Urgency,
    list_requests,
    new_request,
)
from prodloop.feedback.understanding import HashingEmbedder
from prodloop.ledger.models import Account
from prodloop.store.base import utcnow

ITEMS = 20_000
SURGE_TOPIC = "sso-login-failures"
SURGE_DAYS = 30
SURGE_SHARE = 0.026  # extra SSO complaints in the last month: a clear spike over the steady flow
FEW_BIG = "eu-residency"
POPULAR = "dark-theme"
DUPLICATE_SHARE = 0.015
LINKED_SHARE = 0.65
ACTOR = "demo@prodloop.dev"
MOBILE_TOPICS = {"offline-sync-bug", "push-delays", "app-crash", "tablet-layout", "dark-theme"}


def item_count(context: DemoContext) -> int:
    """How many feedback items this build writes: :data:`ITEMS` times the demo's scale."""
    return max(500, round(ITEMS * context.scale))


def build_feedback(context: DemoContext) -> dict[str, Any]:
    """Build the feedback part of the demo and return its planted truths."""
    rng = context.rng("feedback/items")
    company = context.company
    context.progress("feedback: writing a year of customer feedback")
    people = _people(context)
    drafts = _drafts(context, rng, people)
    duplicates = _resubmissions(
        drafts, context.rng("feedback/duplicates"), round(item_count(context) * DUPLICATE_SHARE)
    )
    drafts.extend(d for _, d in duplicates)
    by_source: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for number, draft in enumerate(drafts, start=1):
        by_source.setdefault(draft["source"], []).append((number, draft["record"]))
    context.progress("feedback: importing the exports")
    created: list[int] = []
    for source, rows in sorted(by_source.items()):
        created += import_rows(context.session, rows, LAYOUTS[source]).item_ids
    context.progress("feedback: embedding, classifying and de-duplicating")
    embedder = HashingEmbedder()
    understand.after_ingest(context.session, created, embedder=embedder, suggest=False)
    context.progress("feedback: themes")
    understand.rebuild_themes(context.session, embedder=embedder)
    ids = dict(
        context.session.execute(
            select(FeedbackItem.external_id, FeedbackItem.id).where(
                FeedbackItem.source.in_(list(by_source))
            )
        ).all()
    )
    _confirm_links(context, drafts, ids)
    requests = _ops_requests(context)
    few = demand_profile(context.session, company.feature("eu-data-residency"))
    popular = demand_profile(context.session, company.feature("dark-mode"))
    surge_keys = [d["external_id"] for d in drafts if d["topic"] == SURGE_TOPIC]
    return {
        "items": len(drafts),
        "channels": dict(sorted(Counter(d["source"] for d in drafts).items())),
        "surging_complaint": {
            "topic": SURGE_TOPIC,
            "feature": "saml-sso",
            "items": len(surge_keys),
            "last_30_days": sum(1 for d in drafts if d["topic"] == SURGE_TOPIC and d["recent"]),
            "enterprise_share": round(
                sum(1 for d in drafts if d["topic"] == SURGE_TOPIC and d["segment"] == "enterprise")
                / len(surge_keys),
                3,
            ),
            "item_ids": sorted(ids[k] for k in surge_keys),
        },
        "few_requesters_most_arr": {
            "feature": "eu-data-residency",
            "requesters": len(few.requesters),
            "arr_at_stake": few.arr_at_stake,
            "compared_with": "dark-mode",
            "compared_requesters": len(popular.requesters),
            "compared_arr_at_stake": popular.arr_at_stake,
        },
        "duplicates": [
            [ids[original["external_id"]], ids[copy["external_id"]]]
            for original, copy in duplicates
        ],
        "requests": requests,
    }


def _people(context: DemoContext) -> dict[int, list[tuple[str, str]]]:
    """A few contacts per account: (name, email at the account's domain)."""
    rng = context.rng("feedback/people")
    groups = list(PERSON_NAMES.values())
    people: dict[int, list[tuple[str, str]]] = {}
    for account in context.company.accounts:
        count = {"enterprise": 12, "mid_market": 6}.get(account.segment, 3)
        contacts = []
        for _ in range(count):
            given, family = groups[rng.randrange(len(groups))]
            first, last = rng.choice(given), rng.choice(family)
            local = _ascii(f"{first}.{last}".lower())
            contacts.append((f"{first} {last}", f"{local}@{account.domain or 'example.com'}"))
        people[account.id] = contacts
    return people


def _ascii(text: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _when(context: DemoContext, rng: random.Random, *, recent: bool) -> datetime:
    start, end = context.history_start, context.history_end
    if recent:
        start = end - timedelta(days=SURGE_DAYS)
    else:  # steady volume, growing a little through the year
        span = (end - start).total_seconds()
        return start + timedelta(seconds=span * (rng.random() ** 0.85))
    return start + timedelta(seconds=(end - start).total_seconds() * rng.random())


def _drafts(
    context: DemoContext, rng: random.Random, people: dict[int, list[tuple[str, str]]]
) -> list[dict[str, Any]]:
    accounts = context.company.accounts
    by_segment: dict[str, list[Account]] = {}
    for customer in accounts:
        by_segment.setdefault(customer.segment, []).append(customer)
    for members in by_segment.values():
        members.sort(key=lambda a: a.id)
    biggest = sorted(by_segment["enterprise"], key=lambda a: (-a.arr, a.id))[:4]
    pools = {
        topic.key: {
            segment: rng.sample(members, max(1, len(members) // 3))
            for segment, members in by_segment.items()
        }
        for topic in TOPICS
    }
    items = item_count(context)
    surge_extra = round(items * SURGE_SHARE)
    steady = [t for t in TOPICS if t.key != FEW_BIG]
    weights = [t.weight for t in steady]
    plan: list[tuple[Topic, bool]] = [
        (topic, False) for topic in rng.choices(steady, weights=weights, k=items - surge_extra - 12)
    ]
    surge = next(t for t in TOPICS if t.key == SURGE_TOPIC)
    plan += [(surge, True)] * surge_extra
    few_big = next(t for t in TOPICS if t.key == FEW_BIG)
    drafts = []
    for number, (topic, recent) in enumerate(plan, start=1):
        segment = rng.choices(list(topic.segments), weights=list(topic.segments.values()))[0]
        account: Account | None = (
            rng.choice(pools[topic.key][segment]) if segment in by_segment else None
        )
        drafts.append(
            _draft(context, rng, topic, number, account, people, recent=recent, segment=segment)
        )
    for index in range(12):  # a handful of people at the four largest accounts
        drafts.append(
            _draft(
                context,
                rng,
                few_big,
                len(drafts) + 1,
                biggest[index % 4],
                people,
                recent=False,
                segment="enterprise",
                person=index % 2,
                source="salesnotes" if index % 3 else "zendesk",
            )
        )
    return drafts


def _source_for(topic: Topic, segment: str, rng: random.Random) -> str:
    if topic.key in MOBILE_TOPICS and rng.random() < 0.55:
        return rng.choice(("appstore", "googleplay"))
    weights = {
        "zendesk": 0.38,
        "intercom": 0.22,
        "nps": 0.16,
        "form": 0.1,
        "appstore": 0.04,
        "googleplay": 0.04,
        "salesnotes": 0.06,
    }
    if segment == "enterprise":
        weights |= {"salesnotes": 0.25, "appstore": 0.01, "googleplay": 0.01, "form": 0.03}
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _rating(topic: Topic, source: str, rng: random.Random) -> int | None:
    if source == "nps":
        low, high = {"praise": (9, 10), "request": (6, 8), "question": (6, 9)}.get(
            topic.kind, (0, 6)
        )
        return rng.randint(low, high)
    if source in {"appstore", "googleplay"}:
        low, high = {"praise": (4, 5), "request": (3, 4), "question": (3, 4)}.get(
            topic.kind, (1, 2)
        )
        return rng.randint(low, high)
    return None


def _draft(
    context: DemoContext,
    rng: random.Random,
    topic: Topic,
    number: int,
    account: Account | None,
    people: dict[int, list[tuple[str, str]]],
    *,
    recent: bool,
    segment: str,
    person: int | None = None,
    source: str | None = None,
) -> dict[str, Any]:
    source = source or _source_for(topic, segment, rng)
    when = _when(context, rng, recent=recent)
    text = compose(topic, rng)
    contacts = people.get(account.id, []) if account is not None else []
    name, email = (
        contacts[person % len(contacts)]
        if person is not None and contacts
        else rng.choice(contacts)
        if contacts
        else ("", "")
    )
    rating = _rating(topic, source, rng)
    external_id, record = _record(source, number, text, name, email, account, when, rating, rng)
    return {
        "source": source,
        "record": record,
        "external_id": external_id,
        "topic": topic.key,
        "feature": topic.feature,
        "segment": segment if account is not None else None,
        "recent": recent,
        "text": text,
        "name": name,
        "email": email,
        "account": account,
        "when": when,
        "rating": rating,
    }


def _record(
    source: str,
    number: int,
    text: str,
    name: str,
    email: str,
    account: Account | None,
    when: datetime,
    rating: int | None,
    rng: random.Random,
) -> tuple[str, dict[str, Any]]:
    """The row as the tool's own export lays it out, and the id the import will key it by."""
    org = account.name if account is not None else ""
    if source == "zendesk":
        key = str(100_000 + number)
        subject = text.split(".")[0][:80]
        return key, {
            "Id": key,
            "Subject": subject,
            "Description": text,
            "Requester": name,
            "Requester email": email,
            "Organization": org,
            "Created at": when.strftime("%Y-%m-%d %H:%M:%S +0000"),
            "Priority": rng.choice(("Low", "Normal", "Normal", "High")),
            "Status": "Solved",
            "Tags": "",
            "Via": rng.choice(("Mail", "Web form", "Chat")),
        }
    if source == "intercom":
        key = str(215_000_000 + number)
        return key, {
            "id": key,
            "created_at": int(when.timestamp()),
            "state": "closed",
            "source": {"body": f"<p>{text}</p>", "author": {"name": name, "email": email}},
            "tags": {"tags": []},
        }
    if source == "appstore":
        key = f"00000061-3b4d-0001-0000-{number:012d}"
        nickname = name.split(" ")[0].lower() + str(rng.randint(1, 99)) if name else "user"
        return key, {
            "id": key,
            "rating": rating,
            "title": text.split(".")[0][:40],
            "body": text,
            "reviewerNickname": nickname,
            "createdDate": when.isoformat(),
            "territory": rng.choice(("USA", "GBR", "DEU", "FRA", "AUS", "CAN")),
        }
    if source == "googleplay":
        key = f"https://play.google.com/console/developers/app/reviews?reviewId=gp:demo{number}"
        return key, {
            "Review Link": key,
            "Review Text": text,
            "Star Rating": str(rating),
            "Review Submit Date and Time": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Device": rng.choice(("a52q", "starqlte", "panther", "oriole")),
            "App Version Name": rng.choice(("4.10.2", "4.11.0", "4.12.1")),
            "Reviewer Language": "en",
        }
    if source == "nps":
        key = f"r_{number}"
        return key, {
            "Response ID": key,
            "Email": email,
            "Name": name,
            "Score": str(rating),
            "Comment": text,
            "Response Timestamp": when.strftime("%Y-%m-%d %H:%M:%S"),
            "Company": org,
        }
    if source == "salesnotes":
        key = f"n-{number}"
        return key, {
            "Note ID": key,
            "Account Name": org,
            "Contact Email": email,
            "Contact Name": name,
            "Owner": "Account Executive",
            "Created Date": when.strftime("%Y-%m-%d %H:%M"),
            "Note": text,
        }
    key = f"form-{number}"  # the embeddable web form, exported as NDJSON
    return key, {
        "id": key,
        "text": text,
        "author_name": name,
        "author_email": email,
        "received_at": when.isoformat(),
        "channel": "form",
        "account": org or None,
    }


def _resubmissions(
    drafts: list[dict[str, Any]], rng: random.Random, count: int
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Some people send the same message again a day or two later."""
    eligible = [d for d in drafts if d["source"] in {"zendesk", "form"} and d["email"]]
    pairs = []
    for index, original in enumerate(rng.sample(eligible, count)):
        when = original["when"] + timedelta(hours=rng.randint(2, 60))
        text = resubmission(original["text"], rng)
        number = 900_000 + index
        external_id, record = _record(
            original["source"],
            number,
            text,
            original["name"],
            original["email"],
            original["account"],
            when,
            original["rating"],
            rng,
        )
        copy = {
            **original,
            "external_id": external_id,
            "record": record,
            "text": text,
            "when": when,
        }
        pairs.append((original, copy))
    return pairs


def _confirm_links(context: DemoContext, drafts: list[dict[str, Any]], ids: dict[str, int]) -> None:
    """The product team has confirmed most items' features (the rest wait in the inbox)."""
    rng = context.rng("feedback/links")
    features = {f.key: f.id for f in context.company.features}
    originals = dict(
        context.session.execute(select(FeedbackItem.id, FeedbackItem.duplicate_of_id)).all()
    )
    now = utcnow()
    rows = []
    seen: set[int] = set()
    for draft in drafts:
        item_id = ids[draft["external_id"]]
        if originals.get(item_id) is not None or item_id in seen:
            continue  # duplicates count through their original
        if draft["topic"] != FEW_BIG and rng.random() > LINKED_SHARE:
            continue
        seen.add(item_id)
        rows.append(
            {
                "item_id": item_id,
                "theme_id": None,
                "feature_id": features[draft["feature"]],
                "status": "confirmed",
                "score": 1.0,
                "reason": "confirmed by the product team",
                "decided_by": ACTOR,
                "decided_at": now,
                "created_at": now,
            }
        )
    context.session.execute(insert(FeatureLink), rows)


REQUESTS = (
    ("support", "Refund flow fails for annual plans", Urgency.CRITICAL, Impact.HIGH),
    ("support", "Bulk-reassign tickets when an agent leaves", Urgency.MEDIUM, Impact.MEDIUM),
    ("sales", "Security questionnaire answers for SSO and SCIM", Urgency.HIGH, Impact.HIGH),
    ("sales", "Demo workspace reset before each prospect call", Urgency.LOW, Impact.LOW),
    ("marketplace_ops", "Partner listing shows the old pricing", Urgency.HIGH, Impact.MEDIUM),
    ("marketplace_ops", "Payout report export for partners", Urgency.MEDIUM, Impact.MEDIUM),
    ("success", "Usage report per workspace for QBRs", Urgency.MEDIUM, Impact.HIGH),
    ("support", "Macro to explain offline sync limits", Urgency.LOW, Impact.LOW),
)


def _ops_requests(context: DemoContext) -> dict[str, Any]:
    """Ops requests over the last weeks: some overdue, some nobody owns."""
    rng = context.rng("feedback/requests")
    owners = [p.email for p in context.company.people if "Product" in p.role] or [
        p.email for p in context.company.people
    ]
    end = context.history_end
    for index in range(48):
        team, title, urgency, impact = REQUESTS[index % len(REQUESTS)]
        at = end - timedelta(hours=rng.randint(4, 24 * 40))
        data = OpsRequestIn(
            title=f"{title} ({index + 1})" if index >= len(REQUESTS) else title,
            team=OpsTeam(team),
            requested_by=f"{team}.lead@{context.company.domain or 'example.com'}",
            urgency=urgency,
            impact=impact,
            owner=rng.choice(owners) if rng.random() < 0.7 else None,
        )
        # Imported history, like the exports above: not changes made in prodloop, so unaudited
        # (the ledger's audit trail stays exactly the ledger's).
        context.session.add(new_request(context.session, data, at=at))
    found = list_requests(context.session, now=end)
    return {
        "open": len(found),
        "overdue_at_history_end": sum(r.overdue for r in found),
        "unowned": sum(r.unowned for r in found),
    }
