"""HTTP capture endpoints speaking the PostHog and Segment SDK protocols.

The body limit here is capture's own (5 MiB per batch, 900 KiB per event, as the SDKs
assume); ``CaptureBodyLimit`` applies it to these paths and the app's limit everywhere else.
"""

from __future__ import annotations

import threading
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from prodloop.analytics.capture import CaptureService
from prodloop.analytics.keys import KeyRing
from prodloop.analytics.lake import EventLake
from prodloop.analytics.ratelimit import RateLimiter
from prodloop.analytics.schemas import MAX_BATCH_BYTES, CaptureRefused
from prodloop.settings import Settings
from prodloop.web.errors import error_json
from prodloop.web.limits import BodySizeLimit

POSTHOG_PATHS = ("/batch", "/capture", "/e", "/i/v0/e")
SEGMENT_KINDS = ("track", "identify", "page", "screen", "group", "alias")
CAPTURE_PREFIXES = (*POSTHOG_PATHS, "/v1/")

router = APIRouter(include_in_schema=False)
_setup_lock = threading.Lock()


def is_capture_path(path: str) -> bool:
    """Whether ``path`` is one of the capture endpoints."""
    stripped = path.rstrip("/")
    return stripped in POSTHOG_PATHS or path.startswith("/v1/")


class CaptureBodyLimit:
    """The app's body limit, except capture paths, which get the SDKs' 5 MiB."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app_limit = BodySizeLimit(app, max_bytes=max_bytes)
        self.capture_limit = BodySizeLimit(app, max_bytes=MAX_BATCH_BYTES)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and is_capture_path(scope.get("path", "")):
            await self.capture_limit(scope, receive, send)
        else:
            await self.app_limit(scope, receive, send)


class BackgroundCompactor:
    """Folds this process's log into Parquet every ``interval`` seconds, on a daemon thread."""

    def __init__(self, lake: EventLake, interval: float) -> None:
        self.lake = lake
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lake-compactor", daemon=True)

    def start(self) -> None:
        """Start the thread."""
        self._thread.start()

    def stop(self) -> None:
        """Ask the thread to finish after its current compaction."""
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.lake.compact(blocking=False)
            except Exception:  # a failed compaction leaves the log intact; try next time
                continue


def capture_service(request: Request) -> CaptureService:
    """The app's capture service, built on first use (and its compactor started)."""
    state = request.app.state
    service: CaptureService | None = getattr(state, "capture", None)
    if service is not None:
        return service
    with _setup_lock:
        service = getattr(state, "capture", None)
        if service is None:
            settings: Settings = state.settings
            lake = EventLake(settings)
            limiter = RateLimiter(
                per_second=settings.capture_rate_per_second, burst=settings.capture_rate_burst
            )
            service = CaptureService(lake, KeyRing(lake.root), limiter)
            if settings.lake_compact_seconds > 0:
                compactor = BackgroundCompactor(lake, settings.lake_compact_seconds)
                compactor.start()
                state.capture_compactor = compactor
            state.capture = service
    return service


def _refusal(exc: CaptureRefused) -> JSONResponse:
    response = error_json(exc.status, exc.code, exc.message, exc.field)
    if exc.retry_after is not None:
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


def _gzipped(request: Request) -> bool:
    encoding = request.headers.get("content-encoding", "").lower()
    return "gzip" in encoding or request.query_params.get("compression") == "gzip-js"


async def posthog_capture(request: Request) -> Any:
    """PostHog ``/batch/``, ``/capture/``, ``/e/``, ``/i/v0/e/``: replies ``{"status": 1}``."""
    service = capture_service(request)
    raw = await request.body()
    try:
        await run_in_threadpool(service.posthog, raw, gzipped=_gzipped(request))
    except CaptureRefused as exc:
        return _refusal(exc)
    return JSONResponse({"status": 1})


def _segment_endpoint(kind: str | None) -> Any:
    async def segment_capture(request: Request) -> Any:
        service = capture_service(request)
        raw = await request.body()
        try:
            await run_in_threadpool(
                service.segment,
                raw,
                gzipped=_gzipped(request),
                kind=kind,
                auth=request.headers.get("authorization"),
            )
        except CaptureRefused as exc:
            return _refusal(exc)
        return JSONResponse({"success": True})

    segment_capture.__doc__ = f"Segment ``/v1/{kind or 'batch'}``: replies ``{{'success': true}}``."
    return segment_capture


for _path in POSTHOG_PATHS:
    router.add_api_route(_path, posthog_capture, methods=["POST"])
    router.add_api_route(_path + "/", posthog_capture, methods=["POST"])
router.add_api_route("/v1/batch", _segment_endpoint(None), methods=["POST"])
for _kind in SEGMENT_KINDS:
    router.add_api_route(f"/v1/{_kind}", _segment_endpoint(_kind), methods=["POST"])
