"""Build an index directory from entries: embed, add to the vector index, write."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from corpus.entry import Entry, corpus_checksum
from glossa import __version__
from indexer.document_text import DEFAULT_RECIPE, document_text
from indexer.encoder import Progress, TextEncoder
from indexer.index_dir import Manifest, counts, write_index_dir
from indexer.vector_index import DEFAULT_KIND, create_index


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
) -> Manifest:
    if not entries:
        raise EmptyCorpusError("no entries to index")
    started = time.perf_counter()
    vectors = encoder.encode_documents([document_text(e, doc_text) for e in entries], progress)
    index = create_index(index_kind, encoder.dimension)
    index.add(vectors)
    sources, languages = counts(entries)
    return write_index_dir(
        out,
        {
            "model": encoder.model_name,
            "dimension": encoder.dimension,
            "count": len(entries),
            "index_kind": index_kind,
            "doc_text": doc_text,
            "corpus_checksum": corpus_checksum(list(entries)),
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "build_seconds": round(time.perf_counter() - started, 3),
            "sources": sources,
            "languages": languages,
            "glossa_version": __version__,
        },
        entries,
        index,
    )
