"""Flag decisions over HTTP for servers and SDKs.

* ``POST /decide/`` and ``POST /flags/`` speak PostHog's protocol: ``api_key`` (or ``token``)
  is a project key, ``distinct_id`` the person, ``groups`` / ``person_properties`` /
  ``group_properties`` what targeting reads (JSON, gzipped JSON, or posthog-js's form body
  ``data=<base64 JSON>``); the reply maps every flag key to its variant
  (``true`` / ``false`` for on/off flags). PostHog SDKs send ``$feature_flag_called``
  themselves when code reads a flag, so these endpoints record no exposures.
* ``POST /api/v1/flags/decide`` is prodloop's own: the same inputs (the key in the body or as
  ``Authorization: Bearer``), optionally only some ``flags``, full decisions with reasons,
  and with ``track`` (the default) an exposure for each assigned flag, written to the event
  lake by :class:`~prodloop.experiments.flags.lake_sink.LakeExposureSink`.

The compiled :class:`FlagSet` is cached per process and recompiled when the flags or the
running experiments change, which is checked at most once per second.
"""

from __future__ import annotations

import base64
import binascii
import threading
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from prodloop.analytics.capture import decode_body
from prodloop.analytics.keys import KeyRing
from prodloop.analytics.lake import EventLake
from prodloop.analytics.schemas import CaptureRefused
from prodloop.experiments.flags import Decision, FlagSet
from prodloop.experiments.flags.lake_sink import LakeExposureSink
from prodloop.experiments.flags.models import FeatureFlag
from prodloop.experiments.flags.service import load_flag_set
from prodloop.experiments.registry.models import Experiment
from prodloop.ledger.models import Feature
from prodloop.web.errors import error_json

router = APIRouter(include_in_schema=False)
_setup_lock = threading.Lock()
#: How often a process looks for changed flags, in seconds.
CHECK_SECONDS = 1.0

Version = tuple[Any, ...]


class FlagCache:
    """The compiled flags of one process, recompiled when the app store's flags change."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        sink: LakeExposureSink,
        *,
        check_seconds: float = CHECK_SECONDS,
    ) -> None:
        self.sessions = sessions
        self.sink = sink
        self.check_seconds = check_seconds
        self._flags: FlagSet | None = None
        self._version: Version | None = None
        self._checked = -float("inf")
        self._lock = threading.Lock()

    def due(self) -> bool:
        """Whether the next request should look for changes first."""
        return self._flags is None or time.monotonic() - self._checked >= self.check_seconds

    def refresh(self) -> FlagSet:
        """Look for changes (one small query) and recompile if there were any."""
        with self._lock:
            if not self.due() and self._flags is not None:
                return self._flags
            with self.sessions() as session:
                version = flags_version(session)
                if self._flags is None or version != self._version:
                    self.sink.set_experiments(running_experiments(session))
                    self._flags = load_flag_set(session, sink=self.sink)
                    self._version = version
            self._checked = time.monotonic()
            return self._flags

    @property
    def flags(self) -> FlagSet:
        """The flags as last compiled (call :meth:`refresh` first when :meth:`due`)."""
        return self._flags if self._flags is not None else self.refresh()


def flags_version(session: Session) -> Version:
    """What changes whenever a flag or an experiment is added, changed or removed."""
    flags = session.execute(
        select(func.count(FeatureFlag.id), func.max(FeatureFlag.updated_at))
    ).one()
    experiments = session.execute(
        select(func.count(Experiment.id), func.max(Experiment.updated_at))
    ).one()
    return (*flags, *experiments)


def running_experiments(session: Session) -> dict[str, str]:
    """Flag key → key of the experiment running on it."""
    rows = session.execute(
        select(Feature.key, Experiment.key)
        .join(Experiment, Experiment.feature_id == Feature.id)
        .where(Experiment.status == "running")
    )
    return {str(flag): str(experiment) for flag, experiment in rows}


def flag_cache(request: Request) -> FlagCache:
    """The app's flag cache and exposure sink, built on first use."""
    state = request.app.state
    cache: FlagCache | None = getattr(state, "flag_cache", None)
    if cache is not None:
        return cache
    with _setup_lock:
        cache = getattr(state, "flag_cache", None)
        if cache is None:
            lake = EventLake(state.settings)
            state.decide_keys = KeyRing(lake.root)
            cache = FlagCache(state.sessions, LakeExposureSink(lake))
            state.flag_cache = cache
    return cache


def attributes_of(body: Mapping[str, Any]) -> dict[str, Any]:
    """Targeting attributes from a PostHog-style body: person properties, groups and the
    account's group properties."""
    attributes: dict[str, Any] = {}
    person = body.get("person_properties")
    if isinstance(person, Mapping):
        attributes.update(person)
    groups = body.get("groups")
    if isinstance(groups, Mapping):
        attributes["$groups"] = dict(groups)
    group_properties = body.get("group_properties")
    if isinstance(group_properties, Mapping):
        account = group_properties.get("account")
        if isinstance(account, Mapping):
            attributes["$account"] = dict(account)
    return attributes


def form_payload(raw: bytes) -> bytes:
    """The JSON inside posthog-js's form body ``data=<base64>``; other bodies unchanged."""
    if not raw.startswith(b"data="):
        return raw
    value = parse_qs(raw.decode("latin-1")).get("data", [""])[0]
    try:
        return base64.b64decode(value + "=" * (-len(value) % 4))
    except binascii.Error:
        raise CaptureRefused(400, "invalid", "data: is not base64", "data") from None


