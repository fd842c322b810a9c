"""/api/v1/features: the feature ledger."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from prodloop.ledger import service
from prodloop.ledger.schemas import (
    AuditEntryOut,
    FeatureDetail,
    FeatureIn,
    FeatureOut,
    FeatureUpdate,
    Page,
    StageChangeIn,
)
from prodloop.ledger.stages import Stage
from prodloop.web.api.common import Deleted, ListingParams, Search, page_of
from prodloop.web.deps import DbSession, Reader, Writer

router = APIRouter(prefix="/features", tags=["features"])


@router.get("", response_model=Page[FeatureOut])
def list_features(
    db: DbSession,
    _: Reader,
    listing: ListingParams,
    q: Search = None,
    stage: Annotated[list[Stage] | None, Query(description="Repeat for several stages.")] = None,
    product_area: Annotated[str | None, Query(description="Product area key.")] = None,
    owner: Annotated[str | None, Query(description="Owner's email.")] = None,
    team: Annotated[str | None, Query(description="Team key.")] = None,
    tag: str | None = None,
    unowned: bool = False,
) -> Page[FeatureOut]:
    """The ledger, filtered, searched, sorted and paged."""
    paged = service.list_features(
        db,
        stages=stage,
        product_area=product_area,
        owner=owner,
        team=team,
        tag=tag,
        unowned=unowned,
        q=q,
        listing=listing,
    )
    return page_of(paged, FeatureOut)


@router.post("", response_model=FeatureDetail, status_code=status.HTTP_201_CREATED)
def create_feature(data: FeatureIn, db: DbSession, who: Writer) -> FeatureDetail:
    """Add a feature."""
    feature = service.create_feature(db, data, actor=who.actor)
    db.commit()
    return FeatureDetail.model_validate(feature)


@router.get("/{key}", response_model=FeatureDetail)
def get_feature(key: str, db: DbSession, _: Reader) -> FeatureDetail:
    """One feature with its stage history."""
    return FeatureDetail.model_validate(service.get_feature(db, key))


@router.patch("/{key}", response_model=FeatureDetail)
def update_feature(key: str, data: FeatureUpdate, db: DbSession, who: Writer) -> FeatureDetail:
    """Change a feature's fields (a stage change follows the stage rules)."""
    feature = service.update_feature(db, service.get_feature(db, key), data, actor=who.actor)
    db.commit()
    return FeatureDetail.model_validate(feature)


@router.post("/{key}/stage", response_model=FeatureDetail)
def set_stage(key: str, data: StageChangeIn, db: DbSession, who: Writer) -> FeatureDetail:
    """Move a feature to another stage."""
    feature = service.set_stage(
        db, service.get_feature(db, key), data.stage, actor=who.actor, reason=data.reason
    )
    db.commit()
    return FeatureDetail.model_validate(feature)


@router.delete("/{key}", response_model=Deleted)
def delete_feature(key: str, db: DbSession, who: Writer, reason: str | None = None) -> Deleted:
    """Remove a feature (the audit log keeps what it was)."""
    service.delete_feature(db, service.get_feature(db, key), actor=who.actor, reason=reason)
    db.commit()
    return Deleted(deleted=key)


@router.get("/{key}/audit", response_model=Page[AuditEntryOut])
def feature_audit(
    key: str, db: DbSession, _: Reader, listing: ListingParams
) -> Page[AuditEntryOut]:
    """Every change to a feature, newest first."""
    feature = service.get_feature(db, key)
    paged = service.audit_trail(db, entity_type="feature", entity_id=feature.id, listing=listing)
    return page_of(paged, AuditEntryOut)
