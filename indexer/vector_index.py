"""The vector store behind a small protocol, FAISS as the default backend.

Kept deliberately small (txtai's ANN interface is the model): add, search with an
optional allow-list, save, load. Exact flat inner-product search is the default
and the ground truth any approximate index type is later measured against.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import faiss
import numpy as np


class VectorIndex(Protocol):
    kind: str
    dimension: int

    def __len__(self) -> int: ...

    def add(self, vectors: np.ndarray) -> None: ...

    def search(
        self, queries: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Scores and row numbers, best first; rows are -1 where fewer than k exist."""
        ...

    def reconstruct(self, rows: np.ndarray) -> np.ndarray:
        """The stored vectors of the given rows (used for score calibration samples)."""
        ...

    def save(self, path: Path) -> None: ...


class FaissFlatIndex:
    """Exact inner-product search (cosine on normalised vectors)."""

    kind = "faiss-flat-ip"

    def __init__(self, dimension: int, index: faiss.Index | None = None) -> None:
        self.dimension = dimension
        self._index = index if index is not None else faiss.IndexFlatIP(dimension)

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def add(self, vectors: np.ndarray) -> None:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[1] != self.dimension:
            raise ValueError(
                f"expected vectors of shape (n, {self.dimension}), got {vectors.shape}"
            )
        self._index.add(vectors)

    def search(
        self, queries: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        queries = np.ascontiguousarray(queries, dtype=np.float32).reshape(-1, self.dimension)
        k = max(1, min(k, len(self))) if len(self) else 1
        params = None
        if allowed is not None:
            # Filter inside the search, before the top-k cut, so k hits come back
            # whenever k rows pass the filter.
            params = faiss.SearchParameters(
                sel=faiss.IDSelectorBatch(np.asarray(allowed, np.int64))
            )
        scores, rows = self._index.search(queries, k, params=params)
        return scores, rows

    def reconstruct(self, rows: np.ndarray) -> np.ndarray:
        rows = np.asarray(rows, dtype=np.int64)
        if len(rows) == 0:
            return np.zeros((0, self.dimension), np.float32)
        return self._index.reconstruct_batch(rows)

    def save(self, path: Path) -> None:
        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path) -> FaissFlatIndex:
        index = faiss.read_index(str(path))
        return cls(index.d, index)


_BACKENDS: dict[str, type[FaissFlatIndex]] = {FaissFlatIndex.kind: FaissFlatIndex}
DEFAULT_KIND = FaissFlatIndex.kind


def create_index(kind: str, dimension: int) -> VectorIndex:
    """Factory: a new empty index of the given kind."""
    try:
        return _BACKENDS[kind](dimension)
    except KeyError:
        raise ValueError(f"unknown index kind {kind!r}; known: {', '.join(_BACKENDS)}") from None


def load_index(kind: str, path: Path) -> VectorIndex:
    try:
        backend = _BACKENDS[kind]
    except KeyError:
        raise ValueError(f"unknown index kind {kind!r}; known: {', '.join(_BACKENDS)}") from None
    return backend.load(path)
