"""Feedback tests embed with the hashing fallback: fast, and no model to load."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def hashing_embedder(monkeypatch: pytest.MonkeyPatch) -> None:
    """``PRODLOOP_FEEDBACK_EMBEDDER=hashing`` for every test here (MiniLM is E2's to test)."""
    monkeypatch.setenv("PRODLOOP_FEEDBACK_EMBEDDER", "hashing")
