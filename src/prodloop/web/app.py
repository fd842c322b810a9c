"""The ASGI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from prodloop import __version__
from prodloop.settings import Settings, get_settings
from prodloop.store import make_engine, make_session_factory
from prodloop.store.migrate import upgrade
from prodloop.web.api import api_router
from prodloop.web.capture import CaptureBodyLimit
from prodloop.web.capture import router as capture_router
from prodloop.web.decide import close_flag_cache
from prodloop.web.decide import router as decide_router
from prodloop.web.errors import install_error_handlers
from prodloop.web.pages import pages_router
from prodloop.web.rendering import STATIC


def create_app(settings: Settings | None = None, *, migrate: bool = True) -> FastAPI:
    """Build the web app for ``settings``; it migrates the app store when it starts."""
    settings = settings or get_settings()
    engine = make_engine(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if migrate:
            upgrade(engine)
        yield
        compactor = getattr(app.state, "capture_compactor", None)
        if compactor is not None:
            compactor.stop()
        close_flag_cache(app.state)
        engine.dispose()

    app = FastAPI(
        title="prodloop",
        version=__version__,
        summary="Product operations hub: the feature ledger and everything tied to it.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = make_session_factory(engine)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.effective_secret_key(),
        session_cookie="prodloop_session",
        same_site="lax",
        https_only=settings.secure_cookies,
        max_age=14 * 24 * 3600,
    )
    app.add_middleware(CaptureBodyLimit, max_bytes=settings.max_body_bytes)
    install_error_handlers(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    # The SDK endpoints (capture, decide) come first: they take the most requests, and routes
    # are matched in order, so they skip testing every API and page route.
    app.include_router(capture_router)
    app.include_router(decide_router)
    app.include_router(api_router)
    app.include_router(pages_router)
    return app
