"""Ledger use cases. Services take a session and never commit: the caller owns the unit of work."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, Text, case, cast, func, or_, select
from sqlalchemy.orm import Session, selectinload

from prodloop.ledger.errors import RuleError
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
from prodloop.ledger.schemas import (
    AccountIn,
    AccountUpdate,
    FeatureIn,
    FeatureUpdate,
    PersonIn,
    PersonUpdate,
    ProductAreaIn,
    ProductAreaUpdate,
    Segment,
    TeamIn,
    TeamUpdate,
    WorkspaceUpdate,
)
from prodloop.ledger.stages import STAGE_ORDER, Stage, needs_reason
from prodloop.store.base import utcnow

# --- workspace ---------------------------------------------------------------------------


def get_workspace(session: Session) -> Workspace | None:
    """The installation's workspace, or None before ``prodloop init``."""
    return session.execute(select(Workspace).order_by(Workspace.id).limit(1)).scalar_one_or_none()


def create_workspace(
    session: Session,
    *,
    name: str,
    time_zone: str = "UTC",
    currency: str = "USD",
    actor: str,
    at: datetime | None = None,
) -> Workspace:
    """Create the workspace; there is only ever one."""
    if get_workspace(session) is not None:
        raise RuleError("this installation already has a workspace", field="workspace")
    checked = WorkspaceUpdate(name=name, time_zone=time_zone, currency=currency)
    workspace = Workspace(name=checked.name, time_zone=checked.time_zone, currency=checked.currency)
    return add_record(session, workspace, actor=actor, label=workspace.name, at=at)


def update_workspace(session: Session, data: WorkspaceUpdate, *, actor: str) -> Workspace:
    """Change the workspace's name, time zone or currency."""
    workspace = get_workspace(session)
    if workspace is None:
        raise RuleError("no workspace yet; run `prodloop init`", field="workspace")
    changes = data.model_dump(exclude_unset=True)
    return change_record(session, workspace, changes, actor=actor, label=workspace.name)


# --- teams ---------------------------------------------------------------------------------


def get_team(session: Session, key: str) -> Team:
    """The team with ``key``."""
    return get_one(session, Team, Team.key, key, what="team")


def create_team(session: Session, data: TeamIn, *, actor: str, at: datetime | None = None) -> Team:
    """Add a team; its key must be new."""
    ensure_unique(session, Team.key, data.key, field="key")
    return add_record(session, Team(**data.model_dump()), actor=actor, label=data.name, at=at)


def update_team(session: Session, team: Team, data: TeamUpdate, *, actor: str) -> Team:
    """Rename or describe a team."""
    changes = data.model_dump(exclude_unset=True)
    return change_record(session, team, changes, actor=actor, label=team.name)


def delete_team(session: Session, team: Team, *, actor: str, reason: str | None = None) -> None:
    """Remove a team; its people and features keep existing without one."""
    remove_record(session, team, actor=actor, label=team.name, reason=reason)


def list_teams(
    session: Session, *, q: str | None = None, listing: Listing = Listing()
) -> Paged[Team]:
    """Teams, optionally searched by key or name."""
    query = select(Team)
    if q:
        query = query.where(_search(q, Team.key, Team.name))
    return paginate(session, query, listing, {"key": Team.key, "name": Team.name}, "name")


# --- people --------------------------------------------------------------------------------


def get_person(session: Session, email: str) -> Person:
    """The person with ``email``."""
    return get_one(session, Person, Person.email, email.lower(), what="person")


def get_person_by_id(session: Session, person_id: int) -> Person:
    """The person with database id ``person_id``."""
    return get_one(session, Person, Person.id, person_id, what="person")


def create_person(
    session: Session, data: PersonIn, *, actor: str, at: datetime | None = None
) -> Person:
    """Add a person; their email must be new and their team must exist."""
    ensure_unique(session, Person.email, data.email, field="email")
    values = data.model_dump(exclude={"team"})
    values["team"] = _team_ref(session, data.team)
    return add_record(session, Person(**values), actor=actor, label=data.name, at=at)


def update_person(session: Session, person: Person, data: PersonUpdate, *, actor: str) -> Person:
    """Change a person's name, email, role or team."""
    changes = data.model_dump(exclude_unset=True)
    if "email" in changes:
        ensure_unique(session, Person.email, changes["email"], field="email", exclude_id=person.id)
    if "team" in changes:
        changes["team"] = _team_ref(session, changes["team"])
    return change_record(session, person, changes, actor=actor, label=person.name)


