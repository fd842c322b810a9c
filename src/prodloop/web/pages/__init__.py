"""Server-rendered pages. Each page builds its data once; ``render`` gives HTML or its JSON twin."""

from fastapi import APIRouter

from prodloop.web.pages import (
    accounts,
    adoption,
    audit,
    auth,
    dashboards,
    delivery,
    experiments,
    features,
    feedback,
    feedback_form,
    insights,
    ledger,
    people,
    signals,
    teams,
)

pages_router = APIRouter(include_in_schema=False)
for module in (auth, ledger, features, people, teams, accounts, audit, delivery, signals):
    pages_router.include_router(module.router)
for module in (insights, dashboards, adoption, experiments):
    pages_router.include_router(module.router)
for module in (feedback, feedback_form):
    pages_router.include_router(module.router)

__all__ = ["pages_router"]
