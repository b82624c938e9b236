"""FAISS as the vector store: exact (flat), HNSW and IVF-PQ kinds in one class."""

from __future__ import annotations

import errno
from collections.abc import Sequence
from pathlib import Path

import faiss
import numpy as np
from glossa.indexer.store.vectors import (
    FLAT,
    HNSW,
    HNSW_EF_CONSTRUCTION,
    HNSW_EF_SEARCH,
    HNSW_M,
    IVF_NPROBE,
    IVFPQ,
    KINDS,
    PQ_SUBQUANTIZERS,
    REFINE_K_FACTOR,
    TRAIN_SAMPLE,
    Filter,
    RowFilter,
    StoreProgress,
    allowed_rows,
    checked_vectors,
    row_bitmap,
)

BITMAP_ABOVE = 4096  # allowed rows


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

    def _selector(self, where: Filter) -> faiss.IDSelector | None:
        if isinstance(where, RowFilter) and where.bitmap is not None:
            bitmap = where.bitmap
            selector = faiss.IDSelectorBitmap(len(bitmap) * 8, faiss.swig_ptr(bitmap))
            selector.referenced = bitmap  # keep the bits alive as long as the selector
            return selector
        allowed = allowed_rows(where)
        if allowed is None:
            return None
        if len(allowed) > BITMAP_ABOVE:  # hashing many rows costs more than a bitmap
            bitmap = row_bitmap(np.asarray(allowed, np.int64), len(self))
            return self._selector(RowFilter(bitmap=bitmap))
        return faiss.IDSelectorBatch(np.asarray(allowed, np.int64))

    def _params(self, where: Filter) -> faiss.SearchParameters | None:
        selector = self._selector(where)
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
        params = self._params(where)
        return self._index.search(queries, k, params=params)

    def reconstruct(self, rows: np.ndarray) -> np.ndarray:
        rows = np.asarray(rows, dtype=np.int64)
        if len(rows) == 0:
            return np.zeros((0, self.dimension), np.float32)
        return self._index.reconstruct_batch(rows)

    def save(self, path: Path) -> None:
        try:
            faiss.write_index(self._index, str(path))
        except RuntimeError as exc:  # faiss says "N requested and M written" on a full disk
            short = "written" in str(exc)
            raise OSError(
                errno.ENOSPC if short else errno.EIO,
                "No space left on device (the file was cut short)" if short else str(exc),
                str(path),
            ) from exc

    @classmethod
    def load(cls, kind: str, path: Path) -> FaissIndex:
        index = faiss.read_index(str(path))
        return cls(kind, index.d, index)