def delete_person(
    session: Session, person: Person, *, actor: str, reason: str | None = None
) -> None:
    """Remove a person; the features they owned become unowned."""
    remove_record(session, person, actor=actor, label=person.name, reason=reason)


def list_people(
    session: Session,
    *,
    team: str | None = None,
    q: str | None = None,
    listing: Listing = Listing(),
) -> Paged[Person]:
    """People, filtered by team key and searched by name, email or role."""
    query = select(Person).options(selectinload(Person.team))
    if team:
        query = query.where(Person.team_id == get_team(session, team).id)
    if q:
        query = query.where(_search(q, Person.name, Person.email, Person.role))
    sortable = {"name": Person.name, "email": Person.email, "role": Person.role}
    return paginate(session, query, listing, sortable, "name")


# --- product areas -------------------------------------------------------------------------


def get_product_area(session: Session, key: str) -> ProductArea:
    """The product area with ``key``."""
    return get_one(session, ProductArea, ProductArea.key, key, what="product_area")


def create_product_area(
    session: Session, data: ProductAreaIn, *, actor: str, at: datetime | None = None
) -> ProductArea:
    """Add a product area; its key must be new."""
    ensure_unique(session, ProductArea.key, data.key, field="key")
    area = ProductArea(**data.model_dump())
    return add_record(session, area, actor=actor, label=data.name, at=at)


def update_product_area(
    session: Session, area: ProductArea, data: ProductAreaUpdate, *, actor: str
) -> ProductArea:
    """Rename or describe a product area."""
    changes = data.model_dump(exclude_unset=True)
    return change_record(session, area, changes, actor=actor, label=area.name)


def delete_product_area(
    session: Session, area: ProductArea, *, actor: str, reason: str | None = None
) -> None:
    """Remove a product area; its features stay, without an area."""
    remove_record(session, area, actor=actor, label=area.name, reason=reason)


def list_product_areas(
    session: Session, *, q: str | None = None, listing: Listing = Listing()
) -> Paged[ProductArea]:
    """Product areas, optionally searched by key or name."""
    query = select(ProductArea)
    if q:
        query = query.where(_search(q, ProductArea.key, ProductArea.name))
    sortable = {"key": ProductArea.key, "name": ProductArea.name}
    return paginate(session, query, listing, sortable, "name")


# --- accounts ------------------------------------------------------------------------------


def get_account(session: Session, account_id: int) -> Account:
    """The account with database id ``account_id``."""
    return get_one(session, Account, Account.id, account_id, what="account")


def create_account(
    session: Session, data: AccountIn, *, actor: str, at: datetime | None = None
) -> Account:
    """Add a customer account; its domain, when given, must be new."""
    if data.domain:
        ensure_unique(session, Account.domain, data.domain, field="domain")
    account = Account(**data.model_dump(mode="json"))
    return add_record(session, account, actor=actor, label=data.name, at=at)


def update_account(
    session: Session, account: Account, data: AccountUpdate, *, actor: str
) -> Account:
    """Change an account's details, segment, plan or ARR."""
    changes = data.model_dump(exclude_unset=True, mode="json")
    if changes.get("domain"):
        ensure_unique(
            session, Account.domain, changes["domain"], field="domain", exclude_id=account.id
        )
    return change_record(session, account, changes, actor=actor, label=account.name)


def delete_account(
    session: Session, account: Account, *, actor: str, reason: str | None = None
) -> None:
    """Remove a customer account."""
    remove_record(session, account, actor=actor, label=account.name, reason=reason)


def list_accounts(
    session: Session,
    *,
    segment: Segment | None = None,
    plan: str | None = None,
    min_arr: int | None = None,
    max_arr: int | None = None,
    q: str | None = None,
    listing: Listing = Listing(),
) -> Paged[Account]:
    """Accounts, filtered by segment, plan and ARR range, searched by name or domain."""
    query = select(Account)
    if segment:
        query = query.where(Account.segment == segment.value)
    if plan:
        query = query.where(Account.plan == plan)
    if min_arr is not None:
        query = query.where(Account.arr >= min_arr)
    if max_arr is not None:
        query = query.where(Account.arr <= max_arr)
    if q:
        query = query.where(_search(q, Account.name, Account.domain))
    sortable = {
        "name": Account.name,
        "arr": Account.arr,
        "segment": Account.segment,
        "plan": Account.plan,
        "domain": Account.domain,
    }
    return paginate(session, query, listing, sortable, "-arr")


# --- features ------------------------------------------------------------------------------


