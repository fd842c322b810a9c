"""The items one understanding call looks at: ids, texts and unit-length embeddings together."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]


def unit_rows(vectors: npt.ArrayLike) -> Vectors:
    """``vectors`` as a 2-D float32 array whose non-zero rows have length 1."""
    array = np.array(vectors, dtype=np.float32, copy=True)
    if array.ndim == 1:
        array = array.reshape(1, -1)
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    # Rows already of unit length are left bit-for-bit alone, so normalising is idempotent.
    norms[(norms == 0) | (np.abs(norms - 1.0) < 1e-5)] = 1.0
    unit: Vectors = (array / norms).astype(np.float32)
    return unit


@dataclass(frozen=True, eq=False)
class Corpus:
    """Items with their texts and embeddings, index-aligned; ids are unique."""

    ids: tuple[int, ...]
    texts: tuple[str, ...]
    embeddings: Vectors

    @classmethod
    def of(cls, ids: Sequence[int], texts: Sequence[str], embeddings: npt.ArrayLike) -> Corpus:
        """Checks the three line up and the ids are unique; normalises the embedding rows."""
        vectors = (
            unit_rows(embeddings)
            if len(ids)
            else np.zeros((0, np.shape(embeddings)[-1] if np.ndim(embeddings) == 2 else 0))
        )
        if len(ids) != len(texts) or len(ids) != len(vectors):
            raise ValueError(
                f"ids ({len(ids)}), texts ({len(texts)}) and embeddings ({len(vectors)}) "
                "must have the same length"
            )
        id_tuple = tuple(int(i) for i in ids)
        if len(set(id_tuple)) != len(id_tuple):
            raise ValueError("ids must be unique")
        return cls(id_tuple, tuple(texts), vectors.astype(np.float32))

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def dimension(self) -> int:
        """Length of one embedding."""
        return int(self.embeddings.shape[1]) if self.embeddings.ndim == 2 else 0

    def positions(self) -> dict[int, int]:
        """Item id → row."""
        return {item_id: row for row, item_id in enumerate(self.ids)}

    def subset(self, item_ids: Sequence[int]) -> Corpus:
        """The items named, in the order given; every id must be present."""
        where = self.positions()
        missing = [i for i in item_ids if i not in where]
        if missing:
            raise KeyError(f"items not in the corpus: {missing[:5]}")
        rows = [where[i] for i in item_ids]
        return Corpus(
            tuple(item_ids),
            tuple(self.texts[r] for r in rows),
            self.embeddings[rows] if rows else self.embeddings[:0],
        )

    def concat(self, other: Corpus) -> Corpus:
        """This corpus followed by ``other`` (ids must stay unique)."""
        if not len(other):
            return self
        if not len(self):
            return other
        return Corpus.of(
            self.ids + other.ids,
            self.texts + other.texts,
            np.vstack([self.embeddings, other.embeddings]),
        )
