"""Build a new version of an index from entries: embed, store them as one fresh
segment, commit a manifest that names only it (the replaced version is kept)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from glossa.analysis import DEFAULT_ANALYZER
from glossa.corpus.entry import Entry, corpus_checksum
from glossa.indexer.document_text import DEFAULT_RECIPE, document_text
from glossa.indexer.encoders.encoder import Progress, TextEncoder
from glossa.indexer.store.factory import create_index
from glossa.indexer.store.index_dir import (
    BUILD,
    FORMAT_VERSION,
    Manifest,
    cleaned_on_failure,
    counts,
    writable_dir,
    write_manifest,
    write_pseudo,
    write_reviews,
)
from glossa.indexer.store.locking import index_lock
from glossa.indexer.store.recovery import lineage, readable_reviews
from glossa.indexer.store.segments import segment_name, write_segment
from glossa.indexer.store.vectors import DEFAULT_KIND, FAISS_STORE, StoreConfig, StoreProgress

from glossa import __version__
from glossa.errors import ErrorKind, GlossaError

PSEUDO_QUERIES = 2048


class EmptyCorpusError(GlossaError, ValueError):
    """Nothing to index."""

    kind = ErrorKind.UNPROCESSABLE


@dataclass(frozen=True, eq=False)
class Embedded:
    """Entries with their document and names vectors, row for row: what a build
    commits (and what a rebuild carries forward when entries change meanwhile)."""

    entries: list[Entry]
    vectors: np.ndarray
    names: np.ndarray


def embed(
    entries: Sequence[Entry], encoder: TextEncoder, doc_text: str = DEFAULT_RECIPE,
    progress: Progress | None = None,
) -> Embedded:  # fmt: skip
    """Embed ``entries`` (the encoder batches, so memory stays flat apart from the
    vectors themselves)."""
    entries = list(entries)
    documents, names = embedded_texts(entries, doc_text)
    vectors = encoder.encode_documents(documents, progress)
    name_vectors = encoder.encode_queries(names)
    return Embedded(entries, vectors, name_vectors)


def embedded_texts(
    entries: Sequence[Entry], doc_text: str = DEFAULT_RECIPE
) -> tuple[list[str], list[str]]:
    """What ``embed`` embeds of each entry: its document text (as a passage) and
    its names (as a query), the texts the known vectors are keyed by."""
    return [document_text(e, doc_text) for e in entries], [
        document_text(e, "names") for e in entries
    ]


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
    analyzer: str = DEFAULT_ANALYZER,
) -> Manifest:
    """Embed ``entries`` and commit them as the index's one segment, atomically
    (the version replaced stays restorable). Reviewers' decisions on equivalents in
    the index being replaced are carried over."""
    if not entries:
        raise EmptyCorpusError("no entries to index")
    started = time.perf_counter()
    built = embed(entries, encoder, doc_text, progress)
    return commit_index(
        out, built, encoder, doc_text=doc_text, index_kind=index_kind, store=store,
        store_progress=store_progress, source_titles=source_titles, analyzer=analyzer,
        started=started,
    )  # fmt: skip


CatchUp = Callable[[int], Embedded]  # given the generation being replaced


def commit_index(
    out: Path,
    built: Embedded,
    encoder: TextEncoder,
    *,
    doc_text: str = DEFAULT_RECIPE,
    index_kind: str = DEFAULT_KIND,
    store: StoreConfig = FAISS_STORE,
    store_progress: StoreProgress | None = None,
    source_titles: dict[str, dict[str, str]] | None = None,
    analyzer: str = DEFAULT_ANALYZER,
    started: float | None = None,
    catch_up: CatchUp | None = None,
) -> Manifest:
    """Commit embedded entries as the index's one segment (fresh segment, fresh
    pseudo-query sample, one manifest rename), under the index's exclusive lock. ``catch_up`` is
    called under that lock with the generation being replaced and returns what
    to commit instead (a rebuild: ``built`` with the changes committed since it
    was read), so nothing committed meanwhile is replaced unseen. The new
    version goes on from the replaced one's lineage (generation, segment
    numbers, reviews, source titles), read from its files if its manifest is lost."""
    started = time.perf_counter() if started is None else started
    out = out.resolve()
    with index_lock(out, exclusive=True):
        previous = lineage(out)
        if catch_up is not None:
            built = catch_up(previous.generation)
        entries, vectors, name_vectors = built.entries, built.vectors, built.names
        if not entries:
            raise EmptyCorpusError("no entries to index")
        kept_reviews = None
        if previous.reviews and previous.reviews.is_file():
            kept_reviews = readable_reviews(previous.reviews)
        generation = previous.generation + 1
        # segment names are never reused within an index directory: a server holding
        # the replaced version reuses what it holds by name (segments, postings, graph rows)
        number = previous.next_segment
        index = create_index(index_kind, encoder.dimension, len(entries), store,
                             generation=generation)  # fmt: skip
        index.add(vectors, [e.lang for e in entries], [e.source for e in entries], store_progress)
        pseudo = pseudo_sample(name_vectors)
        writable_dir(out)
        with cleaned_on_failure(out, store):
            segment = write_segment(
                out, segment_name(number), entries, vectors, name_vectors,
                pseudo_query_stats(vectors, pseudo), kind=index.kind, analyzer=analyzer,
                store=store, generation=generation, vectors=index,
            )  # fmt: skip
            pseudo_name, pseudo_sha256 = write_pseudo(out, pseudo, generation)
            reviews = None if kept_reviews is None else write_reviews(out, kept_reviews, generation)
            sources, languages = counts(entries)
            titles = {**previous.source_titles, **(source_titles or {})}
            manifest = Manifest(
                format_version=FORMAT_VERSION, model=encoder.model_name,
                dimension=encoder.dimension, count=len(entries), index_kind=index.kind,
                doc_text=doc_text, analyzer=analyzer, corpus_checksum=corpus_checksum(entries),
                built_at=now(), build_seconds=round(time.perf_counter() - started, 3),
                sources=sources, languages=languages, glossa_version=__version__,
                segments=(segment.info,), next_segment=number + 1, pseudo_sha256=pseudo_sha256,
                generation=generation, backend=store.backend,
                reviews=reviews[0] if reviews else None,
                reviews_sha256=reviews[1] if reviews else None,
                source_titles={s: t for s, t in titles.items() if s in sources},
                pseudo=pseudo_name, made_by=BUILD,
            )  # fmt: skip
            write_manifest(out, manifest, store)
    return manifest


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def pseudo_sample(name_vectors: np.ndarray, seed: int = 0) -> np.ndarray:
    """The pseudo-queries every entry is standardised against: up to
    ``PSEUDO_QUERIES`` of the corpus's own names, encoded as queries. Kept in the
    index (``pseudo.g<generation>.npy``) so entries added later are standardised the same way."""
    rng = np.random.default_rng(seed)
    rows = np.arange(len(name_vectors))
    if len(rows) > PSEUDO_QUERIES:
        rows = np.sort(rng.choice(rows, PSEUDO_QUERIES, replace=False))
    return np.ascontiguousarray(name_vectors[rows], dtype=np.float32)


def pseudo_query_stats(vectors: np.ndarray, pseudo: np.ndarray) -> np.ndarray:
    """Mean and std of each entry's similarity to the pseudo-queries.

    Why: some entries are "hubs", close to almost any query (short, generic
    definitions such as "Widok agenta"). Standardising an entry's score by how it
    scores against queries in general removes that pull; combined with the
    per-language calibration it raised dense nDCG@10 on all 162 gold queries from
    0.685 [claim quality.ablation.dense_language_z] to
    0.732 [claim quality.ablation.dense_calibrated].
    """
    total = np.zeros(len(vectors), np.float64)
    squares = np.zeros(len(vectors), np.float64)
    for start in range(0, len(vectors), 65536):
        block = (pseudo @ vectors[start : start + 65536].T).astype(np.float64)
        total[start : start + len(block[0])] = block.sum(axis=0)
        squares[start : start + len(block[0])] = (block**2).sum(axis=0)
    mean = total / max(len(pseudo), 1)
    std = np.sqrt(np.maximum(squares / max(len(pseudo), 1) - mean**2, 1e-12))
    return np.stack([mean, std], axis=1).astype(np.float32)
