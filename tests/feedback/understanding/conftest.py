"""Fixtures of the understanding tests: the real MiniLM model, loaded once, offline."""

from __future__ import annotations

import os

import pytest

from prodloop.feedback.understanding import MiniLMEmbedder


@pytest.fixture(scope="session")
def minilm() -> MiniLMEmbedder:
    """all-MiniLM-L6-v2 from the installed package, with the Hugging Face hub switched off."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    return MiniLMEmbedder()
