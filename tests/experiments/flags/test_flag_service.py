"""Flags and namespaces in the app store, on SQLite and PostgreSQL: CRUD, the audit log, and
the rules the service enforces."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from prodloop.experiments.flags import (
    FlagConfig,
    FlagIn,
    FlagUpdate,
    NamespaceIn,
    NamespaceUpdate,
)
from prodloop.experiments.flags import service as flags
from prodloop.ledger import service as ledger
from prodloop.ledger.errors import ConflictError, NotFoundError, RuleError
from prodloop.ledger.schemas import FeatureIn
from prodloop.store import unit_of_work

ACTOR = "pm@example.com"
TWO = [{"key": "control", "weight": 0.5}, {"key": "treatment", "weight": 0.5}]


@pytest.fixture
def features(db: Session) -> Session:
    """Three ledger features and a namespace."""
    for key in ("checkout", "sso", "dark-mode"):
        ledger.create_feature(db, FeatureIn(key=key, title=key.title()), actor=ACTOR)
    flags.create_namespace(db, NamespaceIn(name="pricing", description="Price tests"), actor=ACTOR)
    return db


def flag_in(key: str = "checkout", **fields: Any) -> FlagIn:
    return FlagIn.model_validate({"key": key, **fields})


def audit(db: Session, entity_type: str) -> list[tuple[str, dict[str, Any] | None]]:
    entries = ledger.audit_trail(db, entity_type=entity_type).items
    return [(entry.action, entry.after) for entry in reversed(entries)]


def test_create_read_update_delete_with_audit(features: Session) -> None:
    db = features
    created = flags.create_flag(
        db,
        flag_in(enabled=True, coverage=0.1, variants=TWO, description="New checkout"),
        actor=ACTOR,
    )
    assert created.key == "checkout"
    assert flags.get_flag(db, "checkout").id == created.id
    out = flags.describe_flag(created)
    assert (out.key, out.enabled, out.coverage, out.salt) == ("checkout", True, 0.1, "checkout")
    assert [v.key for v in out.variants] == ["control", "treatment"]

    flags.update_flag(db, created, FlagUpdate(coverage=0.5, reason="ramp up"), actor=ACTOR)
    assert flags.get_flag(db, "checkout").coverage == 0.5

    flags.delete_flag(db, created, actor=ACTOR, reason="shipped")
    with pytest.raises(NotFoundError) as missing:
        flags.get_flag(db, "checkout")
    assert missing.value.field == "flag"

    trail = audit(db, "feature_flag")
    assert [action for action, _ in trail] == ["create", "update", "delete"]
    assert trail[0][1] is not None
    assert trail[0][1]["coverage"] == 0.1
    assert trail[1][1] == {"coverage": 0.5}
    entries = ledger.audit_trail(db, entity_type="feature_flag").items
    assert entries[1].reason == "ramp up"
    assert entries[1].before == {"coverage": 0.1}
    assert entries[0].entity_label == "flag checkout"


def test_a_flag_needs_a_known_feature(features: Session) -> None:
    with pytest.raises(RuleError, match="unknown feature 'nope'") as refused:
        flags.create_flag(features, flag_in("nope"), actor=ACTOR)
    assert refused.value.field == "key"


def test_a_feature_has_one_flag(features: Session) -> None:
    flags.create_flag(features, flag_in(), actor=ACTOR)
    with pytest.raises(ConflictError) as refused:
        flags.create_flag(features, flag_in(), actor=ACTOR)
    assert refused.value.field == "key"


def test_an_update_is_validated_as_a_whole(features: Session) -> None:
    rule = {
        "conditions": [{"property": "plan", "operator": "eq", "value": "pro"}],
        "variant": "treatment",
    }
    flag = flags.create_flag(features, flag_in(variants=TWO, rules=[rule]), actor=ACTOR)
    with pytest.raises(RuleError, match="forces variant 'treatment'") as refused:
        flags.update_flag(
            features, flag, FlagUpdate(variants=[{"key": "on", "weight": 1}]), actor=ACTOR
        )
    assert refused.value.field == "rules"
    assert flags.describe_flag(flags.get_flag(features, "checkout")).variants[1].key == "treatment"


def test_updating_nothing_writes_no_audit_entry(features: Session) -> None:
    flag = flags.create_flag(features, flag_in(), actor=ACTOR)
    flags.update_flag(features, flag, FlagUpdate(enabled=False), actor=ACTOR)
    assert [action for action, _ in audit(features, "feature_flag")] == ["create"]


def test_namespace_slices_may_not_overlap(features: Session) -> None:
    db = features
    pricing = {"namespace": "pricing", "start": 0.0, "end": 0.5}
    flags.create_flag(db, flag_in(namespace=pricing), actor=ACTOR)
    overlapping = {"namespace": "pricing", "start": 0.4, "end": 0.6}
    with pytest.raises(RuleError, match="overlaps flag checkout") as refused:
        flags.create_flag(db, flag_in("sso", namespace=overlapping), actor=ACTOR)
    assert refused.value.field == "namespace"
    sso = flags.create_flag(
        db, flag_in("sso", namespace={**pricing, "start": 0.5, "end": 0.8}), actor=ACTOR
    )
    with pytest.raises(RuleError, match="overlaps"):
        flags.update_flag(db, sso, FlagUpdate(namespace=overlapping), actor=ACTOR)
    flags.update_flag(
        db, sso, FlagUpdate(namespace={**pricing, "start": 0.6, "end": 1.0}), actor=ACTOR
    )
    described = flags.describe_namespace(db, flags.get_namespace(db, "pricing"))
    assert [(c.flag_key, c.start, c.end) for c in described.claims] == [
        ("checkout", 0.0, 0.5),
        ("sso", 0.6, 1.0),
    ]
    assert described.free == pytest.approx(0.1)


def test_a_flag_can_leave_its_namespace(features: Session) -> None:
    pricing = {"namespace": "pricing", "start": 0.0, "end": 0.5}
    flag = flags.create_flag(features, flag_in(namespace=pricing), actor=ACTOR)
    flags.update_flag(features, flag, FlagUpdate(namespace=None), actor=ACTOR)
    assert flags.flag_config(flags.get_flag(features, "checkout")).namespace is None
    assert flags.namespace_claims(features, flags.get_namespace(features, "pricing")) == []


def test_unknown_namespace(features: Session) -> None:
    with pytest.raises(RuleError, match="unknown namespace 'colour'") as refused:
        flags.create_flag(
            features, flag_in(namespace={"namespace": "colour", "start": 0, "end": 1}), actor=ACTOR
        )
    assert refused.value.field == "namespace"


def test_namespaces_crud_with_audit(features: Session) -> None:
    db = features
    with pytest.raises(ConflictError):
        flags.create_namespace(db, NamespaceIn(name="pricing"), actor=ACTOR)
    pricing = flags.get_namespace(db, "pricing")
    flags.update_namespace(db, pricing, NamespaceUpdate(description="All price tests"), actor=ACTOR)
    flags.create_flag(
        db, flag_in(namespace={"namespace": "pricing", "start": 0, "end": 1}), actor=ACTOR
    )
    with pytest.raises(RuleError, match="still claimed by checkout"):
        flags.delete_namespace(db, pricing, actor=ACTOR)
    flags.delete_flag(db, flags.get_flag(db, "checkout"), actor=ACTOR)
    flags.delete_namespace(db, pricing, actor=ACTOR)
    assert flags.list_namespaces(db) == []
    assert [action for action, _ in audit(db, "flag_namespace")] == ["create", "update", "delete"]


def test_listing_and_loading_a_flag_set(features: Session) -> None:
    db = features
    flags.create_flag(db, flag_in(enabled=True, variants=TWO), actor=ACTOR)
    flags.create_flag(db, flag_in("sso", unit_type="account"), actor=ACTOR)
    flags.create_flag(db, flag_in("dark-mode", enabled=True, coverage=0.25), actor=ACTOR)
    assert [f.key for f in flags.list_flags(db).items] == ["checkout", "dark-mode", "sso"]
    assert [f.key for f in flags.list_flags(db, enabled=True, q="DARK").items] == ["dark-mode"]
    loaded = flags.load_flag_set(db)
    assert list(loaded) == ["checkout", "dark-mode", "sso"]
    assert loaded.config("sso").unit_type == "account"
    assert loaded.decide("checkout", "u1").variant in {"control", "treatment"}


def test_a_stored_flag_decides_like_the_one_created(sessions: sessionmaker[Session]) -> None:
    rule = {
        "conditions": [
            {"property": "arr", "operator": "gte", "value": 100_000, "source": "account"}
        ],
        "rollout": 0.5,
    }
    data = flag_in(
        enabled=True,
        coverage=0.2,
        variants=[
            {"key": "a", "weight": 0.1},
            {"key": "b", "weight": 0.2},
            {"key": "c", "weight": 0.7},
        ],
        rules=[rule],
        namespace={"namespace": "pricing", "start": 0.1, "end": 0.9},
    )
    with unit_of_work(sessions) as db:
        ledger.create_feature(db, FeatureIn(key="checkout", title="Checkout"), actor=ACTOR)
        flags.create_namespace(db, NamespaceIn(name="pricing"), actor=ACTOR)
        flags.create_flag(db, data, actor=ACTOR)
    with unit_of_work(sessions) as db:
        stored = flags.load_flag_set(db)
    assert stored.config("checkout") == FlagConfig.model_validate(
        data.model_dump(exclude={"description"})
    )


def test_deleting_the_feature_deletes_its_flag(sessions: sessionmaker[Session]) -> None:
    with unit_of_work(sessions) as db:
        ledger.create_feature(db, FeatureIn(key="checkout", title="Checkout"), actor=ACTOR)
        flags.create_flag(db, flag_in(), actor=ACTOR)
    with unit_of_work(sessions) as db:
        ledger.delete_feature(db, ledger.get_feature(db, "checkout"), actor=ACTOR)
    with unit_of_work(sessions) as db:
        assert flags.list_flags(db).total == 0
        assert ledger.audit_trail(db, entity_type="feature_flag").total == 1
