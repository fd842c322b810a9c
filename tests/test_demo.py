"""The demo company: deterministic from its seed, realistic, its planted truths true in the DB."""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from prodloop.demo import (
    BUILT_IN_EXTENSIONS,
    DemoContext,
    DemoError,
    build_demo,
    isolated_demo_extensions,
    register_demo_extension,
    run_order,
    temporary_demo_extension,
    write_manifest,
)
from prodloop.demo.company import PRODUCT_AREAS, TEAMS
from prodloop.demo.extensions import discover_entry_point_extensions
from prodloop.demo.features import CATALOGUE
from prodloop.ledger import service
from prodloop.ledger.models import (
    Account,
    AuditEntry,
    Feature,
    Person,
    ProductArea,
    StageChange,
    Team,
    Workspace,
)
from prodloop.ledger.schemas import KEY_PATTERN, TeamIn
from prodloop.ledger.stages import Stage
from prodloop.store import make_engine, make_session_factory, unit_of_work
from prodloop.store.migrate import upgrade

AS_OF = date(2026, 3, 15)
SEED = 7


@dataclass
class Built:
    """A demo built into its own SQLite file."""

    engine: Engine
    sessions: sessionmaker[Session]
    manifest: dict[str, Any]


SCALE = 0.1


def build_into(url: str, seed: int = SEED) -> Built:
    engine = make_engine(url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    with unit_of_work(sessions) as session:
        # A tenth of the activity: the company is the same, the feedback volume smaller.
        manifest = build_demo(session, seed=seed, as_of=AS_OF, scale=SCALE)
    return Built(engine, sessions, manifest)


def probe(context: DemoContext) -> dict[str, Any]:
    """A stand-in for a later domain: reads the company, draws from its own RNG."""
    rng = context.rng("probe")
    return {
        "draws": [rng.random() for _ in range(3)],
        "accounts_seen": len(context.company.accounts),
        "features_seen": len(context.company.features),
        "window": [context.history_start.isoformat(), context.history_end.isoformat()],
    }


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    """Seed 7, with the probe extension registered for this build only."""
    path = tmp_path_factory.mktemp("demo") / "a.db"
    with temporary_demo_extension("probe", probe):
        built = build_into(f"sqlite:///{path}")
    yield built
    built.engine.dispose()


@pytest.fixture(scope="module")
def twin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    """Seed 7 again, without the probe."""
    built = build_into(f"sqlite:///{tmp_path_factory.mktemp('twin') / 'b.db'}")
    yield built
    built.engine.dispose()


@pytest.fixture
def db(demo: Built) -> Iterator[Session]:
    with demo.sessions() as session:
        yield session


def iso(value: Any) -> Any:
    return value.isoformat() if value is not None else None


def ledger_dump(session: Session) -> dict[str, Any]:
    """Every ledger record in a canonical, comparable form (ids included)."""

    def rows(model: Any, order: Any) -> list[Any]:
        return list(session.execute(select(model).order_by(order)).scalars())

    return {
        "workspace": [(w.name, w.time_zone, w.currency) for w in rows(Workspace, Workspace.id)],
        "teams": [
            (t.id, t.key, t.name, t.description, iso(t.created_at)) for t in rows(Team, Team.id)
        ],
        "people": [
            (p.id, p.email, p.name, p.role, p.team_id, iso(p.created_at))
            for p in rows(Person, Person.id)
        ],
        "areas": [
            (a.id, a.key, a.name, iso(a.created_at)) for a in rows(ProductArea, ProductArea.id)
        ],
        "accounts": [
            (a.id, a.name, a.domain, a.segment, a.plan, a.arr, a.external_ids, iso(a.created_at))
            for a in rows(Account, Account.id)
        ],
        "features": [
            (
                f.id,
                f.key,
                f.title,
                f.description,
                f.product_area_id,
                f.owner_id,
                f.team_id,
                f.stage,
                iso(f.stage_changed_at),
                iso(f.target_date),
                iso(f.launch_date),
                f.tags,
                f.links,
                iso(f.created_at),
            )
            for f in rows(Feature, Feature.id)
        ],
        "stage_changes": [
            (c.feature_id, c.from_stage, c.to_stage, iso(c.changed_at), c.changed_by, c.reason)
            for c in rows(StageChange, StageChange.id)
        ],
        # The workspace service takes no timestamp, so its audit entry is stamped "now".
        "audit": [
            (
                e.action,
                e.entity_type,
                e.entity_id,
                e.actor,
                e.before,
                e.after,
                e.reason,
                None if e.entity_type == "workspace" else iso(e.at),
            )
            for e in rows(AuditEntry, AuditEntry.id)
        ],
    }


def without_probe(manifest: dict[str, Any]) -> dict[str, Any]:
    planted = {name: truths for name, truths in manifest["planted"].items() if name != "probe"}
    extensions = [name for name in manifest["extensions"] if name != "probe"]
    return {**manifest, "planted": planted, "extensions": extensions}


# --- determinism ----------------------------------------------------------------------------


def test_same_seed_and_day_build_the_same_company(demo: Built, twin: Built) -> None:
    with demo.sessions() as first, twin.sessions() as second:
        assert ledger_dump(first) == ledger_dump(second)
    # The probe extension changed nothing but its own entry: its RNG is its own.
    assert without_probe(demo.manifest) == twin.manifest


def test_another_seed_builds_another_company(twin: Built, tmp_path: Path) -> None:
    other = build_into(f"sqlite:///{tmp_path / 'c.db'}", seed=SEED + 1)
    try:
        with twin.sessions() as first, other.sessions() as second:
            before, after = ledger_dump(first), ledger_dump(second)
        assert before["accounts"] != after["accounts"]
        assert before["people"] != after["people"]
        assert before["stage_changes"] != after["stage_changes"]
        assert other.manifest["planted"] != twin.manifest["planted"]
        assert other.manifest["counts"]["accounts"] == twin.manifest["counts"]["accounts"]
    finally:
        other.engine.dispose()


def test_the_same_company_on_every_backend(database_url: str, twin: Built) -> None:
    built = build_into(database_url)
    try:
        with built.sessions() as session, twin.sessions() as reference:
            assert ledger_dump(session) == ledger_dump(reference)
        assert built.manifest == twin.manifest
    finally:
        built.engine.dispose()


def test_rng_is_derived_from_seed_and_name_with_a_stable_hash(db: Session) -> None:
    context = DemoContext(session=db, seed=SEED, as_of=AS_OF, time_zone="America/New_York")
    assert context.rng("probe").random() == context.rng("probe").random()
    assert context.rng("probe").random() != context.rng("events").random()
    other_seed = DemoContext(session=db, seed=SEED + 1, as_of=AS_OF, time_zone="UTC")
    assert context.rng("probe").random() != other_seed.rng("probe").random()
    # A known answer: changing the derivation (say, to the salted hash()) changes every demo.
    assert f"{context.rng('known').random():.12f}" == "0.191602535658"


# --- what the ledger step builds ------------------------------------------------------------


def test_counts_are_those_of_a_mid_sized_saas_company(demo: Built, db: Session) -> None:
    counts = demo.manifest["counts"]
    assert counts["teams"] == 6
    assert counts["people"] == 40
    assert 6 <= counts["product_areas"] <= 8
    assert counts["accounts"] == 2000
    assert 45 <= counts["features"] <= 60
    stages = service.stage_counts(db)
    assert all(count > 0 for count in stages.values()), stages
    assert {s.value: n for s, n in stages.items()} == demo.manifest["planted"]["ledger"][
        "stage_counts"
    ]
    workspace = service.get_workspace(db)
    assert workspace is not None
    assert (workspace.time_zone, workspace.currency) == ("America/New_York", "USD")
    assert demo.manifest["workspace"]["name"] == workspace.name
    assert demo.manifest["as_of"] == AS_OF.isoformat()
    assert demo.manifest["extensions"][0] == "ledger"
    assert "probe" in demo.manifest["extensions"]


def test_every_record_is_audited(demo: Built) -> None:
    counts = demo.manifest["counts"]
    created = 1 + sum(
        counts[name] for name in ("teams", "people", "product_areas", "accounts", "features")
    )
    moves = counts["stage_changes"] - counts["features"]  # the first entry opens the history
    # The delivery step re-dates one feature's target date (audited updates, back-dated).
    planted = demo.manifest["planted"]
    updates = planted["delivery"]["ledger_updates"]
    # Every other extension declares the audited records it added (flags, experiments,
    # usage-event mappings, feedback links…).
    extensions = sum(
        int(section.get("audit_entries", 0))
        for section in planted.values()
        if isinstance(section, dict)
    )
    assert counts["audit_entries"] == created + moves + updates + extensions


def test_people_are_varied_and_each_in_a_team(db: Session) -> None:
    people = list(db.execute(select(Person)).scalars())
    assert len({p.name for p in people}) == len(people)
    assert all(p.email.endswith("@northwind.example") and p.team_id for p in people)
    assert len({p.name.split()[0] for p in people}) == len(people)
    for team in db.execute(select(Team)).scalars():
        roles = [p.role for p in people if p.team_id == team.id]
        assert any("Product Manager" in role for role in roles), team.key
        assert any("Engineering Manager" in role for role in roles), team.key
    assert len({p.role for p in people}) >= 6


def test_accounts_look_like_a_b2b_book_of_business(demo: Built, db: Session) -> None:
    accounts = list(db.execute(select(Account)).scalars())
    assert len({a.name for a in accounts}) == len({a.domain for a in accounts}) == 2000
    share = Counter(a.segment for a in accounts)
    assert share["smb"] / 2000 == pytest.approx(0.70, abs=0.03)
    assert share["mid_market"] / 2000 == pytest.approx(0.22, abs=0.03)
    assert share["enterprise"] / 2000 == pytest.approx(0.08, abs=0.02)
    plans = {
        "smb": {"starter", "growth"},
        "mid_market": {"growth", "business"},
        "enterprise": {"business", "enterprise"},
    }
    bounds = {
        "smb": (1_000, 30_000),
        "mid_market": (30_000, 200_000),
        "enterprise": (150_000, 2_000_000),
    }
    for account in accounts:
        assert account.plan in plans[account.segment]
        low, high = bounds[account.segment]
        assert low <= account.arr <= high
        assert re.fullmatch(r"001[0-9A-Za-z]{15}", account.external_ids["salesforce"])
        assert re.fullmatch(
            r"cus_[0-9A-Za-z]{14}", account.external_ids.get("stripe", "cus_" + "0" * 14)
        )


def test_revenue_is_concentrated_as_planted(demo: Built, db: Session) -> None:
    planted = demo.manifest["planted"]["ledger"]
    arrs = sorted(db.execute(select(Account.arr)).scalars(), reverse=True)
    total = sum(arrs)
    top = sum(arrs[: len(arrs) // 10]) / total
    assert top > 0.5
    assert planted["top_10pct_accounts_arr_share"] == pytest.approx(top, abs=1e-4)
    assert planted["total_arr"] == total
    rows = db.execute(
        select(Account.segment, func.count(), func.sum(Account.arr)).group_by(Account.segment)
    ).all()
    for segment, _count, arr in rows:
        assert planted["segment_arr_share"][segment] == pytest.approx(arr / total, abs=1e-4)
    enterprise = next(row for row in rows if row[0] == "enterprise")
    assert enterprise[2] / total > enterprise[1] / len(arrs)


def test_unowned_and_overdue_features_are_as_planted(demo: Built, db: Session) -> None:
    planted = demo.manifest["planted"]["ledger"]
    unowned = sorted(db.execute(select(Feature.key).where(Feature.owner_id.is_(None))).scalars())
    assert unowned == planted["unowned_features"]
    assert 3 <= len(unowned) <= 4
    overdue = service.overdue_features(db, today=AS_OF)
    assert sorted(f.key for f in overdue) == planted["overdue_features"]
    assert overdue
    for feature in overdue:
        assert feature.target_date is not None
        assert feature.target_date < AS_OF
        assert Stage(feature.stage).order < Stage.BETA.order


def test_stage_histories_are_real_and_inside_the_year(demo: Built, db: Session) -> None:
    window = demo.manifest["planted"]["probe"]["window"]
    start, end = (date.fromisoformat(moment[:10]) for moment in window)
    shipped_before = set(demo.manifest["planted"]["ledger"]["shipped_before_history"])
    for feature in db.execute(select(Feature)).scalars():
        history = feature.stage_history
        assert history[0].from_stage is None
        assert history[0].changed_at == feature.created_at
        for earlier, later in pairwise(history):
            assert later.from_stage == earlier.to_stage
            assert later.changed_at > earlier.changed_at
        assert history[-1].to_stage == feature.stage
        assert history[-1].changed_at == feature.stage_changed_at
        assert all(start <= change.changed_at.date() <= end for change in history)
        reached = {change.to_stage for change in history}
        if reached & {"launched", "adopted"}:
            assert feature.launch_date is not None
            if feature.key in shipped_before:
                assert feature.launch_date < start
            else:
                first = next(c for c in history if c.to_stage in {"launched", "adopted"})
                assert feature.launch_date == first.changed_at.date()
        if feature.stage in {"planned", "building"}:
            assert feature.target_date is not None
        assert feature.links or feature.stage in {"idea", "retired"}


def test_a_retired_feature_was_brought_back_with_a_reason(demo: Built, db: Session) -> None:
    planted = demo.manifest["planted"]["ledger"]
    feature = service.get_feature(db, planted["retired_then_revived"])
    revival = next(c for c in feature.stage_history if c.from_stage == "retired")
    assert revival.reason == planted["revival_reason"]
    assert feature.stage != "retired"


def test_catalogue_is_consistent() -> None:
    keys = [spec.key for spec in CATALOGUE]
    assert len(keys) == len(set(keys))
    assert all(KEY_PATTERN.fullmatch(key) for key in keys)
    assert {spec.area for spec in CATALOGUE} <= {key for key, _, _ in PRODUCT_AREAS}
    assert {spec.team for spec in CATALOGUE} <= {team.key for team in TEAMS}


# --- extensions -----------------------------------------------------------------------------


def test_an_extension_gets_the_company_and_lands_in_the_manifest(demo: Built, db: Session) -> None:
    truths = demo.manifest["planted"]["probe"]
    assert truths["accounts_seen"] == 2000
    assert truths["features_seen"] == demo.manifest["counts"]["features"]
    context = DemoContext(session=db, seed=SEED, as_of=AS_OF, time_zone="America/New_York")
    rng = context.rng("probe")
    assert truths["draws"] == [rng.random() for _ in range(3)]


def names(*only: str) -> list[str]:
    """Names of the extensions in run order, narrowed to ``only`` when given."""
    return [ext.name for ext in run_order() if not only or ext.name in only]


def test_registrations_do_not_leak(demo: Built) -> None:
    assert "probe" in demo.manifest["extensions"]
    assert "probe" not in names()
    assert set(BUILT_IN_EXTENSIONS) <= set(names())


def test_run_order_follows_after_then_registration() -> None:
    def nothing(_context: DemoContext) -> dict[str, Any]:
        return {}

    before = names()
    with isolated_demo_extensions():
        register_demo_extension("t-launches", nothing, after=("t-experiments",))
        register_demo_extension("t-experiments", nothing)
        register_demo_extension("t-feedback", nothing)
        ours = names("ledger", "t-launches", "t-experiments", "t-feedback")
        assert ours == ["ledger", "t-experiments", "t-launches", "t-feedback"]
        with pytest.raises(DemoError, match="already registered"):
            register_demo_extension("t-feedback", nothing)
        with pytest.raises(DemoError, match="already registered"):
            register_demo_extension("ledger", nothing)
        register_demo_extension("orphan", nothing, after=("nowhere",))
        with pytest.raises(DemoError, match="'nowhere', which is not registered"):
            run_order()
    with isolated_demo_extensions():
        register_demo_extension("t-a", nothing, after=("t-b",))
        register_demo_extension("t-b", nothing, after=("t-a",))
        with pytest.raises(DemoError, match="cycle"):
            run_order()
    assert names() == before


def test_extensions_are_discovered_from_entry_points(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "demo_probe_plugin.py").write_text(
        "def build(context):\n    return {'hello': 'world'}\n\nbuild.demo_after = ('extra',)\n"
    )
    info = tmp_path / "demo_probe_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: demo-probe-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[prodloop.demo]\nprobe = demo_probe_plugin:build\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    before = names()
    try:
        with isolated_demo_extensions():
            register_demo_extension("extra", lambda _context: {})
            discover_entry_point_extensions()
            discover_entry_point_extensions()  # idempotent
            assert names("ledger", "extra", "probe") == ["ledger", "extra", "probe"]
            probe_extension = next(ext for ext in run_order() if ext.name == "probe")
            assert probe_extension.after == ("extra",)
            assert probe_extension.build(None) == {"hello": "world"}  # type: ignore[arg-type]
        assert names() == before
    finally:
        sys.modules.pop("demo_probe_plugin", None)


# --- refusing and writing -------------------------------------------------------------------


def test_build_refuses_a_store_that_holds_a_workspace(demo: Built) -> None:
    with demo.sessions() as session:
        with pytest.raises(DemoError, match="Northwind Cloud"):
            build_demo(session, seed=SEED, as_of=AS_OF)
        assert session.execute(select(func.count()).select_from(Account)).scalar_one() == 2000


def test_build_refuses_a_store_with_records_but_no_workspace(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    upgrade(engine)
    try:
        with make_session_factory(engine)() as session:
            service.create_team(session, TeamIn(key="ops", name="Ops"), actor="a@b.example")
            with pytest.raises(DemoError, match="empty store"):
                build_demo(session, seed=SEED, as_of=AS_OF)
    finally:
        engine.dispose()


def test_manifest_is_written_as_sorted_json(demo: Built, tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    write_manifest(demo.manifest, path)
    text = path.read_text(encoding="utf-8")
    assert json.loads(text) == demo.manifest
    assert text == json.dumps(demo.manifest, sort_keys=True, indent=2) + "\n"
    assert set(demo.manifest) == {"seed", "as_of", "workspace", "counts", "planted", "extensions"}
