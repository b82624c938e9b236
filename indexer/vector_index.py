"""The vector store behind a small protocol, FAISS as the default backend and
Milvus (``indexer.milvus_store``) for termbases that outgrow one machine.

Kept deliberately small (txtai's ANN interface is the model): add (with each
row's language and source), delete, search with a filter, reconstruct, count
(``len``), save, load. Rows are positions aligned with ``entries.jsonl``: row i
is entry i, and a delete closes the gap like deleting from a list. A factory
creates an index by kind:

- ``faiss-flat-ip``: exact inner product (cosine on normalised vectors). The
  default for small collections and the ground truth the others are measured
  against (benchmarks/perf_scale.py).
- ``faiss-hnsw``: HNSW graph over full vectors: fast, high recall, ~1.2x the
  memory of flat.
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

import faiss
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


def _ivf_lists(count: int) -> int:
    """~4 * sqrt(n) inverted lists, the usual FAISS guidance, within sane bounds."""
    return int(min(65536, max(64, 4 * np.sqrt(max(count, 1)))))


class FaissIndex:
    """One FAISS index of any supported kind."""

    file_name = "vectors.faiss"

    def __init__(self, kind: str, dimension: int, index: faiss.Index) -> None:
        self.kind, self.dimension, self._index = kind, dimension, index
        self.ef_search, self.nprobe, self.k_factor = HNSW_EF_SEARCH, IVF_NPROBE, REFINE_K_FACTOR

    @classmethod
    def create(cls, kind: str, dimension: int, expected_count: int = 0) -> FaissIndex:
        if kind == FLAT:
            index = faiss.IndexFlatIP(dimension)
        elif kind == HNSW:
            index = faiss.IndexHNSWFlat(dimension, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        elif kind == IVFPQ:
            m = next(m for m in (PQ_SUBQUANTIZERS, 32, 24, 16, 8, 4, 2, 1) if dimension % m == 0)
            spec = f"IVF{_ivf_lists(expected_count)},PQ{m}x8,Refine(SQ8)"
            index = faiss.index_factory(dimension, spec, faiss.METRIC_INNER_PRODUCT)
            # Polysemous training (on by default) re-orders PQ codes for Hamming
            # filtering we never use, and made training ~20x slower (40 s vs 2 s at 4k).
            faiss.downcast_index(faiss.extract_index_ivf(index)).do_polysemous_training = False
        else:
            raise ValueError(f"unknown index kind {kind!r}; known: {', '.join(KINDS)}")
        return cls(kind, dimension, index)

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def add(
        self,
        vectors: np.ndarray,
        langs: Sequence[str] | None = None,
        sources: Sequence[str] | None = None,
        progress: StoreProgress | None = None,
    ) -> None:
        vectors = checked_vectors(vectors, self.dimension)
        if not self._index.is_trained:
            rng = np.random.default_rng(0)
            sample = (
                vectors
                if len(vectors) <= TRAIN_SAMPLE
                else vectors[rng.choice(len(vectors), TRAIN_SAMPLE, replace=False)]
            )
            self._index.train(sample)
        self._index.add(vectors)
        if progress:
            progress(len(vectors), len(vectors))

    def delete(self, rows: np.ndarray) -> None:
        rows = np.unique(np.asarray(rows, dtype=np.int64))
        if len(rows) and (rows[0] < 0 or rows[-1] >= len(self)):
            raise IndexError(f"rows out of range 0..{len(self) - 1}")
        if self.kind == FLAT:  # IndexFlat compacts: later rows move up
            self._index.remove_ids(faiss.IDSelectorBatch(rows))
            return
        # graph and inverted-list indexes keep explicit ids: rebuild from the rest
        keep = np.setdiff1d(np.arange(len(self)), rows)
        vectors = self.reconstruct(keep)
        fresh = FaissIndex.create(self.kind, self.dimension, len(keep))
        if len(keep):
            fresh.add(vectors)
        self._index = fresh._index

    def _params(self, allowed: np.ndarray | None) -> faiss.SearchParameters | None:
        selector = None if allowed is None else faiss.IDSelectorBatch(np.asarray(allowed, np.int64))
        if self.kind == HNSW:
            return faiss.SearchParametersHNSW(sel=selector, efSearch=self.ef_search)
        if self.kind == IVFPQ:
            base = faiss.SearchParametersIVF(sel=selector, nprobe=self.nprobe)
            return faiss.IndexRefineSearchParameters(
                k_factor=REFINE_K_FACTOR, base_index_params=base
            )
        return None if selector is None else faiss.SearchParameters(sel=selector)

    def search(
        self, queries: np.ndarray, k: int, where: Filter = None
    ) -> tuple[np.ndarray, np.ndarray]:
        queries = np.ascontiguousarray(queries, dtype=np.float32).reshape(-1, self.dimension)
        k = max(1, min(k, len(self))) if len(self) else 1
        # keep references to the selector objects alive for the duration of the call
        params = self._params(allowed_rows(where))
        return self._index.search(queries, k, params=params)

    def reconstruct(self, rows: np.ndarray) -> np.ndarray:
        rows = np.asarray(rows, dtype=np.int64)
        if len(rows) == 0:
            return np.zeros((0, self.dimension), np.float32)
        if self.kind == FLAT:
            return self._index.reconstruct_batch(rows)
        return np.stack([self._index.reconstruct(int(r)) for r in rows])

    def save(self, path: Path) -> None:
        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, kind: str, path: Path) -> FaissIndex:
        index = faiss.read_index(str(path))
        return cls(kind, index.d, index)


def create_index(
    kind: str, dimension: int, expected_count: int = 0, store: StoreConfig = FAISS_STORE, *,
    generation: int = 0,
) -> VectorIndex:  # fmt: skip
    """Factory: a new empty index of ``kind`` in ``store`` (``auto``: FAISS kinds are
    chosen by ``expected_count``; with the Milvus backend every kind is ``milvus``)."""
    if store.backend == "milvus" or kind == MILVUS:
        from glossa.indexer.milvus_store import MilvusIndex

        return MilvusIndex.create(store, dimension, expected_count, generation)
    if kind == "auto":
        kind = choose_kind(expected_count)
    if kind not in FAISS_KINDS:
        raise ValueError(f"unknown index kind {kind!r}; known: auto, {', '.join(KINDS)}")
    return FaissIndex.create(kind, dimension, expected_count)


def load_index(kind: str, path: Path, store: StoreConfig = FAISS_STORE) -> VectorIndex:
    if kind == MILVUS:
        from glossa.indexer.milvus_store import MilvusIndex

        return MilvusIndex.load(path, store)
    if kind not in FAISS_KINDS:
        raise ValueError(f"unknown index kind {kind!r}; known: {', '.join(KINDS)}")
    return FaissIndex.load(kind, path)


def discard_index(kind: str, path: Path, store: StoreConfig = FAISS_STORE) -> None:
    """Release what a replaced index holds outside its directory (a Milvus
    collection); FAISS indexes live in their file, which goes with the directory."""
    if kind == MILVUS and path.is_file():
        from glossa.indexer.milvus_store import MilvusIndex

        MilvusIndex.drop(path, store)