def get_feature(session: Session, key: str) -> Feature:
    """The feature with ``key``."""
    return get_one(session, Feature, Feature.key, key, what="feature")


def create_feature(
    session: Session, data: FeatureIn, *, actor: str, at: datetime | None = None
) -> Feature:
    """Add a feature to the ledger, opening its stage history at ``data.stage``."""
    ensure_unique(session, Feature.key, data.key, field="key")
    values = data.model_dump(mode="json", exclude={"owner", "team", "product_area", "stage"})
    values["target_date"], values["launch_date"] = data.target_date, data.launch_date
    values.update(_feature_refs(session, data.owner, data.team, data.product_area))
    when = at or utcnow()
    if data.stage in {Stage.LAUNCHED, Stage.ADOPTED} and data.launch_date is None:
        values["launch_date"] = when.date()
    feature = Feature(**values, stage=data.stage.value, stage_changed_at=when)
    feature.stage_history.append(
        StageChange(from_stage=None, to_stage=data.stage.value, changed_at=when, changed_by=actor)
    )
    return add_record(session, feature, actor=actor, label=_feature_label(feature), at=at)


def update_feature(
    session: Session,
    feature: Feature,
    data: FeatureUpdate,
    *,
    actor: str,
    at: datetime | None = None,
) -> Feature:
    """Change a feature's fields; a stage change goes through :func:`set_stage`'s rules."""
    changes = data.model_dump(exclude_unset=True, exclude={"reason", "stage"})
    if "links" in changes:
        changes["links"] = [link.model_dump(mode="json") for link in data.links or []]
    refs = {
        name: changes.pop(name) for name in ("owner", "team", "product_area") if name in changes
    }
    if refs:
        resolved = _feature_refs(
            session, refs.get("owner"), refs.get("team"), refs.get("product_area")
        )
        changes.update({name: resolved[name] for name in refs})
    if data.stage is not None and data.stage.value != feature.stage:
        set_stage(session, feature, data.stage, actor=actor, reason=data.reason, at=at)
    return change_record(
        session,
        feature,
        changes,
        actor=actor,
        label=_feature_label(feature),
        reason=data.reason,
        at=at,
    )


def set_stage(
    session: Session,
    feature: Feature,
    stage: Stage,
    *,
    actor: str,
    reason: str | None = None,
    at: datetime | None = None,
) -> Feature:
    """Move ``feature`` to ``stage``, recording who moved it, when and why."""
    current = Stage(feature.stage)
    if stage is current:
        raise RuleError(f"{feature.key} is already in stage {stage.value}", field="stage")
    if needs_reason(current, stage) and not (reason and reason.strip()):
        raise RuleError(
            f"{feature.key} is retired; moving it back to {stage.value} needs a reason",
            field="reason",
        )
    when = at or utcnow()
    if when < feature.stage_changed_at:
        raise RuleError("a stage change cannot predate the previous one", field="at")
    changes: dict[str, Any] = {"stage": stage.value, "stage_changed_at": when}
    if stage in {Stage.LAUNCHED, Stage.ADOPTED} and feature.launch_date is None:
        changes["launch_date"] = when.date()
    feature.stage_history.append(
        StageChange(
            from_stage=current.value,
            to_stage=stage.value,
            changed_at=when,
            changed_by=actor,
            reason=reason,
        )
    )
    moved = change_record(
        session, feature, changes, actor=actor, label=_feature_label(feature), reason=reason, at=at
    )
    if stage is Stage.LAUNCHED:
        # Imported here: feedback builds on the ledger, so the ledger only reaches for it
        # at the moment a launch closes the loop with everyone who asked.
        from prodloop.feedback.loop import on_feature_launched

        on_feature_launched(session, moved, at=when)
    return moved


def delete_feature(
    session: Session, feature: Feature, *, actor: str, reason: str | None = None
) -> None:
    """Remove a feature and its stage history; the audit log keeps what it was."""
    remove_record(session, feature, actor=actor, label=_feature_label(feature), reason=reason)


