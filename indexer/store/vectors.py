"""The vector store interface: the protocol every backend implements (FAISS in
``store.faiss_index``, Milvus in ``store.milvus``), its filter and config types;
``store.factory`` creates and loads them, so backends never import each other.

Kept deliberately small (txtai's ANN interface is the model): add (with each
row's language and source), delete, search with a filter, reconstruct, count
(``len``), save, load. Rows are positions aligned with ``entries.jsonl``: row i
is entry i, and a delete closes the gap like deleting from a list. A factory
creates an index by kind:

- ``faiss-flat-ip``: exact inner product (cosine on normalised vectors). The
  default for small collections and the ground truth the others are measured
  against (benchmarks/scale/perf_scale.py).
- ``faiss-hnsw``: HNSW graph over full vectors: fast, high recall, somewhat more
  memory than flat.
- ``faiss-ivfpq``: inverted lists of product-quantised codes, re-ranked with an
  8-bit scalar-quantised copy: a fraction of the memory, for very large termbases.

- ``milvus``: a Milvus collection (FLAT below ``HNSW_ABOVE`` entries, HNSW
  above), selected with ``GLOSSA_BACKEND=milvus``.

``auto`` picks by collection size (``choose_kind``). A ``RowFilter`` is applied
inside the search, before the top-k cut: FAISS gets the allowed rows as an
``IDSelector``, Milvus a boolean expression over its ``lang``/``source`` fields.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

FLAT, HNSW, IVFPQ, MILVUS = "faiss-flat-ip", "faiss-hnsw", "faiss-ivfpq", "milvus"
FAISS_KINDS = (FLAT, HNSW, IVFPQ)
KINDS = (*FAISS_KINDS, MILVUS)
BACKENDS = ("faiss", "milvus")
DEFAULT_KIND = "auto"
HNSW_ABOVE = 50_000  # entries; below it exact search is fast enough (~5 ms at 50k)
IVFPQ_ABOVE = 5_000_000  # above it, full float vectors stop fitting comfortably in memory
HNSW_M, HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH = 32, 80, 128
IVF_NPROBE, REFINE_K_FACTOR, PQ_SUBQUANTIZERS = 32, 16, 48
TRAIN_SAMPLE = 100_000


@dataclass(frozen=True)
class RowFilter:
    """Which rows a search may return, in both forms a backend may want: the
    allowed rows themselves (FAISS), and the language/source sets they were
    computed from (engines with scalar fields: Milvus filter expressions).
    ``None`` means "no restriction" for each part; the parts agree by construction."""

    rows: np.ndarray | None = None
    langs: frozenset[str] | None = None
    sources: frozenset[str] | None = None
    # the same rows as a little-endian bitmap over the index (np.packbits), when
    # the caller has one: FAISS tests a bit per candidate instead of hashing rows
    bitmap: np.ndarray | None = None


def row_bitmap(rows: np.ndarray, size: int) -> np.ndarray:
    mask = np.zeros(size, dtype=bool)
    mask[rows] = True
    return np.packbits(mask, bitorder="little")


Filter = RowFilter | np.ndarray | None  # a bare array: allowed rows
StoreProgress = Callable[[int, int], None]


@dataclass(frozen=True)
class StoreConfig:
    """Where vectors live. ``faiss``: in the index directory. ``milvus``: in a
    collection named ``<milvus_collection>_g<generation>`` on the server at
    ``milvus_uri``; the index directory keeps a pointer to it."""

    backend: str = "faiss"
    milvus_uri: str = "http://127.0.0.1:19530"
    milvus_token: str | None = None
    milvus_db: str = "default"
    milvus_collection: str = "glossa"
    milvus_timeout: float = 5.0
    # replaced versions an index keeps restorable, and full-build backups: every
    # writer is given the same number (GLOSSA_KEEP_VERSIONS, through the settings)
    keep_versions: int = 3


FAISS_STORE = StoreConfig()


class VectorIndex(Protocol):
    kind: str
    dimension: int
    file_name: str  # what ``save`` writes in the index directory

    def __len__(self) -> int: ...

    def add(
        self,
        vectors: np.ndarray,
        langs: Sequence[str] | None = None,
        sources: Sequence[str] | None = None,
        progress: StoreProgress | None = None,
    ) -> None:
        """Append rows; ``langs``/``sources`` (one per row) feed backends' filters."""
        ...

    def delete(self, rows: np.ndarray) -> None:
        """Remove rows; later rows move up to close the gaps (list semantics)."""
        ...

    def search(
        self, queries: np.ndarray, k: int, where: Filter = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Scores and row numbers, best first; rows are -1 where fewer than k exist."""
        ...

    def reconstruct(self, rows: np.ndarray) -> np.ndarray:
        """The stored (possibly approximate) vectors of the given rows."""
        ...

    def save(self, path: Path) -> None: ...


def checked_vectors(vectors: np.ndarray, dimension: int) -> np.ndarray:
    """``vectors`` as a contiguous float32 (n, dimension) array, or a clear error."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if vectors.ndim != 2 or vectors.shape[1] != dimension:
        raise ValueError(f"expected vectors of shape (n, {dimension}), got {vectors.shape}")
    return vectors


def allowed_rows(where: Filter) -> np.ndarray | None:
    return where.rows if isinstance(where, RowFilter) else where


def choose_kind(count: int) -> str:
    if count < HNSW_ABOVE:
        return FLAT
    if count < IVFPQ_ABOVE:
        return HNSW
    return IVFPQ
