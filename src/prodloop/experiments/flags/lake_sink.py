"""The exposure sink that writes ``$feature_flag_called`` events to the event lake.

Exposures are buffered and appended in batches (durably: the lake fsyncs its log before
``append`` returns) when the buffer fills, when ``flush_seconds`` have passed (on a daemon
thread), and on :meth:`LakeExposureSink.close`. Each exposure's event uuid is derived from
(flag, unit type, unit, variant), so a unit shown the same variant again and again makes one
event: the lake keeps the first copy it received, which is the unit's first exposure.
Event and property names are PostHog's, so PostHog SDK exposures and prodloop's agree.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from prodloop.analytics.lake import EventLake
from prodloop.analytics.schemas import EventRecord
from prodloop.experiments.flags.exposures import Exposure
from prodloop.experiments.flags.schemas import UnitType

EXPOSURE_EVENT = "$feature_flag_called"
_EXPOSURE_NAMESPACE = uuid.UUID("5b0c3f0e-8f7e-4a57-9a43-6f1c1d2f7e10")
#: How many recent exposure ids a sink remembers to skip re-sending them.
RECENT_LIMIT = 200_000


def exposure_uuid(flag_key: str, unit_type: str, unit_id: str, variant: str) -> str:
    """The deterministic event uuid of a unit's exposure to one variant of a flag."""
    name = "\x1f".join((flag_key, unit_type, unit_id, variant))
    return str(uuid.uuid5(_EXPOSURE_NAMESPACE, name))


def exposure_record(
    exposure: Exposure,
    *,
    experiment: str | None = None,
    project: str = "prodloop",
    received_at: datetime | None = None,
    event_id: str | None = None,
) -> EventRecord:
    """The lake record of ``exposure``: a ``$feature_flag_called`` event."""
    unit_type = exposure.unit_type.value
    account = exposure.unit_id if exposure.unit_type is UnitType.ACCOUNT else None
    properties: dict[str, Any] = {
        "$feature_flag": exposure.flag_key,
        "$feature_flag_response": exposure.variant,
        "$feature_flag_reason": exposure.reason,
        "unit_type": unit_type,
    }
    if experiment is not None:
        properties["experiment"] = experiment
    if account is not None:
        properties["$groups"] = {"account": account}
    return {
        "uuid": event_id
        or exposure_uuid(exposure.flag_key, unit_type, exposure.unit_id, exposure.variant),
        "event": EXPOSURE_EVENT,
        "distinct_id": exposure.distinct_id or exposure.unit_id,
        "timestamp": exposure.timestamp.isoformat(),
        "properties": properties,
        "person_set": None,
        "person_set_once": None,
        "groups": {"account": account} if account is not None else None,
        "received_at": (received_at or datetime.now(UTC)).isoformat(),
        "sent_at": None,
        "project": project,
        "source": "flags",
        "current_url": None,
        "browser": None,
        "os": None,
        "lib": "prodloop-flags",
        "account_id": account,
    }


#: Full batches the flusher may fall behind by before a decision writes one itself.
BACKLOG_BATCHES = 10


class LakeExposureSink:
    """Buffers exposures and appends them to ``lake`` in batches; thread-safe.

    ``experiments`` maps a flag key to the key of the experiment running on it (or is a
    callable doing so); the key is stored on the event. With ``flush_seconds`` a daemon
    thread flushes that often; call :meth:`close` to flush what is left.
    """

    def __init__(
        self,
        lake: EventLake,
        *,
        experiments: Mapping[str, str] | Callable[[str], str | None] | None = None,
        batch_size: int = 1000,
        flush_seconds: float | None = 1.0,
        project: str = "prodloop",
    ) -> None:
        self.lake = lake
        self.batch_size = batch_size
        self.project = project
        self._experiments = experiments
        self._buffer: list[EventRecord] = []
        self._recent: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        if flush_seconds is not None and flush_seconds > 0:
            self._thread = threading.Thread(
                target=self._run, args=(flush_seconds,), name="exposure-flusher", daemon=True
            )
            self._thread.start()

    def set_experiments(self, experiments: Mapping[str, str]) -> None:
        """Replace the flag → experiment mapping (when experiments start or stop)."""
        self._experiments = dict(experiments)

    def experiment_for(self, flag_key: str) -> str | None:
        """The experiment running on ``flag_key``, if any."""
        found = self._experiments
        if found is None:
            return None
        if callable(found):
            return found(flag_key)
        return found.get(flag_key)

    def __call__(self, exposure: Exposure) -> None:
        """Queue ``exposure`` unless the same unit-variant exposure was queued recently."""
        unit_type = exposure.unit_type.value
        event_id = exposure_uuid(exposure.flag_key, unit_type, exposure.unit_id, exposure.variant)
        with self._lock:
            if event_id in self._recent:
                return
            self._recent[event_id] = None
            if len(self._recent) > RECENT_LIMIT:
                self._recent.popitem(last=False)
            record = exposure_record(
                exposure,
                experiment=self.experiment_for(exposure.flag_key),
                project=self.project,
                event_id=event_id,
            )
            self._buffer.append(record)
            size = len(self._buffer)
        if size >= self.batch_size:
            # The flusher thread writes full batches, so a decision never waits for an
            # fsync; only a buffer the flusher cannot keep up with is written here.
            if self._thread is None or size >= BACKLOG_BATCHES * self.batch_size:
                self.flush()
            else:
                self._wake.set()

    def flush(self) -> int:
        """Append everything buffered to the lake; returns how many events were written."""
        with self._write_lock:
            with self._lock:
                batch, self._buffer = self._buffer, []
            if not batch:
                return 0
            try:
                return self.lake.append(batch)
            except Exception:
                with self._lock:  # keep them for the next flush, and forget nothing
                    self._buffer = batch + self._buffer
                raise

    def pending(self) -> int:
        """Exposures buffered and not yet in the lake."""
        with self._lock:
            return len(self._buffer)

    def close(self) -> None:
        """Stop the flushing thread and flush what is left."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.flush()

    def _run(self, interval: float) -> None:
        while not self._stop.is_set():
            self._wake.wait(interval)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                self.flush()
            except Exception:  # the batch stays buffered; the next flush retries it
                continue
