"""``PublishedReader``: an index that lives in Milvus (``indexer.engine.collection``),
as the search pipeline reads it.

The same answers as ``search.local_reader.LocalReader`` with every per-entry
structure inside the engine: dense search is one Milvus search per language
(filtered by ``lang``/``source`` expressions), lexical search is Milvus's BM25
over Glossa's analysed text, the spread reads the ``links`` the BM25 hits
carry, and entries are fetched by id for the hits returned. What the process
holds is the local manifest (``indexer.engine.directory``): memory that does not
grow with the corpus. Its calls wait on the network, so the pipeline runs the
lexical and name look-ups on this reader's threads while it embeds the query.

What differs from the local reader: BM25 statistics are Milvus's (it counts
live rows only, where Glossa's segments count deleted rows until a merge),
and the spread's links are those stored when each entry was last written
(``equivalents`` itself is decided on demand, so it is always current).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np
from glossa.analysis import analyze, name_key
from glossa.concepts.calibration import LanguageCalibration
from glossa.concepts.linking import (
    ACCEPTED,
    ANCHOR,
    AUTO_PREFIX,
    AUTOMATIC,
    DECLARED,
    concept_id,
)
from glossa.corpus.entry import Entry
from glossa.corpus.titles import titles_for
from glossa.indexer.engine.collection import MAX_ARRAY, EngineCollection
from glossa.indexer.engine.directory import (
    ENGINE_FILE,
    EngineArrays,
    EngineManifest,
    PublishedIndex,
    load_engine_dir,
)
from glossa.indexer.engine.links import OnDemandLinks
from glossa.indexer.store.milvus import field_expression as where
from glossa.indexer.store.vectors import StoreConfig
from glossa.search.errors import QueryError
from glossa.search.local_reader import RESCORE_DEPTH, checked_filter
from glossa.search.options import RankingOptions
from glossa.search.reader import Ranked, Scope
from glossa.search.results import (
    CandidateHit,
    ConceptMember,
    ConceptRecord,
    EquivalentHit,
    ReviewPair,
    SearchHit,
)

from glossa.errors import ErrorKind, GlossaError

ENGINE_CALLS = 8  # engine calls one search may have in flight at once


class _StoredLinks:
    """Concept-first ranking over the links stored with each entry."""

    def __init__(self, reader: PublishedReader, scope: Scope) -> None:
        self._reader, self._scope = reader, scope

    def linked(self, ids) -> dict[str, list[str]]:
        found = self._reader.collection.fetch(list(ids), ["links"])
        return {i: list(r.get("links") or ()) for i, r in found.items()}

    def allowed(self, ids) -> set[str]:
        return self._reader.allowed(ids, self._scope)


class PublishedReader:
    """An index directory published to Milvus (``glossa publish``)."""

    has_graph = graph_ready = True  # equivalents are decided on demand
    wait_for_graph = False

    def __init__(self, path: Path, store: StoreConfig, engine_calls: int = ENGINE_CALLS) -> None:
        self.path, self.store = path, store
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(
            max_workers=engine_calls, thread_name_prefix="glossa-engine"
        )
        self._calibrations: dict[bool, LanguageCalibration] = {}
        self._adopt(*self._load())

    def _load(self) -> tuple[EngineManifest, EngineArrays]:
        self._stamp = self._stat()
        return load_engine_dir(self.path)

    def _stat(self) -> tuple[int, int]:
        st = os.stat(self.path / ENGINE_FILE)
        return st.st_mtime_ns, st.st_ino

    def _adopt(self, manifest: EngineManifest, arrays: EngineArrays) -> None:
        """Take a version of the local manifest: counts, languages, calibration."""
        self._arrays, self._calibrations = arrays, {}
        self._manifest = manifest
        self.collection = EngineCollection.of(self.store, manifest)
        self._links = OnDemandLinks(self.collection, list(manifest.languages), manifest.reviews)
        self.source_info = titles_for(sorted(manifest.sources), manifest.source_titles)

    @property
    def index(self) -> PublishedIndex:
        return PublishedIndex(self.path, self.manifest)

    @property
    def manifest(self) -> EngineManifest:
        """The local manifest as last committed (by this process or another)."""
        self.refresh()
        return self._manifest

    @property
    def dimension(self) -> int:
        return self._manifest.dimension

    def refresh(self) -> None:
        """Adopt what another writer (``glossa add``, another server) committed:
        one ``stat`` when nothing changed, O(languages) when something did."""
        if self._stat() != self._stamp:
            with self._lock:
                if self._stat() != self._stamp:
                    self._adopt(*self._load())

    def warm(self) -> None:
        """Links are decided on demand in the engine: nothing to build."""

    def check(self, options: RankingOptions) -> None:
        analyzer = self._manifest.analyzer
        if options.analyzer is not None and options.analyzer != analyzer:
            raise QueryError(
                f"the index in Milvus was analysed with {analyzer!r}; publish it again "
                f"to search with {options.analyzer!r}"
            )

    def submit(self, function: Callable, *args) -> Future:
        return self._pool.submit(function, *args)

    def _calibration(self, scoring: str) -> LanguageCalibration:
        calibrated = scoring == "calibrated"
        # one version's arrays and cache, read together: a refresh meanwhile
        # replaces both and the next call computes the new version's
        arrays, calibrations = self._arrays, self._calibrations
        found = calibrations.get(calibrated)
        if found is None:
            found = LanguageCalibration.from_samples(
                {k: (v, s if calibrated else None) for k, (v, s) in arrays.samples.items()},
                arrays.groups,
            )
            calibrations[calibrated] = found
        return found

    # ------------------------------------------------------------------ lookups

    @property
    def languages(self) -> list[str]:
        return sorted(self.manifest.languages)

    @property
    def sources(self) -> list[str]:
        return sorted(self.manifest.sources)

    def get(self, entry_id: str) -> Entry | None:
        self.refresh()
        return self.collection.entries([entry_id]).get(entry_id)

    def equivalents(self, entry_id: str) -> list[EquivalentHit]:
        links = self._links_of(entry_id, candidates=False)
        return [EquivalentHit(self.hit(link.entry, link.score, rank), link.shared_names,
                              link.status or "")
                for rank, link in enumerate(links, start=1)]  # fmt: skip

    def candidates(self, entry_id: str) -> dict[str, list[CandidateHit]]:
        per_lang: dict[str, list] = {}
        for link in self._links_of(entry_id, candidates=True):
            per_lang.setdefault(link.entry.lang, []).append(link)
        out = {}
        for lang, links in sorted(per_lang.items()):
            links.sort(key=lambda x: -x.score)
            out[lang] = [
                CandidateHit(self.hit(x.entry, x.score, rank), x.probability, x.margin, x.mutual,
                             x.definition_similarity, x.shared_names, x.status)
                for rank, x in enumerate(links, start=1)
            ]  # fmt: skip
        return out

    def review_queue(self, limit: int, offset: int = 0) -> tuple[int, list[ReviewPair]]:
        """Links are decided on demand, per entry: there is no list of them to
        queue (review them on the local index, then publish again)."""
        raise GlossaError("a published index keeps no review queue: review the local index "
                          "(glossa serve --index PATH) and publish again",
                          kind=ErrorKind.UNSUPPORTED)  # fmt: skip

    def stale_reviews(self, entry_id: str) -> list[tuple[str, str]]:
        """Reviews are applied by content digest when links are decided on demand:
        one whose entry changed simply no longer applies, and none is listed."""
        return []

    def concept(self, key: str) -> ConceptRecord:
        """``LocalReader.concept`` over the engine, decided on demand."""
        self.refresh()
        entry_id = self._concept_anchor(key)
        links = self._links.members(entry_id)
        return ConceptRecord(
            concept_id([x.entry for x in links]), entry_id,
            tuple(ConceptMember(self.hit(x.entry, 1.0 if x.status == ANCHOR else x.score, rank),
                                x.status or "", None if x.status == ANCHOR else x.probability)
                  for rank, x in enumerate(links, start=1)),
        )  # fmt: skip

    def _concept_anchor(self, key: str) -> str:
        """An entry id, a declared concept id, or ``auto-`` and an entry id, in that
        order (as ``LocalReader._concept_row``) -> the entry the concept is seen from."""
        if key in self.collection.fetch([key], ["id"]):
            return key
        declared = self.collection.query(
            f"concept == {json.dumps(key, ensure_ascii=False)}", ["id"], MAX_ARRAY
        )
        if declared:
            return min(str(r["id"]) for r in declared)
        entry_id = key.removeprefix(AUTO_PREFIX)
        if key.startswith(AUTO_PREFIX) and entry_id in self.collection.fetch([entry_id], ["id"]):
            return entry_id
        raise QueryError(f"unknown concept or entry id {key!r}", "concept_id")

    def members(self, entry_id: str, scope: Scope) -> list[tuple[SearchHit, bool]]:
        links = self._links.members(entry_id)
        ok = self.allowed([x.id for x in links], scope)
        return [(self.hit(x.entry, 0.0, 0), x.id in ok) for x in links]

    def _links_of(self, entry_id: str, *, candidates: bool):
        self.refresh()
        found = self._links.links([entry_id], candidates=candidates)
        if entry_id not in found:
            raise QueryError(f"unknown entry id {entry_id!r}", "entry_id")
        links = found[entry_id]
        if candidates:  # confirmed links, plus each language's best CANDIDATES
            return links
        return [x for x in links if x.status in (DECLARED, ACCEPTED, AUTOMATIC)]

    # ------------------------------------------------------------------ rankers

    def scope(self, lang: str | Iterable[str] | None, source: str | Iterable[str] | None) -> Scope:
        self.refresh()
        return Scope(checked_filter("language", lang, self.languages),
                     checked_filter("source", source, self.sources))  # fmt: skip

    def concept_view(self, scope: Scope) -> _StoredLinks:
        return _StoredLinks(self, scope)

    def allowed(self, ids, scope: Scope) -> set[str]:
        """Those of ``ids`` that exist and pass the language and source filters."""
        found = self.collection.fetch(list(dict.fromkeys(ids)), ["lang", "source"])
        return {i for i, r in found.items()
                if (scope.langs is None or r["lang"] in scope.langs)
                and (scope.sources is None or r["source"] in scope.sources)}  # fmt: skip

    def exact(self, text: str, scope: Scope) -> list[str]:
        key = name_key(text)
        if not key:
            return []
        return sorted(self.collection.named(key, where(scope.langs, scope.sources), MAX_ARRAY))

    def lexical(self, text: str, n: int, scope: Scope, options: RankingOptions) -> Ranked:
        tokens = analyze(text, self._manifest.analyzer)
        if options.lexical_spread <= 0:
            hits = self.collection.lexical(tokens, n, where(scope.langs, scope.sources))
            return [(h["id"], h["score"]) for h in hits]
        # spread along each hit's stored links, then keep what the filters allow
        hits = self.collection.lexical(tokens, n, "")
        ranked = {h["id"]: h["score"] for h in hits}
        for h in hits:
            for other in h.get("links") or ():
                ranked[other] = max(ranked.get(other, 0.0), options.lexical_spread * h["score"])
        if scope.filtered:
            allowed = self.allowed(ranked, scope)
            ranked = {i: s for i, s in ranked.items() if i in allowed}
        return sorted(ranked.items(), key=lambda item: (-item[1], item[0]))[:n]

    def dense(self, vectors: np.ndarray, n: int, scope: Scope, scoring: str) -> list[Ranked]:
        calibrated = scoring == "calibrated"
        depth = max(n, RESCORE_DEPTH) if calibrated else n
        calibration = self._calibration(scoring) if scoring != "cosine" else None
        stats = calibration.stats(vectors) if calibration is not None else {}
        merged: list[list[tuple[str, float]]] = [[] for _ in range(len(vectors))]
        asked = {
            lang: self._pool.submit(self.collection.dense, vectors, depth,
                                    where([lang], scope.sources))
            for lang in self.languages
            if scope.langs is None or lang in scope.langs
        }  # one search per language, all at once  # fmt: skip
        for lang, future in asked.items():
            for q, hits in enumerate(future.result()):
                if not hits:
                    continue
                scores = np.array([h["score"] for h in hits], np.float32)
                if calibration is not None:
                    doc_stats = np.array([[h["doc_mean"], h["doc_std"]] for h in hits], np.float32)
                    mean, std = stats[lang]
                    scores = LanguageCalibration.standardised(
                        scores, doc_stats if calibrated else None, (mean[q], std[q])
                    )
                merged[q].extend(zip([h["id"] for h in hits], scores.tolist(), strict=True))
        return [sorted(m, key=lambda item: (-item[1], item[0]))[:n] for m in merged]

    # ------------------------------------------------------------------ hits

    def hits(self, ranked: Ranked) -> list[SearchHit]:
        entries = self.collection.entries([i for i, _ in ranked])
        hits, rank = [], 0
        for entry_id, score in ranked:
            entry = entries.get(entry_id)
            if entry is not None:  # deleted since it was ranked
                rank += 1
                hits.append(self.hit(entry, score, rank))
        return hits

    def hit(self, entry: Entry, score: float, rank: int) -> SearchHit:
        info = self.source_info.get(entry.source)
        return SearchHit.from_entry(entry, score, rank, info.title if info else entry.source)
