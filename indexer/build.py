"""Build an index directory from entries: embed, add to the vector index, write."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from glossa.corpus.entry import Entry, corpus_checksum
from glossa.indexer.document_text import DEFAULT_RECIPE, document_text
from glossa.indexer.encoders.encoder import Progress, TextEncoder
from glossa.indexer.store.factory import create_index
from glossa.indexer.store.index_dir import Manifest, counts, next_generation, write_index_dir
from glossa.indexer.store.vectors import DEFAULT_KIND, FAISS_STORE, StoreConfig, StoreProgress

from glossa import __version__

PSEUDO_QUERIES = 2048


class EmptyCorpusError(ValueError):
    """Nothing to index."""


def build_index(
    entries: Sequence[Entry],
    encoder: TextEncoder,
    out: Path,
    *,
    doc_text: str = DEFAULT_RECIPE,
    index_kind: str = DEFAULT_KIND,
    progress: Progress | None = None,
    store: StoreConfig = FAISS_STORE,
    store_progress: StoreProgress | None = None,
    source_titles: dict[str, dict[str, str]] | None = None,
) -> Manifest:
    """Embed ``entries`` (the encoder batches, so memory stays flat apart from the
    vectors themselves), store the vectors in ``store`` in batches, and write the
    index directory ``out`` atomically."""
    if not entries:
        raise EmptyCorpusError("no entries to index")
    started = time.perf_counter()
    generation = next_generation(out)
    vectors = encoder.encode_documents([document_text(e, doc_text) for e in entries], progress)
    index = create_index(index_kind, encoder.dimension, len(entries), store, generation=generation)
    index.add(vectors, [e.lang for e in entries], [e.source for e in entries], store_progress)
    name_vectors = encoder.encode_queries([document_text(e, "names") for e in entries])
    doc_stats = pseudo_query_stats(vectors, name_vectors)
    fields = manifest_fields(
        encoder.model_name, encoder.dimension, entries, index.kind, doc_text, started, generation
    )
    if source_titles:
        fields["source_titles"] = source_titles
    return write_index_dir(
        out,
        fields,
        entries,
        index,
        doc_stats,
        name_vectors,
    )


def manifest_fields(
    model: str,
    dimension: int,
    entries: Sequence[Entry],
    kind: str,
    doc_text: str,
    started: float,
    generation: int,
) -> dict:
    """What a build or an update records about the index it writes (the manifest's
    file checksums are added by ``write_index_dir``)."""
    sources, languages = counts(entries)
    return {
        "model": model,
        "dimension": dimension,
        "count": len(entries),
        "index_kind": kind,
        "doc_text": doc_text,
        "corpus_checksum": corpus_checksum(list(entries)),
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "build_seconds": round(time.perf_counter() - started, 3),
        "sources": sources,
        "languages": languages,
        "glossa_version": __version__,
        "generation": generation,
    }


def pseudo_query_stats(vectors: np.ndarray, name_vectors: np.ndarray, seed: int = 0) -> np.ndarray:
    """Mean and std of each entry's similarity to a sample of pseudo-queries (the
    corpus's own names, encoded as queries).

    Why: some entries are "hubs", close to almost any query (short, generic
    definitions such as "Widok agenta"). Standardising an entry's score by how it
    scores against queries in general removes that pull; combined with the
    per-language calibration it raised nDCG@10 on the gold set from 0.685 to
    0.731 (benchmarks/results/eval_dense_scoring.md).
    """
    rng = np.random.default_rng(seed)
    rows = np.arange(len(vectors))
    if len(rows) > PSEUDO_QUERIES:
        rows = np.sort(rng.choice(rows, PSEUDO_QUERIES, replace=False))
    pseudo = name_vectors[rows]
    total = np.zeros(len(vectors), np.float64)
    squares = np.zeros(len(vectors), np.float64)
    for start in range(0, len(vectors), 65536):
        block = (pseudo @ vectors[start : start + 65536].T).astype(np.float64)
        total[start : start + len(block[0])] = block.sum(axis=0)
        squares[start : start + len(block[0])] = (block**2).sum(axis=0)
    mean = total / len(pseudo)
    std = np.sqrt(np.maximum(squares / len(pseudo) - mean**2, 1e-12))
    return np.stack([mean, std], axis=1).astype(np.float32)
