"""Live changes to an index that lives in Milvus: O(k) engine calls for k entries.

The same change semantics as ``indexer.store.updates`` (``plan``: adding an
existing id is a conflict unless identical or upserted, updating or deleting a
missing id is "not found", a retry of the same change is a no-op), written as
upserts and deletes by entry id. After the rows, the ``links`` hybrid search
spreads along are refreshed for every entry whose confirmed links the change
can move: the written entries, their previous and new partners, and each
written entry's best candidate in every language (the entries a new one can
displace as someone's mutual best). The local manifest's counts are committed
last, by rename.

What the engine cannot give: a change of several entries becomes visible row by
row (Milvus has no multi-row transactions), where the local index swaps whole
versions. A writer killed between the rows and the manifest leaves the rows
written and the counts of the version before; the next change or publish
corrects them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from glossa.concepts.calibration import SAMPLE_PER_LANGUAGE, LanguageCalibration
from glossa.concepts.equivalents import combined
from glossa.corpus.entry import Entry
from glossa.corpus.reviews import Review
from glossa.indexer.build import now, pseudo_query_stats
from glossa.indexer.document_text import document_text
from glossa.indexer.encoders.encoder import TextEncoder
from glossa.indexer.engine.collection import EngineCollection, EngineRow, entry_of
from glossa.indexer.engine.directory import (
    EngineArrays,
    load_engine_dir,
    write_engine_dir,
)
from glossa.indexer.engine.links import OnDemandLinks
from glossa.indexer.store.locking import index_lock
from glossa.indexer.store.milvus import field_expression as where
from glossa.indexer.store.vectors import StoreConfig
from glossa.indexer.writes import (
    ChangeError,
    ChangeReport,
    _counted,
    _with,
    check_decision,
    plan,
    reviewed,
)


@dataclass
class _Manifest:
    count: int


@dataclass
class _View:
    """The part of ``LoadedIndex`` that ``plan`` reads, answered from the rows a
    change touches (fetched in one call): an entry's "row" is its id."""

    entries: dict[str, Entry]
    manifest: _Manifest
    links: dict[str, list[str]] = field(default_factory=dict)

    def row_of(self, entry_id: str) -> str | None:
        return entry_id if entry_id in self.entries else None

    def entry(self, row: str) -> Entry:
        return self.entries[row]


def _rows(entries: Sequence[Entry], encoder: TextEncoder, recipe: str, analyzer: str,
          arrays: EngineArrays) -> list[EngineRow]:  # fmt: skip
    docs = encoder.encode_documents([document_text(e, recipe) for e in entries])
    names = encoder.encode_queries([document_text(e, "names") for e in entries])
    stats = pseudo_query_stats(docs, arrays.pseudo)
    links = combined(docs, names, np.array([e.lang for e in entries]), arrays.link_means,
                     arrays.overall_mean)  # fmt: skip
    return [EngineRow.of(e, docs[i], links[i], stats[i], analyzer) for i, e in enumerate(entries)]


def _recalibrated(collection: EngineCollection, languages: Sequence[str],
                  arrays: EngineArrays) -> EngineArrays:  # fmt: skip
    """Calibration samples drawn again from the engine (bounded: at most
    ``SAMPLE_PER_LANGUAGE`` rows per language), for a change of the language set."""
    vectors, stats, langs = [], [], []
    for lang in languages:
        found = collection.query(where([lang]), ["vector", "doc_mean", "doc_std"],
                                 SAMPLE_PER_LANGUAGE)  # fmt: skip
        vectors += [np.asarray(r["vector"], np.float32) for r in found]
        stats += [(r["doc_mean"], r["doc_std"]) for r in found]
        langs += [lang] * len(found)
    table = np.stack(vectors)
    calibration = LanguageCalibration(lambda rows: table[rows], np.array(langs),
                                      np.array(stats, np.float32))  # fmt: skip
    return EngineArrays(arrays.pseudo, arrays.link_means, arrays.overall_mean,
                        dict(calibration.samples), dict(calibration.group))  # fmt: skip


