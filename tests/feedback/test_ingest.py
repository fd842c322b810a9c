"""Ingestion from every channel: real export layouts, idempotence, malformed rows, accounts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from prodloop.feedback import service
from prodloop.feedback.ingest.importer import ImportRejected
from prodloop.feedback.ingest.values import parse_rating, parse_time, plain_text
from prodloop.feedback.models import FeedbackItem
from prodloop.feedback.schemas import FeedbackIn
from tests.feedback.helpers import DATA, add_accounts


def _items(db: Session, source: str) -> list[FeedbackItem]:
    return list(
        db.scalars(select(FeedbackItem).where(FeedbackItem.source == source).order_by("id"))
    )


def test_zendesk_csv_export(db: Session) -> None:
    accounts = add_accounts(db)
    summary = service.import_file(db, DATA / "zendesk_tickets.csv", source="zendesk")
    assert (summary.rows, summary.created, summary.matched_accounts) == (3, 3, 2)
    sso, audit, dark = _items(db, "zendesk")
    assert sso.external_id == "4101"
    assert sso.channel == "support"
    assert sso.title == "SSO login loop with Okta"
    assert sso.text.startswith("Since this morning our users get stuck")
    assert sso.author_email == "maria.lopez@northwind.com"
    assert sso.account_id == accounts["Northwind Traders"].id  # by organization name
    assert sso.received_at == datetime(2026, 3, 2, 9, 14, 5, tzinfo=UTC)
    assert sso.tags == ["sso", "okta", "login"]
    assert sso.meta["Priority"] == "High"
    assert sso.rating is None  # "Offered" is not a score
    assert audit.account_id == accounts["Globex"].id  # by the requester's email domain
    assert audit.rating == 5.0  # "Good"
    assert dark.account_id is None  # gmail says nothing about the company


def test_intercom_api_json(db: Session) -> None:
    accounts = add_accounts(db)
    service.import_file(db, DATA / "intercom_conversations.json", source="intercom")
    billing, sso = _items(db, "intercom")
    assert billing.channel == "chat"
    assert billing.text == (
        "Hi! We'd love to be billed on usage rather than per seat.\n"
        "Our volumes swing a lot month to month."
    )
    assert billing.tags == ["billing", "pricing"]
    assert billing.rating == 4
    assert billing.received_at == datetime.fromtimestamp(1772443200, UTC)
    assert billing.account_id == accounts["Globex"].id
    assert sso.text == "Does SSO work with Azure AD & SCIM provisioning?"
    assert sso.account_id == accounts["Initech"].id


def test_app_store_and_google_play_reviews(db: Session) -> None:
    service.import_file(db, DATA / "appstore_reviews.json", source="appstore")
    crash, _ = _items(db, "appstore")
    assert (crash.title, crash.rating, crash.channel) == ("Crashes on export", 2, "app_store")
    assert crash.received_at == datetime(2026, 3, 1, 15, 12, 44, tzinfo=UTC)
    assert crash.meta == {"territory": "USA"}
    summary = service.import_file(db, DATA / "googleplay_reviews_202603.csv", source="googleplay")
    assert summary.created == 2  # a UTF-16 file, as Play Console writes it
    logout, dark = _items(db, "googleplay")
    assert logout.rating == 1
    assert logout.text == "Keeps logging me out, sso is broken on android"
    assert logout.external_id.endswith("reviewId=gp:AOqpTOE1")
    assert dark.meta["Reviewer Language"] == "de"


def test_nps_and_sales_notes(db: Session) -> None:
    accounts = add_accounts(db)
    service.import_file(db, DATA / "nps_responses.csv", source="nps")
    detractor, promoter, silent = _items(db, "nps")
    assert (detractor.rating, detractor.channel) == (3, "survey")
    assert detractor.account_id == accounts["Northwind Traders"].id
    assert promoter.account_id == accounts["Initech"].id
    assert (silent.rating, silent.text) == (7, "")  # a score without a comment still counts
    service.import_file(db, DATA / "sales_notes.csv", source="salesnotes")
    renewal, scim = _items(db, "salesnotes")
    assert renewal.channel == "sales"
    assert renewal.account_id == accounts["Globex"].id
    assert scim.account_id == accounts["Initech"].id  # "Initech Inc." matches "Initech"
    assert renewal.meta == {
        "Opportunity": "Globex renewal 2026",
        "Stage": "Negotiation",
        "Owner": "Rita Sales",
    }


def test_generic_ndjson_with_column_mapping(db: Session) -> None:
    accounts = add_accounts(db)
    service.import_file(db, DATA / "generic.ndjson", source="ndjson")
    schedule, excel = _items(db, "ndjson")
    assert schedule.channel == "community"
    assert schedule.account_id == accounts["Northwind Traders"].id
    assert excel.account_id == accounts["Initech"].id
    assert excel.received_at == datetime(2026, 3, 11, 10, 0, tzinfo=UTC)
    remapped = service.import_text(
        db,
        "Ticket,Body,When\nT-1,Needs a Slack integration,2026-01-02\n",
        source="csv",
        fmt="csv",
        overrides={"external_id": "Ticket", "text": "Body", "received_at": "When"},
    )
    assert remapped.created == 1


@pytest.mark.parametrize(
    ("source", "name"),
    [
        ("zendesk", "zendesk_tickets.csv"),
        ("intercom", "intercom_conversations.json"),
        ("googleplay", "googleplay_reviews_202603.csv"),
        ("nps", "nps_responses.csv"),
    ],
)
def test_reimporting_never_duplicates(db: Session, source: str, name: str) -> None:
    first = service.import_file(db, DATA / name, source=source)
    again = service.import_file(db, DATA / name, source=source)
    assert again.created == 0
    assert again.already_imported == first.created
    count = db.scalar(select(func.count()).select_from(FeedbackItem))
    assert count == first.created


def test_malformed_rows_are_reported_and_nothing_is_written(db: Session) -> None:
    with pytest.raises(ImportRejected) as rejected:
        service.import_file(db, DATA / "zendesk_malformed.csv", source="zendesk")
    found = [(p.row, p.field) for p in rejected.value.problems]
    assert found == [(3, "received_at"), (4, "rating"), (5, "text")]
    assert "row 3: received_at" in str(rejected.value)
    assert db.scalar(select(func.count()).select_from(FeedbackItem)) == 0


def test_bad_json_lines_are_reported_by_line() -> None:
    from prodloop.feedback.ingest.files import read_rows

    rows = list(read_rows('{"text": "ok"}\nnot json\n[1]\n', "ndjson"))
    assert [row for row, _ in rows] == [1, 2, 3]
    assert "__invalid__" in rows[1][1]
    assert "__invalid__" in rows[2][1]


def test_unknown_source_and_field_are_refused() -> None:
    from prodloop.feedback.ingest.layouts import layout_for

    with pytest.raises(ValueError, match="unknown feedback source 'hubspot'"):
        layout_for("hubspot")
    with pytest.raises(ValueError, match="unknown field 'body'"):
        layout_for("csv", {"body": "Text"})


def test_submitted_items_are_idempotent_by_external_id(db: Session) -> None:
    accounts = add_accounts(db)
    item = FeedbackIn(text="Please add SAML", author_email="x@globex.io", external_id="api-1")
    assert service.submit_items(db, [item], source="api").created == 1
    assert service.submit_items(db, [item], source="api").created == 0
    (stored,) = _items(db, "api")
    assert stored.account_id == accounts["Globex"].id


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-03-02 09:14:05 +0000", datetime(2026, 3, 2, 9, 14, 5, tzinfo=UTC)),
        ("2026-03-02T10:14:05+01:00", datetime(2026, 3, 2, 9, 14, 5, tzinfo=UTC)),
        ("2026-03-02T09:14:05Z", datetime(2026, 3, 2, 9, 14, 5, tzinfo=UTC)),
        (1772443200, datetime(2026, 3, 2, 9, 20, tzinfo=UTC)),
        ("1772443200000", datetime(2026, 3, 2, 9, 20, tzinfo=UTC)),
        ("2026-03-02", datetime(2026, 3, 2, tzinfo=UTC)),
    ],
)
def test_time_formats(raw: object, expected: datetime) -> None:
    assert parse_time(raw) == expected


def test_ratings_and_html() -> None:
    assert parse_rating("9", (0, 10)) == 9
    with pytest.raises(ValueError, match="outside 1-5"):
        parse_rating(6, (1, 5))
    assert plain_text("<p>a &amp; b</p><p>c</p>") == "a & b\nc"
