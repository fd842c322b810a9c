"""Embedders: the real MiniLM model offline, the hashing fallback, storage as bytes."""

from __future__ import annotations

import numpy as np

from prodloop.feedback.understanding import (
    HashingEmbedder,
    MiniLMEmbedder,
    default_embedder,
    minilm_available,
    vector_from_bytes,
    vector_to_bytes,
)

TEXTS = [
    "The app crashes when I export a report",
    "Exporting a report makes the application crash",
    "I love the new dark mode",
]


def test_minilm_loads_offline_and_gives_unit_384_vectors(minilm: MiniLMEmbedder) -> None:
    vectors = minilm.embed(TEXTS)
    assert vectors.shape == (3, 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    # Paraphrases are nearer each other than an unrelated sentence is.
    assert vectors[0] @ vectors[1] > 0.7 > vectors[0] @ vectors[2] + 0.3
    # Batched and one-by-one agree.
    single = np.vstack([minilm.embed([t]) for t in TEXTS])
    np.testing.assert_allclose(single, vectors, atol=1e-4)
    assert minilm.embed([]).shape == (0, 384)


def test_default_embedder_is_minilm_when_installed() -> None:
    assert minilm_available()
    assert default_embedder().name == "all-MiniLM-L6-v2"
    assert default_embedder() is default_embedder()


def test_hashing_embedder_is_deterministic_and_sees_shared_words() -> None:
    embedder = HashingEmbedder()
    first, again = embedder.embed(TEXTS), HashingEmbedder()(TEXTS)
    assert first.tobytes() == again.tobytes()
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)
    assert first[0] @ first[1] > first[0] @ first[2]
    assert np.all(embedder.embed([""]) == 0)


def test_vector_bytes_round_trip() -> None:
    vector = np.array([0.25, -1.5, 3.0], dtype=np.float32)
    data = vector_to_bytes(vector)
    assert len(data) == 12
    np.testing.assert_array_equal(vector_from_bytes(data), vector)
