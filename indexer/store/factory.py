"""Create, load and discard vector indexes by kind: the one place that knows
every backend (txtai's ANN factory is the model)."""

from __future__ import annotations

from pathlib import Path

from glossa.indexer.store.faiss_index import FaissIndex
from glossa.indexer.store.vectors import (
    FAISS_KINDS,
    FAISS_STORE,
    KINDS,
    MILVUS,
    StoreConfig,
    VectorIndex,
    choose_kind,
)


def create_index(
    kind: str, dimension: int, expected_count: int = 0, store: StoreConfig = FAISS_STORE, *,
    generation: int = 0,
) -> VectorIndex:  # fmt: skip
    """Factory: a new empty index of ``kind`` in ``store`` (``auto``: FAISS kinds are
    chosen by ``expected_count``; with the Milvus backend every kind is ``milvus``)."""
    if store.backend == "milvus" or kind == MILVUS:
        from glossa.indexer.store.milvus import MilvusIndex

        return MilvusIndex.create(store, dimension, expected_count, generation)
    if kind == "auto":
        kind = choose_kind(expected_count)
    if kind not in FAISS_KINDS:
        raise ValueError(f"unknown index kind {kind!r}; known: auto, {', '.join(KINDS)}")
    return FaissIndex.create(kind, dimension, expected_count)


def load_index(kind: str, path: Path, store: StoreConfig = FAISS_STORE) -> VectorIndex:
    if kind == MILVUS:
        from glossa.indexer.store.milvus import MilvusIndex

        return MilvusIndex.load(path, store)
    if kind not in FAISS_KINDS:
        raise ValueError(f"unknown index kind {kind!r}; known: {', '.join(KINDS)}")
    return FaissIndex.load(kind, path)


def discard_index(kind: str, path: Path, store: StoreConfig = FAISS_STORE) -> None:
    """Release what a replaced index holds outside its directory (a Milvus
    collection); FAISS indexes live in their file, which goes with the directory."""
    if kind == MILVUS and path.is_file():
        from glossa.indexer.store.milvus import MilvusIndex

        MilvusIndex.drop(path, store)