class DecideRefused(Exception):
    """A decide request refused with an HTTP status and a field."""

    def __init__(self, status: int, code: str, message: str, field: str | None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field


async def _request(request: Request) -> tuple[FlagCache, dict[str, Any], str | None]:
    """The cache, the decoded body and the distinct id; the project key checked."""
    cache = flag_cache(request)
    raw = await request.body()
    try:
        body = decode_body(
            form_payload(raw), gzipped="gzip" in request.headers.get("content-encoding", "")
        )
    except CaptureRefused as exc:
        raise DecideRefused(exc.status, exc.code, exc.message, exc.field) from None
    if not isinstance(body, dict):
        raise DecideRefused(400, "invalid", "body: must be a JSON object", "body")
    secret = body.get("api_key") or body.get("token")
    header = request.headers.get("authorization", "")
    if not secret and header.lower().startswith("bearer "):
        secret = header[7:].strip()
    keys: KeyRing = request.app.state.decide_keys
    if not isinstance(secret, str) or not secret or keys.authenticate(secret) is None:
        raise DecideRefused(401, "unauthorized", "api_key: not an active project key", "api_key")
    distinct_id = body.get("distinct_id")
    if distinct_id is not None and not isinstance(distinct_id, str | int):
        raise DecideRefused(400, "invalid", "distinct_id: must be a string", "distinct_id")
    if cache.due():
        await run_in_threadpool(cache.refresh)
    return cache, body, None if distinct_id is None else str(distinct_id)


def _value(flags: FlagSet, decision: Decision) -> str | bool:
    """PostHog's flag value: the variant of a multivariate flag, else true / false."""
    if not decision.enabled:
        return False
    if len(flags.config(decision.flag_key).variants) == 1:
        return True
    return decision.variant or False


def _json(content: Any) -> Response:
    """A JSON response encoded with orjson (a decision is mostly encoding time)."""
    return Response(orjson.dumps(content), media_type="application/json")


def _refused(exc: DecideRefused) -> JSONResponse:
    return error_json(exc.status, exc.code, exc.message, exc.field)


async def posthog_decide(request: Request) -> Any:
    """PostHog ``/decide/``: ``featureFlags`` and ``featureFlagPayloads``."""
    try:
        cache, body, distinct_id = await _request(request)
    except DecideRefused as exc:
        return _refused(exc)
    flags = cache.flags
    decisions = flags.decide_all(distinct_id, attributes_of(body))
    return _json(
        {
            "featureFlags": {key: _value(flags, d) for key, d in decisions.items()},
            "featureFlagPayloads": {},
            "errorsWhileComputingFlags": False,
        }
    )


async def posthog_flags(request: Request) -> Any:
    """PostHog ``/flags/`` (v2): per-flag detail, plus ``featureFlags`` for older SDKs."""
    try:
        cache, body, distinct_id = await _request(request)
    except DecideRefused as exc:
        return _refused(exc)
    flags = cache.flags
    decisions = flags.decide_all(distinct_id, attributes_of(body))
    detail = {
        key: {
            "key": key,
            "enabled": d.enabled,
            "variant": d.variant if len(flags.config(key).variants) > 1 else None,
            "reason": {"code": d.reason},
            "metadata": {"payload": None},
        }
        for key, d in decisions.items()
    }
    return _json(
        {
            "flags": detail,
            "featureFlags": {key: _value(flags, d) for key, d in decisions.items()},
            "featureFlagPayloads": {},
            "errorsWhileComputingFlags": False,
        }
    )


async def prodloop_decide(request: Request) -> Any:
    """``/api/v1/flags/decide``: decisions with reasons; exposures tracked unless ``track``
    is false."""
    try:
        cache, body, distinct_id = await _request(request)
    except DecideRefused as exc:
        return _refused(exc)
    flags = cache.flags
    wanted = body.get("flags")
    if wanted is not None and (
        not isinstance(wanted, list) or not all(isinstance(k, str) for k in wanted)
    ):
        return _refused(DecideRefused(400, "invalid", "flags: must be a list of keys", "flags"))
    track = body.get("track", True)
    if not isinstance(track, bool):
        return _refused(DecideRefused(400, "invalid", "track: must be true or false", "track"))
    attributes = attributes_of(body)
    keys = list(flags) if wanted is None else wanted
    decisions = [flags.decide(key, distinct_id, attributes, track=track) for key in keys]
    return _json(
        {
            "distinct_id": distinct_id,
            "flags": {
                d.flag_key: {
                    "enabled": d.enabled,
                    "variant": d.variant,
                    "reason": d.reason,
                    "value": _value(flags, d) if d.flag_key in flags else False,
                }
                for d in decisions
            },
        }
    )


for _path in ("/decide", "/flags"):
    handler = posthog_decide if _path == "/decide" else posthog_flags
    router.add_api_route(_path, handler, methods=["POST"])
    router.add_api_route(_path + "/", handler, methods=["POST"])
router.add_api_route("/api/v1/flags/decide", prodloop_decide, methods=["POST"])


def close_flag_cache(state: Any) -> None:
    """Flush the exposures a process still holds (on shutdown)."""
    cache: FlagCache | None = getattr(state, "flag_cache", None)
    if cache is not None:
        cache.sink.close()


__all__ = ["FlagCache", "close_flag_cache", "flags_version", "router"]
