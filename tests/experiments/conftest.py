"""Fixtures for the statistics engine's tests: the gbstats reference, called in its own
environment."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
from benchmarks.gbstats_runner import call_gbstats, missing_gbstats

GbstatsCall = Callable[[dict[str, Any]], dict[str, Any]]


@pytest.fixture(scope="session")
def gbstats() -> GbstatsCall:
    """Call gbstats 0.8.0 through its runner; skip without it, but fail on CI."""
    reason = missing_gbstats()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must cross-check against gbstats: {reason}")
        pytest.skip(reason)
    return call_gbstats
