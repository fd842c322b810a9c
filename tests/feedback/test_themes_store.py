"""Themes in the app store: stable ids across rebuilds, curation by people, new items joining."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from prodloop.feedback import service, themes_store, understand
from prodloop.feedback.models import FeatureLink, FeedbackItem, FeedbackTheme
from prodloop.feedback.schemas import FeedbackIn
from prodloop.feedback.understanding import HashingEmbedder
from prodloop.ledger import service as ledger
from prodloop.ledger.schemas import FeatureIn

EMBEDDER = HashingEmbedder()
SSO = [
    "SSO login with Okta fails every morning",
    "our Okta SSO login keeps failing",
    "single sign-on via Okta is failing again",
    "Okta SSO login fails for the whole team",
    "SSO login failing with Okta since Monday",
    "login through Okta SSO fails with an error",
]
EXPORT = [
    "CSV export of large tables times out",
    "exporting a big table to CSV times out",
    "the CSV export times out on large reports",
    "large CSV export keeps timing out",
    "CSV export times out for big tables",
    "big table CSV exports time out every time",
]


def _ingest(db: Session, texts: list[str], prefix: str) -> list[int]:
    items = [
        FeedbackIn(text=t, external_id=f"{prefix}{n}", author_email=f"u{n}{prefix}@x.com")
        for n, t in enumerate(texts)
    ]
    ids = service.submit_items(db, items, source="api").item_ids
    understand.after_ingest(db, ids, embedder=EMBEDDER, suggest=False)
    return ids


def _theme_of(db: Session, item_id: int) -> int | None:
    return db.scalar(select(FeedbackItem.theme_id).where(FeedbackItem.id == item_id))


def test_curated_theme_keeps_its_id_and_name_and_new_items_join(db: Session) -> None:
    sso_ids = _ingest(db, SSO, "s")
    export_ids = _ingest(db, EXPORT, "e")
    understand.rebuild_themes(db, embedder=EMBEDDER)
    sso_theme = _theme_of(db, sso_ids[0])
    assert sso_theme is not None
    assert _theme_of(db, export_ids[0]) not in {None, sso_theme}
    theme = themes_store.get_theme(db, sso_theme)
    themes_store.rename_theme(db, theme, "Okta SSO failures")
    understand.rebuild_themes(db, embedder=EMBEDDER)
    assert _theme_of(db, sso_ids[0]) == sso_theme
    assert themes_store.get_theme(db, sso_theme).label == "Okta SSO failures"
    (late,) = _ingest(db, ["Okta SSO login failing again today for everyone"], "late")
    item = db.get(FeedbackItem, late)
    assert item is not None
    assert item.duplicate_of_id is not None or _theme_of(db, late) == sso_theme


def test_merge_moves_links_and_members(db: Session) -> None:
    sso_ids = _ingest(db, SSO, "s")
    export_ids = _ingest(db, EXPORT, "e")
    understand.rebuild_themes(db, embedder=EMBEDDER)
    into = themes_store.get_theme(db, _theme_of(db, sso_ids[0]) or 0)
    other = themes_store.get_theme(db, _theme_of(db, export_ids[0]) or 0)
    feature = ledger.create_feature(db, FeatureIn(key="csv", title="CSV export"), actor="pm")
    service.decide_link(db, feature=feature, confirm=True, actor="pm", theme_id=other.id)
    themes_store.merge_themes(db, [other], into)
    assert _theme_of(db, export_ids[0]) == into.id
    links = db.scalars(select(FeatureLink).where(FeatureLink.feature_id == feature.id)).all()
    assert [link.theme_id for link in links] == [into.id]
    assert db.get(FeedbackTheme, other.id) is None or other.merged_into_id == into.id
