"""Server-rendered pages. Each page builds its data once; ``render`` gives HTML or its JSON twin."""

from fastapi import APIRouter

from prodloop.web.pages import auth

pages_router = APIRouter(include_in_schema=False)
pages_router.include_router(auth.router)

__all__ = ["pages_router"]
