"""Wiring shared by the CLI and the API: settings -> encoder -> index -> Searcher."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from corpus.sources import load_entries
from glossa.settings import Settings
from indexer.build import build_index
from indexer.encoder import Progress, SentenceTransformerEncoder, TextEncoder
from indexer.index_dir import Manifest, index_exists
from search.searcher import Searcher

Notify = Callable[[str], None]


def make_encoder(settings: Settings, notify: Notify | None = None) -> TextEncoder:
    return SentenceTransformerEncoder(
        settings.model,
        cache_dir=settings.model_cache_dir,
        device=settings.device,
        batch_size=settings.batch_size,
        notify=notify,
    )


def build(
    settings: Settings,
    encoder: TextEncoder,
    out: Path,
    paths: Sequence[Path] = (),
    layout: str | None = None,
    progress: Progress | None = None,
) -> Manifest:
    entries = load_entries(paths, layout=layout)
    return build_index(entries, encoder, out, doc_text=settings.doc_text, progress=progress)


def open_searcher(
    settings: Settings,
    index_dir: Path | None = None,
    *,
    build_if_missing: bool = False,
    notify: Notify | None = None,
    encoder: TextEncoder | None = None,
) -> Searcher:
    """Load the index (building the bundled corpus first if asked and none exists)."""
    index_dir = index_dir or settings.index_dir
    encoder = encoder or make_encoder(settings, notify)
    if build_if_missing and not index_exists(index_dir):
        if notify:
            notify(f"No index at {index_dir}; indexing the bundled glossaries (once)...")
        build(settings, encoder, index_dir)
    return Searcher.open(index_dir, encoder, doc_text=settings.doc_text)