def engine_changes(
    path: Path,
    encoder: TextEncoder | None,
    store: StoreConfig,
    *,
    add: Sequence[Entry] = (),
    update: Sequence[Entry] = (),
    delete: Sequence[str] = (),
    upsert: bool = False,
) -> ChangeReport:
    """Apply one change set to the published index at ``path``."""
    with index_lock(path, exclusive=True):
        manifest, arrays = load_engine_dir(path)
        if encoder is not None and encoder.model_name != manifest.model:
            raise ChangeError(f"the index was embedded with {manifest.model}, not "
                              f"{encoder.model_name}")  # fmt: skip
        collection = EngineCollection.of(store, manifest)
        touched = [e.id for e in add] + [e.id for e in update] + list(delete)
        stored = collection.fetch(touched, ["entry", "links"])
        view = _View({i: entry_of(r["entry"]) for i, r in stored.items()},
                     _Manifest(manifest.count))  # fmt: skip
        written, gone, report = plan(view, add, update, delete, upsert=upsert)  # type: ignore[arg-type]
        if not (report.added or report.updated or report.deleted):
            return _with(report, generation=manifest.generation)
        if written and encoder is None:
            raise ValueError("entries to embed but no encoder given")
        rows = (
            _rows(written, encoder, manifest.doc_text, manifest.analyzer, arrays) if written else []
        )
        collection.delete(list(report.deleted))
        collection.upsert(rows)
        removed = [view.entries[i] for i in gone]
        languages = _counted(
            manifest.languages, [e.lang for e in written], [e.lang for e in removed]
        )
        sources = _counted(
            manifest.sources, [e.source for e in written], [e.source for e in removed]
        )
        links = OnDemandLinks(collection, list(languages), manifest.reviews)
        _refresh_links(collection, links, [e.id for e in written],
                       [b for i in gone for b in stored[i].get("links") or ()])  # fmt: skip
        if set(languages) != set(manifest.languages):
            arrays = _recalibrated(collection, sorted(languages), arrays)
        else:
            arrays = None  # type: ignore[assignment]
        pairs = {src: dict(langs) for src, langs in manifest.source_languages.items()}
        for entry, step in [(e, 1) for e in written] + [(e, -1) for e in removed]:
            langs = pairs.setdefault(entry.source, {})
            langs[entry.lang] = langs.get(entry.lang, 0) + step
        pairs = {src: {lang: n for lang, n in langs.items() if n > 0}
                 for src, langs in pairs.items() if src in sources}  # fmt: skip
        generation = manifest.generation + 1
        write_engine_dir(path, manifest.model_copy(update={
            "count": report.count, "languages": languages, "sources": sources,
            "source_languages": pairs, "generation": generation, "built_at": now(),
        }), arrays)  # fmt: skip
    return _with(report, embedded=2 * len(written), generation=generation)


def _refresh_links(collection: EngineCollection, links: OnDemandLinks, written: list[str],
                   old_partners: list[str]) -> None:  # fmt: skip
    """Store the confirmed links of every entry whose links the change can move."""
    first, best = links.links_and_best(written) if written else ({}, set())
    affected = set(written) | set(old_partners) | best
    affected |= {x.id for found in first.values() for x in found}
    rest = [i for i in affected if i not in first]
    decided = first | (links.links(rest) if rest else {})
    collection.set_links({i: [x.id for x in found] for i, found in decided.items()})


def engine_review(
    path: Path, store: StoreConfig, a: str, b: str, decision: str
) -> tuple[int, bool]:
    """Record a reviewer's decision on the pair (a, b) of a published index (the
    same checks as ``writes.record_review``); the two entries' stored links and
    their partners' follow. Returns (generation, changed)."""
    check_decision(decision)
    with index_lock(path, exclusive=True):
        manifest, _ = load_engine_dir(path)
        collection = EngineCollection.of(store, manifest)
        stored = collection.fetch([a, b], ["entry", "links"])
        found = {i: entry_of(stored[i]["entry"]) if i in stored else None for i in (a, b)}
        reviews = reviewed([Review(*r) for r in manifest.reviews], found, a, b, decision)
        if reviews is None:
            return manifest.generation, False
        links = OnDemandLinks(collection, list(manifest.languages),
                              [(r.a, r.b, r.decision) for r in reviews])  # fmt: skip
        partners = [x for i in (a, b) for x in stored[i].get("links") or ()]
        _refresh_links(collection, links, [], [a, b, *partners])
        generation = manifest.generation + 1
        write_engine_dir(path, manifest.model_copy(update={
            "reviews": tuple((r.a, r.b, r.decision) for r in reviews), "generation": generation,
        }), None)  # fmt: skip
    return generation, True
