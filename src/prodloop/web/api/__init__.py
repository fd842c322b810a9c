"""The JSON API, version 1: every ledger object, delivery reports, and the caller's own tokens."""

from fastapi import APIRouter

from prodloop.web.api import (
    accounts,
    adoption,
    audit,
    delivery,
    docs,
    experiments,
    features,
    feedback,
    insights,
    me,
    people,
    product_areas,
    teams,
    workspace,
)

api_router = APIRouter()
v1 = APIRouter(prefix="/api/v1")
for module in (
    workspace,
    features,
    people,
    teams,
    accounts,
    product_areas,
    audit,
    me,
    delivery,
    insights,
    adoption,
    experiments,
    feedback,
):
    v1.include_router(module.router)
api_router.include_router(v1)
api_router.include_router(docs.router)

__all__ = ["api_router"]
