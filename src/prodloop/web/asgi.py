"""Entry point for ASGI servers: ``uvicorn --factory prodloop.web.asgi:create``."""

from fastapi import FastAPI

from prodloop.web.app import create_app


def create() -> FastAPI:
    """The app configured from the environment; the server migrates before workers start."""
    return create_app(migrate=False)
