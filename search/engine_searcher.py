"""Search over an index that lives in Milvus (``indexer.store.milvus_engine``).

The same answers as ``search.searcher.Searcher`` (modes, calibrated dense
scoring, fusion and its defaults, exact-name promotion, the lexical spread
along confirmed equivalents, filters, equivalents and candidates) with every
per-entry structure inside the engine: dense search is one Milvus search per
language (filtered by ``lang``/``source`` expressions), lexical search is
Milvus's BM25 over Glossa's analysed text, the spread reads the ``links`` the
BM25 hits carry, and entries are fetched by id for the hits returned. What the
process holds is the encoder and ``indexer.store.engine_dir``: memory that does
not grow with the corpus.

What differs from the local engine: BM25 statistics are Milvus's (it counts
live rows only, where Glossa's segments count deleted rows until a merge),
and the spread's links are those stored when each entry was last written
(``equivalents`` itself is decided on demand, so it is always current).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
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
from glossa.indexer.encoders.encoder import TextEncoder
from glossa.indexer.store.engine_dir import (
    ENGINE_FILE,
    EngineArrays,
    EngineManifest,
    PublishedIndex,
    load_engine_dir,
)
from glossa.indexer.store.engine_links import OnDemandLinks
from glossa.indexer.store.milvus import field_expression as where
from glossa.indexer.store.milvus_engine import MAX_ARRAY, EngineCollection
from glossa.indexer.store.vectors import StoreConfig
from glossa.search.fusion import Ranked, by_concept, promote
from glossa.search.results import (
    CandidateHit,
    ConceptHit,
    ConceptMember,
    ConceptRecord,
    EquivalentHit,
    SearchHit,
    SearchResponse,
    group_by_concept,
)
from glossa.search.searcher import (
    CANDIDATES as PER_RANKER,
)
from glossa.search.searcher import (
    DEFAULT_CONCEPT_DEPTH,
    DEFAULT_LEXICAL_SPREAD,
    DEFAULT_LEXICAL_WEIGHT,
    DEFAULT_LEXICAL_WORDS,
    DEFAULT_MODE,
    DEFAULT_RRF_K,
    DEFAULT_SCORING,
    MAX_K,
    MODES,
    RESCORE_DEPTH,
    HybridFusion,
    QueryError,
    Searcher,
    check_options,
    checked_filter,
)

ENGINE_CALLS = 8  # engine calls one search may have in flight at once


class EngineSearcher(HybridFusion):
    """``Searcher``'s interface over an index directory published to Milvus."""

    has_graph = graph_ready = True  # equivalents are decided on demand

    def __init__(
        self,
        path: Path,
        encoder: TextEncoder,
        store: StoreConfig,
        *,
        scoring: str = DEFAULT_SCORING,
        mode: str = DEFAULT_MODE,
        fusion: str = "rrf",
        rrf_k: int = DEFAULT_RRF_K,
        dense_weight: float = 0.5,
        lexical_weight: float = DEFAULT_LEXICAL_WEIGHT,
        lexical_min_ratio: float = 0.0,
        lexical_spread: float = DEFAULT_LEXICAL_SPREAD,
        lexical_words: int = DEFAULT_LEXICAL_WORDS,
        concept_depth: int = DEFAULT_CONCEPT_DEPTH,
        analyzer: str | None = None,
        engine_calls: int = ENGINE_CALLS,
    ) -> None:
        self.path = path
        manifest, arrays = self._load()
        check_options(scoring, mode, fusion, encoder.dimension, manifest.dimension)
        if analyzer is not None and analyzer != manifest.analyzer:
            raise QueryError(
                f"the index in Milvus was analysed with {manifest.analyzer!r}; publish it again "
                f"to search with {analyzer!r}"
            )
        self.encoder, self.store = encoder, store
        self.scoring, self.mode, self.fusion = scoring, mode, fusion
        self.rrf_k, self.dense_weight = rrf_k, dense_weight
        self.lexical_weight, self.lexical_min_ratio = lexical_weight, lexical_min_ratio
        self.lexical_spread, self.lexical_words = lexical_spread, lexical_words
        self.concept_depth = concept_depth
        self.analyzer = manifest.analyzer
        self.wait_for_graph = False
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(
            max_workers=engine_calls, thread_name_prefix="glossa-engine"
        )
        self._adopt(manifest, arrays)

    def _load(self) -> tuple[EngineManifest, EngineArrays]:
        self._stamp = self._stat()
        return load_engine_dir(self.path)

    def _stat(self) -> tuple[int, int]:
        st = os.stat(self.path / ENGINE_FILE)
        return st.st_mtime_ns, st.st_ino

    def _adopt(self, manifest: EngineManifest, arrays: EngineArrays) -> None:
        """Take a version of the local manifest: counts, languages, calibration."""
        self._manifest = manifest
        self.collection = EngineCollection.of(self.store, manifest)
        self._calibration = self._calibration_of(arrays)
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

    def refresh(self) -> None:
        """Adopt what another writer (``glossa add``, another server) committed:
        one ``stat`` when nothing changed, O(languages) when something did."""
        if self._stat() != self._stamp:
            with self._lock:
                if self._stat() != self._stamp:
                    self._adopt(*self._load())

    def _calibration_of(self, arrays: EngineArrays) -> LanguageCalibration:
        calibrated = self.scoring == "calibrated"
        return LanguageCalibration.from_samples(
            {k: (v, s if calibrated else None) for k, (v, s) in arrays.samples.items()},
            arrays.groups,
        )

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
        return [EquivalentHit(self._hit(link.entry, link.score, rank), link.shared_names,
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
                CandidateHit(self._hit(x.entry, x.score, rank), x.probability, x.margin, x.mutual,
                             x.definition_similarity, x.shared_names, x.status)
                for rank, x in enumerate(links, start=1)
            ]  # fmt: skip
        return out

    def concept(self, key: str) -> ConceptRecord:
        """``Searcher.concept`` over the engine, decided on demand."""
        self.refresh()
        entry_id = self._concept_anchor(key)
        links = self._links.members(entry_id)
        return ConceptRecord(
            concept_id([x.entry for x in links]), entry_id,
            tuple(ConceptMember(self._hit(x.entry, 1.0 if x.status == ANCHOR else x.score, rank),
                                x.status or "", None if x.status == ANCHOR else x.probability)
                  for rank, x in enumerate(links, start=1)),
        )  # fmt: skip

    def _concept_anchor(self, key: str) -> str:
        """An entry id, a declared concept id, or ``auto-`` and an entry id, in that
        order (as ``Searcher._concept_row``) -> the entry the concept is seen from."""
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

    def search_concepts(self, query: str, k: int = 10, lang=None, source=None,
                        mode: str | None = None) -> list[ConceptHit]:  # fmt: skip
        """``Searcher.search_concepts`` over the engine."""
        hits = self.search(query, MAX_K, lang, source, mode)
        langs = checked_filter("language", lang, self.languages)
        sources = checked_filter("source", source, self.sources)

        def members(entry_id: str) -> list[tuple[SearchHit, bool]]:
            links = self._links.members(entry_id)
            ok = self._allowed([x.id for x in links], langs, sources)
            return [(self._hit(x.entry, 0.0, 0), x.id in ok) for x in links]

        return group_by_concept(hits, members, k)

    def _links_of(self, entry_id: str, *, candidates: bool):
        self.refresh()
        found = self._links.links([entry_id], candidates=candidates)
        if entry_id not in found:
            raise QueryError(f"unknown entry id {entry_id!r}", "entry_id")
        links = found[entry_id]
        if candidates:  # confirmed links, plus each language's best CANDIDATES
            return links
        return [x for x in links if x.status in (DECLARED, ACCEPTED, AUTOMATIC)]

    # ------------------------------------------------------------------ search

    def search(self, query: str, k: int = 10, lang=None, source=None, mode=None) -> list[SearchHit]:
        return list(self.search_response(query, k, lang, source, mode).hits)

    def search_response(self, query: str, k: int = 10, lang=None, source=None,
                        mode=None) -> SearchResponse:  # fmt: skip
        started = time.perf_counter()
        hits = self.batch_search([query], k, lang, source, mode)[0]
        return SearchResponse(query=query, took_ms=(time.perf_counter() - started) * 1000,
                              hits=tuple(hits))  # fmt: skip

    def batch_search(
        self,
        queries: Sequence[str],
        k: int = 10,
        lang: str | Iterable[str] | None = None,
        source: str | Iterable[str] | None = None,
        mode: str | None = None,
    ) -> list[list[SearchHit]]:
        self.refresh()
        mode = mode or self.mode
        if mode not in MODES:
            raise QueryError(f"unknown mode {mode!r}; valid: {', '.join(MODES)}", "mode")
        texts = [Searcher._check_query(q, k) for q in queries]
        langs = checked_filter("language", lang, self.languages)
        sources = checked_filter("source", source, self.sources)
        if not texts:
            return []
        n = max(k, PER_RANKER) if mode == "hybrid" else k
        # the engine's calls are network round trips: the lexical lists and the
        # exact-name lookups are asked for while the dense ones are
        lexical = exact = []
        if mode != "dense":
            lexical = [self._pool.submit(self._lexical_ranked, t, n, langs, sources) for t in texts]
            exact = [self._pool.submit(self._exact, t, langs, sources) for t in texts]
        dense: list[Ranked] = []
        if mode in ("dense", "hybrid"):
            dense = self._dense_ranked(self.encoder.encode_queries(texts), n, langs, sources)
        out = []
        for i, text in enumerate(texts):
            if mode == "dense":
                ranked = dense[i]
            else:
                found = lexical[i].result()
                ranked = found if mode == "lexical" else self._fuse(dense[i], found, text)
                ranked = promote(ranked, exact[i].result())
                if mode == "hybrid" and self.concept_depth > 0:
                    ranked = by_concept(ranked, self._stored_links,
                                        lambda ids: self._allowed(ids, langs, sources),
                                        self.concept_depth)  # fmt: skip
            out.append(self._hits(ranked[:k]))
        return out

    def _stored_links(self, ids) -> dict[str, list[str]]:
        """The confirmed links stored with each entry (what the spread reads)."""
        found = self.collection.fetch(list(ids), ["links"])
        return {i: list(r.get("links") or ()) for i, r in found.items()}

    def _allowed(self, ids, langs, sources) -> set[str]:
        """Those of ``ids`` that exist and pass the language and source filters."""
        found = self.collection.fetch(list(dict.fromkeys(ids)), ["lang", "source"])
        return {i for i, r in found.items() if (langs is None or r["lang"] in langs)
                and (sources is None or r["source"] in sources)}  # fmt: skip

    def _exact(self, text: str, langs, sources) -> list[str]:
        key = name_key(text)
        if not key:
            return []
        return sorted(self.collection.named(key, where(langs, sources), MAX_ARRAY))

    def _lexical_ranked(self, text: str, n: int, langs, sources) -> Ranked:
        tokens = analyze(text, self.analyzer)
        if self.lexical_spread <= 0:
            hits = self.collection.lexical(tokens, n, where(langs, sources))
            return [(h["id"], h["score"]) for h in hits]
        # spread along each hit's stored links, then keep what the filters allow
        hits = self.collection.lexical(tokens, n, "")
        ranked = {h["id"]: h["score"] for h in hits}
        for h in hits:
            for other in h.get("links") or ():
                ranked[other] = max(ranked.get(other, 0.0), self.lexical_spread * h["score"])
        if langs is not None or sources is not None:
            allowed = self._allowed(ranked, langs, sources)
            ranked = {i: s for i, s in ranked.items() if i in allowed}
        return sorted(ranked.items(), key=lambda item: (-item[1], item[0]))[:n]

    def _dense_ranked(self, vectors: np.ndarray, n: int, langs, sources) -> list[Ranked]:
        calibrated = self.scoring == "calibrated"
        depth = max(n, RESCORE_DEPTH) if calibrated else n
        stats = self._calibration.stats(vectors) if self.scoring != "cosine" else {}
        merged: list[list[tuple[str, float]]] = [[] for _ in range(len(vectors))]
        asked = {
            lang: self._pool.submit(self.collection.dense, vectors, depth, where([lang], sources))
            for lang in self.languages
            if langs is None or lang in langs
        }  # one search per language, all at once
        for lang, future in asked.items():
            for q, hits in enumerate(future.result()):
                if not hits:
                    continue
                scores = np.array([h["score"] for h in hits], np.float32)
                if self.scoring != "cosine":
                    doc_stats = np.array([[h["doc_mean"], h["doc_std"]] for h in hits], np.float32)
                    mean, std = stats[lang]
                    scores = LanguageCalibration.standardised(
                        scores, doc_stats if calibrated else None, (mean[q], std[q])
                    )
                merged[q].extend(zip([h["id"] for h in hits], scores.tolist(), strict=True))
        return [sorted(m, key=lambda item: (-item[1], item[0]))[:n] for m in merged]

    # ------------------------------------------------------------------ hits

    def _hits(self, ranked: Ranked) -> list[SearchHit]:
        entries = self.collection.entries([i for i, _ in ranked])
        hits, rank = [], 0
        for entry_id, score in ranked:
            entry = entries.get(entry_id)
            if entry is not None:  # deleted since it was ranked
                rank += 1
                hits.append(self._hit(entry, score, rank))
        return hits

    def _hit(self, entry: Entry, score: float, rank: int) -> SearchHit:
        info = self.source_info.get(entry.source)
        return SearchHit.from_entry(entry, score, rank, info.title if info else entry.source)
