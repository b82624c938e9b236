"""Publish an index directory into Milvus, entries, BM25 and vectors together
(``indexer.engine.collection``), and point a small local directory at it.

Why publish from an index directory rather than index straight into Milvus:
the local index already holds every embedding, the calibration statistics and
the equivalence graph, so publishing embeds nothing and stores the same
confirmed links the local engine spreads lexical evidence along. It streams the
entries in batches, so memory follows the batch, not the corpus; the new
collection is swapped in by the local manifest's rename, and the collection it
replaces is dropped afterwards, so readers see the old or the new version.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path

import numpy as np
from glossa.concepts.equivalents import EquivalenceGraph
from glossa.indexer.concept_links import build_graph, calibrate
from glossa.indexer.engine.collection import (
    TOKEN_LIMIT,
    EngineCollection,
    EngineRow,
)
from glossa.indexer.engine.directory import (
    EngineArrays,
    EngineManifest,
    is_engine_dir,
    load_engine_dir,
    write_engine_dir,
)
from glossa.indexer.store.locking import index_lock
from glossa.indexer.store.reader import LoadedIndex, load_index_dir
from glossa.indexer.store.vectors import StoreConfig

BATCH = 1000
Progress = Callable[[int, int], None]


def rows_of(index: LoadedIndex, graph: EquivalenceGraph, rows: np.ndarray,
            doc_stats: np.ndarray) -> list[EngineRow]:  # fmt: skip
    """The engine rows of some live rows of a local index."""
    docs = index.vectors_of(rows)
    links = graph.combined(rows)
    out = []
    for i, row in enumerate(rows.tolist()):
        out.append(EngineRow.of(index.entry(row), docs[i], links[i], doc_stats[i],
                                index.manifest.analyzer,
                                [index.entry(b).id for b in graph.linked(row)]))  # fmt: skip
    return out


def publish(
    index_path: Path,
    out: Path,
    milvus: StoreConfig,
    *,
    source_store: StoreConfig | None = None,
    progress: Progress | None = None,
) -> EngineManifest:
    """Copy the index at ``index_path`` into a new collection on ``milvus`` and
    commit ``out`` (a directory) pointing at it; returns the new manifest."""
    index = load_index_dir(index_path, store=source_store)
    manifest = index.manifest
    # the same calibration and graph a Searcher over this index would hold
    calibration = calibrate(index, entry_statistics=True)
    graph = build_graph(index)
    live = index.live_rows
    doc_stats = index.doc_stats
    name = f"{milvus.milvus_collection}_e{secrets.token_hex(4)}"
    collection = EngineCollection.create(milvus, name, manifest.dimension, len(live))
    cut = 0
    pairs: dict[str, dict[str, int]] = {}
    try:
        for start in range(0, len(live), BATCH):
            rows = live[start : start + BATCH]
            batch = rows_of(index, graph, rows, doc_stats[start : start + BATCH])
            cut += sum(len(r.tokens) > TOKEN_LIMIT for r in batch)
            for r in batch:
                langs = pairs.setdefault(r.entry.source, {})
                langs[r.entry.lang] = langs.get(r.entry.lang, 0) + 1
            collection.insert(batch)
            index.release()
            if progress:
                progress(min(start + BATCH, len(live)), len(live))
        collection.flush()
        stored = collection.count()
        if stored != len(live):
            raise RuntimeError(f"collection {name!r} holds {stored} entries, expected {len(live)}")
    except BaseException:
        EngineCollection.drop(milvus, name)
        raise
    link_means, overall_mean = graph.link_means
    arrays = EngineArrays(
        pseudo=index.pseudo,
        link_means=link_means,
        overall_mean=overall_mean,
        samples=dict(calibration.samples),
        groups=calibration.group,
    )
    engine = EngineManifest(
        model=manifest.model, dimension=manifest.dimension, doc_text=manifest.doc_text,
        analyzer=manifest.analyzer, collection=name, index_type=collection.index_type,
        milvus_uri=milvus.milvus_uri, milvus_db=milvus.milvus_db, count=len(live),
        languages=manifest.languages, sources=manifest.sources,
        source_titles=manifest.source_titles,
        reviews=tuple((r.a, r.b, r.decision) for r in index.reviews
                      if not _stale(r, index)),  # a stale decision is not published
        published_from=str(index_path.resolve()), built_at=manifest.built_at,
        generation=manifest.generation, arrays="", arrays_sha256="", cut_lexical=cut,
        source_languages=pairs,
    )  # fmt: skip
    return commit_publication(out, engine, arrays, milvus)


def commit_publication(out: Path, engine: EngineManifest, arrays: EngineArrays,
                       milvus: StoreConfig) -> EngineManifest:  # fmt: skip
    """Swap ``engine`` in at ``out`` and drop the collection it replaces."""
    out.mkdir(parents=True, exist_ok=True)
    with index_lock(out, exclusive=True):
        previous = load_engine_dir(out)[0].collection if is_engine_dir(out) else None
        committed = write_engine_dir(out, engine, arrays)
    if previous and previous != engine.collection:
        EngineCollection.drop(milvus, previous)
    return committed


def _stale(review, index: LoadedIndex) -> bool:
    a, b = index.get(review.a), index.get(review.b)
    return a is not None and b is not None and review.stale(a, b)
