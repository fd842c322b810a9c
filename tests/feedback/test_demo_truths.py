"""The demo's planted feedback truths, found by prodloop (a scaled-down build, SQLite)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from prodloop.demo import feedback as demo_feedback
from prodloop.demo.context import DemoContext
from prodloop.demo.ledger import build_ledger
from prodloop.feedback.models import FeedbackItem
from prodloop.feedback.requests import list_requests
from prodloop.feedback.understand import theme_summaries
from prodloop.store import make_engine, make_session_factory
from prodloop.store.migrate import upgrade

AS_OF = date(2026, 11, 22)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Session, DemoContext, Any]]:
    """Ledger plus 3,000 feedback items (the full demo has 20,000: same code, same plants)."""
    path: Path = tmp_path_factory.mktemp("demo") / "prodloop.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    session = make_session_factory(engine)()
    context = DemoContext(session=session, seed=42, as_of=AS_OF, time_zone="Europe/Berlin")
    build_ledger(context)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(demo_feedback, "ITEMS", 3_000)
        truths = demo_feedback.build_feedback(context)
    yield session, context, truths
    session.close()
    engine.dispose()


def test_surging_enterprise_complaint_theme(demo: tuple[Session, DemoContext, Any]) -> None:
    session, context, truths = demo
    planted = set(truths["surging_complaint"]["item_ids"])
    assert truths["surging_complaint"]["enterprise_share"] > 0.7
    themes = theme_summaries(session, now=context.history_end)
    members: dict[int, set[int]] = {}
    for item_id, theme_id in session.execute(select(FeedbackItem.id, FeedbackItem.theme_id)):
        if theme_id is not None:
            members.setdefault(theme_id, set()).add(item_id)
    sso = [t for t in themes if len(members[t.id] & planted) > 0.8 * len(members[t.id])]
    assert sso, "no theme is made of the planted SSO complaints"
    assert any(t.surging for t in sso)
    for theme in sso:
        enterprise = theme.arr_by_segment.get("enterprise", 0)
        assert enterprise > 0.5 * theme.arr
    unrelated = [t for t in themes if t not in sso and t.surging]
    assert len(unrelated) < len(themes) / 2


def test_few_requesters_carry_the_most_arr(demo: tuple[Session, DemoContext, Any]) -> None:
    _, _, truths = demo
    few = truths["few_requesters_most_arr"]
    assert few["requesters"] <= 8
    assert few["compared_requesters"] > 10 * few["requesters"]
    assert few["arr_at_stake"] > few["compared_arr_at_stake"]


def test_duplicate_submissions_are_merged(demo: tuple[Session, DemoContext, Any]) -> None:
    session, _, truths = demo
    parent = dict(session.execute(select(FeedbackItem.id, FeedbackItem.duplicate_of_id)).all())

    def root(item_id: int) -> int:
        while parent[item_id] is not None:
            item_id = parent[item_id]
        return item_id

    pairs = truths["duplicates"]
    assert len(pairs) == 45
    found = sum(root(copy) == root(original) for original, copy in pairs)
    assert found / len(pairs) >= 0.95


def test_ops_requests_surface_overdue_and_unowned(demo: tuple[Session, DemoContext, Any]) -> None:
    session, context, truths = demo
    found = list_requests(session, now=context.history_end)
    assert truths["requests"]["overdue_at_history_end"] == sum(r.overdue for r in found) > 0
    assert truths["requests"]["unowned"] == sum(r.unowned for r in found) > 0
    assert [r.overdue for r in found] == sorted((r.overdue for r in found), reverse=True)
