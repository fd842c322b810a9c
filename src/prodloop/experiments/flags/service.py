"""Flag and namespace use cases. Services take a session and never commit: the caller owns
the unit of work. Every change is written to the ledger's audit log, like ledger records.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from prodloop.experiments.flags.compiled import FlagSet
from prodloop.experiments.flags.exposures import ExposureSink
from prodloop.experiments.flags.models import FeatureFlag, FlagNamespace
from prodloop.experiments.flags.ranges import Claim
from prodloop.experiments.flags.schemas import (
    FlagConfig,
    FlagIn,
    FlagOut,
    FlagUpdate,
    NamespaceClaimOut,
    NamespaceIn,
    NamespaceOut,
    NamespaceRange,
    NamespaceUpdate,
)
from prodloop.ledger.errors import ConflictError, NotFoundError, RuleError
from prodloop.ledger.models import Feature
from prodloop.ledger.records import (
    Listing,
    Paged,
    add_record,
    change_record,
    ensure_unique,
    get_one,
    paginate,
    remove_record,
)

# --- namespaces ------------------------------------------------------------------------------


def get_namespace(session: Session, name: str) -> FlagNamespace:
    """The namespace called ``name``."""
    return get_one(session, FlagNamespace, FlagNamespace.name, name, what="namespace")


def create_namespace(
    session: Session, data: NamespaceIn, *, actor: str, at: datetime | None = None
) -> FlagNamespace:
    """Add a namespace; its name must be new (it seeds the namespace's hash)."""
    ensure_unique(session, FlagNamespace.name, data.name, field="name")
    namespace = FlagNamespace(name=data.name, description=data.description)
    return add_record(session, namespace, actor=actor, label=f"namespace {data.name}", at=at)


def update_namespace(
    session: Session, namespace: FlagNamespace, data: NamespaceUpdate, *, actor: str
) -> FlagNamespace:
    """Change a namespace's description."""
    changes = data.model_dump(exclude_unset=True)
    label = f"namespace {namespace.name}"
    return change_record(session, namespace, changes, actor=actor, label=label)


def delete_namespace(
    session: Session, namespace: FlagNamespace, *, actor: str, reason: str | None = None
) -> None:
    """Remove a namespace that no flag claims."""
    claims = namespace_claims(session, namespace)
    if claims:
        users = ", ".join(claim.flag_key for claim in claims)
        raise RuleError(
            f"namespace {namespace.name} is still claimed by {users}", field="namespace"
        )
    remove_record(
        session, namespace, actor=actor, label=f"namespace {namespace.name}", reason=reason
    )


def list_namespaces(session: Session) -> list[FlagNamespace]:
    """Every namespace, by name."""
    return list(session.execute(select(FlagNamespace).order_by(FlagNamespace.name)).scalars())


def namespace_claims(session: Session, namespace: FlagNamespace) -> list[Claim]:
    """The slices the flags in ``namespace`` claim, in order."""
    claims = [_claim(flag) for flag in _flags_in(session, namespace, excluding=None)]
    return sorted(claims, key=lambda claim: (claim.start, claim.end))


def describe_namespace(session: Session, namespace: FlagNamespace) -> NamespaceOut:
    """A namespace with its claims and the share of its hash space still free."""
    claims = namespace_claims(session, namespace)
    return NamespaceOut(
        name=namespace.name,
        description=namespace.description,
        claims=[NamespaceClaimOut(flag_key=c.flag_key, start=c.start, end=c.end) for c in claims],
        free=max(0.0, 1 - sum(claim.end - claim.start for claim in claims)),
        created_at=namespace.created_at,
        updated_at=namespace.updated_at,
    )


# --- flags -------------------------------------------------------------------------------------


def get_flag(session: Session, key: str) -> FeatureFlag:
    """The flag of the feature ``key``."""
    query = select(FeatureFlag).join(FeatureFlag.feature).where(Feature.key == key)
    flag = session.execute(query).unique().scalar_one_or_none()
    if flag is None:
        raise NotFoundError(f"no flag {key!r}", field="flag")
    return flag


def create_flag(
    session: Session, data: FlagIn, *, actor: str, at: datetime | None = None
) -> FeatureFlag:
    """Add the flag of the ledger feature ``data.key``; a feature has at most one flag."""
    feature = session.execute(select(Feature).where(Feature.key == data.key)).scalar_one_or_none()
    if feature is None:
        raise RuleError(
            f"unknown feature {data.key!r}: a flag's key is the key of a ledger feature",
            field="key",
        )
    taken = select(FeatureFlag.id).where(FeatureFlag.feature_id == feature.id)
    if session.execute(taken).first() is not None:
        raise ConflictError(f"feature {data.key!r} already has a flag", field="key")
    flag = FeatureFlag(feature=feature, description=data.description, **_columns(data))
    flag.namespace = _claimable_namespace(session, data.namespace, flag_key=data.key)
    return add_record(session, flag, actor=actor, label=f"flag {data.key}", at=at)


def update_flag(
    session: Session,
    flag: FeatureFlag,
    data: FlagUpdate,
    *,
    actor: str,
    at: datetime | None = None,
) -> FeatureFlag:
    """Change a flag; the result is validated as a whole (a rule may not force a variant the
    new variants lack) and a new namespace slice must be free."""
    given = data.model_dump(exclude_unset=True, exclude={"reason", "description"})
    merged = flag_config(flag).model_dump() | given
    try:
        config = FlagConfig.model_validate(merged)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or None
        raise RuleError(first["msg"], field=field) from None
    changes: dict[str, Any] = _columns(config)
    if "description" in data.model_fields_set and data.description is not None:
        changes["description"] = data.description
    if "namespace" in given:
        changes["namespace"] = _claimable_namespace(
            session, config.namespace, flag_key=flag.key, flag_id=flag.id
        )
    return change_record(
        session, flag, changes, actor=actor, label=f"flag {flag.key}", reason=data.reason, at=at
    )


def delete_flag(
    session: Session, flag: FeatureFlag, *, actor: str, reason: str | None = None
) -> None:
    """Remove a flag (its feature stays in the ledger)."""
    remove_record(session, flag, actor=actor, label=f"flag {flag.key}", reason=reason)


def list_flags(
    session: Session,
    *,
    enabled: bool | None = None,
    namespace: str | None = None,
    q: str | None = None,
    listing: Listing = Listing(),
) -> Paged[FeatureFlag]:
    """Flags, filtered by state and namespace, searched by feature key or title."""
    query = select(FeatureFlag).join(FeatureFlag.feature)
    if enabled is not None:
        query = query.where(FeatureFlag.enabled.is_(enabled))
    if namespace is not None:
        query = query.where(FeatureFlag.namespace_id == get_namespace(session, namespace).id)
    if q:
        pattern = f"%{q.strip().lower()}%"
        query = query.where(Feature.key.ilike(pattern) | Feature.title.ilike(pattern))
    sortable = {"key": Feature.key, "updated_at": FeatureFlag.updated_at}
    return paginate(session, query, listing, sortable, "key")


def flag_config(flag: FeatureFlag) -> FlagConfig:
    """The stored flag as the configuration evaluators run on."""
    namespace = None
    if flag.namespace is not None:
        namespace = NamespaceRange(
            namespace=flag.namespace.name,
            start=flag.namespace_start or 0.0,
            end=flag.namespace_end or 0.0,
        )
    return FlagConfig.model_validate(
        {
            "key": flag.key,
            "enabled": flag.enabled,
            "unit_type": flag.unit_type,
            "salt": flag.salt,
            "coverage": flag.coverage,
            "variants": flag.variants,
            "rules": flag.rules,
            "namespace": namespace,
        }
    )


def describe_flag(flag: FeatureFlag) -> FlagOut:
    """A flag as the API shows it."""
    config = flag_config(flag)
    return FlagOut(
        **config.model_dump(exclude={"variants", "rules"}),
        variants=list(config.variants),
        rules=list(config.rules),
        description=flag.description,
        created_at=flag.created_at,
        updated_at=flag.updated_at,
    )


def load_flag_set(
    session: Session,
    *,
    sink: ExposureSink | None = None,
    clock: Callable[[], datetime] | None = None,
    cache_size: int = 100_000,
) -> FlagSet:
    """Every stored flag, compiled for in-process evaluation."""
    flags = session.execute(select(FeatureFlag)).unique().scalars()
    configs = [flag_config(flag) for flag in flags]
    return FlagSet.compile(configs, sink=sink, clock=clock, cache_size=cache_size)


# --- helpers -----------------------------------------------------------------------------------


def _columns(config: FlagConfig) -> dict[str, Any]:
    """The stored columns of ``config`` (the namespace relationship is resolved apart)."""
    return {
        "enabled": config.enabled,
        "unit_type": config.unit_type.value,
        "salt": config.salt,
        "coverage": config.coverage,
        "variants": [variant.model_dump(mode="json") for variant in config.variants],
        "rules": [rule.model_dump(mode="json") for rule in config.rules],
        "namespace_start": None if config.namespace is None else config.namespace.start,
        "namespace_end": None if config.namespace is None else config.namespace.end,
    }


def _claim(flag: FeatureFlag) -> Claim:
    return Claim(flag.key, flag.namespace_start or 0.0, flag.namespace_end or 0.0)


def _claimable_namespace(
    session: Session,
    requested: NamespaceRange | None,
    *,
    flag_key: str,
    flag_id: int | None = None,
) -> FlagNamespace | None:
    """The namespace ``requested`` names, once its slice is known to be free."""
    if requested is None:
        return None
    namespace = session.execute(
        select(FlagNamespace).where(FlagNamespace.name == requested.namespace)
    ).scalar_one_or_none()
    if namespace is None:
        raise RuleError(f"unknown namespace {requested.namespace!r}", field="namespace")
    wanted = Claim(flag_key, requested.start, requested.end)
    for flag in _flags_in(session, namespace, excluding=flag_id):
        taken = _claim(flag)
        if wanted.overlaps(taken):
            raise RuleError(
                f"[{wanted.start:g}, {wanted.end:g}) of namespace {namespace.name} overlaps "
                f"flag {taken.flag_key}'s [{taken.start:g}, {taken.end:g})",
                field="namespace",
            )
    return namespace


def _flags_in(
    session: Session, namespace: FlagNamespace, *, excluding: int | None
) -> list[FeatureFlag]:
    query = select(FeatureFlag).where(FeatureFlag.namespace_id == namespace.id)
    if excluding is not None:
        query = query.where(FeatureFlag.id != excluding)
    return list(session.execute(query).unique().scalars())
