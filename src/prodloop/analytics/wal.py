"""The write-ahead log: append-only NDJSON segments, fsynced before a batch is acknowledged.

Each process writes its own segment (``<pid>-<token>-<seq>.ndjson``) and holds an exclusive
``flock`` on it while it is open. A segment whose lock can be taken is therefore sealed (its
writer rotated away from it, or died) and compaction may fold it into Parquet and delete it.
Concurrent appends in one process share an fsync (group commit).
"""

from __future__ import annotations

import fcntl
import os
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SUFFIX = ".ndjson"


def fsync_dir(path: Path) -> None:
    """Make a directory entry (a new or renamed file in ``path``) durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class WalWriter:
    """Appends encoded lines to this process's current segment, durably."""

    def __init__(self, directory: Path, *, segment_bytes: int = 64 * 1024 * 1024) -> None:
        self.directory = directory
        self.segment_bytes = segment_bytes
        self._pending_lock = threading.Lock()
        self._io_lock = threading.Lock()
        self._pending: list[bytes] = []
        self._queued = 0
        self._durable = 0
        self._failed: list[tuple[int, int]] = []
        self._fd: int | None = None
        self._pid = 0
        self._token = secrets.token_hex(4)
        self._sequence = 0
        self._size = 0
        self.path: Path | None = None

    def append(self, data: bytes) -> None:
        """Write ``data`` (whole lines) and return once it is on disk."""
        with self._pending_lock:
            self._pending.append(data)
            self._queued += 1
            ticket = self._queued
        with self._io_lock:
            if any(first <= ticket <= last for first, last in self._failed):
                raise OSError("the write-ahead log write carrying this batch failed")
            if self._durable >= ticket:
                return
            with self._pending_lock:
                chunk = b"".join(self._pending)
                self._pending.clear()
                first, last = self._durable + 1, self._queued
            try:
                self._write(chunk)
            except OSError:
                self._failed.append((first, last))
                self._close()
                raise
            self._durable = last

    def seal(self) -> Path | None:
        """Close the current segment so compaction may take it; returns it if it held data."""
        with self._io_lock:
            sealed = self.path if self._size else None
            self._close()
            return sealed

    def _write(self, chunk: bytes) -> None:
        if self._fd is None or self._pid != os.getpid() or self._size >= self.segment_bytes:
            self._close()
            self._open()
        assert self._fd is not None
        view = memoryview(chunk)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        os.fsync(self._fd)
        self._size += len(chunk)

    def _open(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        if self._pid != os.getpid():  # a forked child must not share the parent's names
            self._pid, self._token, self._sequence = os.getpid(), secrets.token_hex(4), 0
        self._sequence += 1
        name = f"{self._pid}-{self._token}-{self._sequence:06d}{SUFFIX}"
        self.path = self.directory / name
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fsync_dir(self.directory)
        self._fd, self._size = fd, 0

    def _close(self) -> None:
        if self._fd is not None and self._pid == os.getpid():
            os.close(self._fd)  # closing releases the flock
        self._fd, self._size, self.path = None, 0, None


def segments(directory: Path) -> list[Path]:
    """Every segment with data, oldest name first."""
    if not directory.exists():
        return []
    found = [p for p in directory.glob(f"*{SUFFIX}") if p.stat().st_size > 0]
    return sorted(found)


@contextmanager
def sealed_segments(directory: Path) -> Iterator[list[Path]]:
    """The segments no live writer holds, locked against writers for the duration."""
    held: list[tuple[Path, int]] = []
    try:
        for path in segments(directory):
            try:
                fd = os.open(path, os.O_RDONLY)
            except FileNotFoundError:
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            held.append((path, fd))
        yield [path for path, _ in held]
    finally:
        for _, fd in held:
            os.close(fd)


@contextmanager
def file_lock(path: Path, *, blocking: bool = True) -> Iterator[bool]:
    """An exclusive lock on ``path`` across processes; yields False if not blocking and busy."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)