def list_features(
    session: Session,
    *,
    stages: list[Stage] | None = None,
    product_area: str | None = None,
    owner: str | None = None,
    team: str | None = None,
    tag: str | None = None,
    unowned: bool = False,
    q: str | None = None,
    listing: Listing = Listing(),
) -> Paged[Feature]:
    """The ledger, filtered by stage, area, owner, team and tag, searched by key, title, text."""
    query = _feature_query(
        session,
        stages=stages,
        product_area=product_area,
        owner=owner,
        team=team,
        unowned=unowned,
        q=q,
    )
    if tag:
        # Tags are a JSON list; the quoted form matches whole tags on every backend.
        query = query.where(func.lower(cast(Feature.tags, Text)).contains(f'"{tag.lower()}"'))
    sortable = {
        "key": Feature.key,
        "title": Feature.title,
        "stage": _stage_rank(),
        "target_date": Feature.target_date,
        "launch_date": Feature.launch_date,
        "updated_at": Feature.updated_at,
        "stage_changed_at": Feature.stage_changed_at,
    }
    return paginate(session, query, listing, sortable, "stage")


def stage_counts(session: Session) -> dict[Stage, int]:
    """How many features sit in each stage (every stage present, zero when empty)."""
    rows = session.execute(select(Feature.stage, func.count()).group_by(Feature.stage)).all()
    counts = dict.fromkeys(Stage, 0)
    for stage, count in rows:
        counts[Stage(stage)] = int(count)
    return counts


def overdue_features(session: Session, *, today: date) -> list[Feature]:
    """Features not yet shipped whose target date has passed."""
    unshipped = [s.value for s in Stage if s.order < Stage.BETA.order]
    query = (
        select(Feature)
        .where(Feature.stage.in_(unshipped), Feature.target_date < today)
        .order_by(Feature.target_date)
    )
    return list(session.execute(query).scalars())


def audit_trail(
    session: Session,
    *,
    entity_type: str | None = None,
    entity_id: int | None = None,
    actor: str | None = None,
    listing: Listing = Listing(sort="-at"),
) -> Paged[AuditEntry]:
    """Audit entries, newest first, optionally for one record or one actor."""
    query = select(AuditEntry)
    if entity_type:
        query = query.where(AuditEntry.entity_type == entity_type)
    if entity_id is not None:
        query = query.where(AuditEntry.entity_id == entity_id)
    if actor:
        query = query.where(AuditEntry.actor == actor)
    return paginate(session, query, listing, {"at": AuditEntry.at}, "-at")


# --- helpers -------------------------------------------------------------------------------


def _feature_label(feature: Feature) -> str:
    return f"{feature.key}: {feature.title}"


def _feature_query(
    session: Session,
    *,
    stages: list[Stage] | None,
    product_area: str | None,
    owner: str | None,
    team: str | None,
    unowned: bool,
    q: str | None,
) -> Select[Feature]:
    query = select(Feature).options(
        selectinload(Feature.owner), selectinload(Feature.team), selectinload(Feature.product_area)
    )
    if stages:
        query = query.where(Feature.stage.in_([stage.value for stage in stages]))
    if product_area:
        query = query.where(Feature.product_area_id == get_product_area(session, product_area).id)
    if owner:
        query = query.where(Feature.owner_id == get_person(session, owner).id)
    if unowned:
        query = query.where(Feature.owner_id.is_(None))
    if team:
        query = query.where(Feature.team_id == get_team(session, team).id)
    if q:
        query = query.where(_search(q, Feature.key, Feature.title, Feature.description))
    return query


def _team_ref(session: Session, key: str | None) -> Team | None:
    if key is None:
        return None
    team: Team = _known(session, Team, Team.key, key, field="team", what="team")
    return team


def _feature_refs(
    session: Session, owner: str | None, team: str | None, product_area: str | None
) -> dict[str, Any]:
    return {
        "owner": None
        if owner is None
        else _known(session, Person, Person.email, owner.lower(), field="owner", what="person"),
        "team": _team_ref(session, team),
        "product_area": None
        if product_area is None
        else _known(
            session,
            ProductArea,
            ProductArea.key,
            product_area,
            field="product_area",
            what="product area",
        ),
    }


def _known(session: Session, model: Any, column: Any, value: str, *, field: str, what: str) -> Any:
    """A referenced record, or a RuleError naming the field (a bad reference is bad input)."""
    record = session.execute(select(model).where(column == value)).scalar_one_or_none()
    if record is None:
        raise RuleError(f"unknown {what} {value!r}", field=field)
    return record


def _search(q: str, *columns: Any) -> Any:
    pattern = f"%{q.strip().lower()}%"
    return or_(*(func.lower(column).like(pattern) for column in columns))


def _stage_rank() -> Any:
    return case(STAGE_ORDER_BY_VALUE, value=Feature.stage, else_=len(STAGE_ORDER))


STAGE_ORDER_BY_VALUE = {stage.value: order for stage, order in STAGE_ORDER.items()}
