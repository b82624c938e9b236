"""The ``Searcher``: loads an index directory and a matching encoder once, then
answers queries in one of three modes:

- ``dense``: nearest entries by embedding, with per-language score calibration
  (``scoring="language-z"``, see ``concepts.calibration``) or plain cosine;
- ``lexical``: BM25 over language-aware analysed text (``analysis.entry_text``);
- ``hybrid``: both lists fused (reciprocal rank fusion by default, or weighted).

In ``lexical`` and ``hybrid`` an entry whose term, alias, acronym or English
equivalent equals the whole query is ranked first. Filters by language and source
restrict every ranker before its top-k cut, so ``k`` hits come back whenever ``k``
entries match.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TypeVar

import numpy as np
from glossa.analysis import DEFAULT_ANALYZER, analyze, lexical_text, name_key
from glossa.concepts.calibration import LanguageCalibration
from glossa.concepts.equivalents import EquivalenceGraph
from glossa.concepts.linking import ANCHOR, AUTO_PREFIX, concept_id
from glossa.corpus.entry import Entry
from glossa.corpus.titles import titles_for
from glossa.indexer.concept_links import advance_graph, build_graph, calibrate
from glossa.indexer.encoders.encoder import TextEncoder
from glossa.indexer.store.index_dir import LoadedIndex, load_index_dir
from glossa.indexer.store.postings import Postings, build_postings
from glossa.indexer.store.vectors import RowFilter, StoreConfig, row_bitmap
from glossa.search.bm25 import segment_scores
from glossa.search.fusion import (
    Ranked,
    by_concept,
    promote,
    reciprocal_rank_fusion,
    weighted_fusion,
)
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

T = TypeVar("T")
MAX_K = 100
MAX_QUERY_CHARS = 1000
# What counts as blank in a query: the whitespace of JSON Schema / ECMAScript
# regular expressions, so the API schema ("q must contain a non-blank
# character") and the library agree exactly on which queries are empty.
BLANK = (
    "\t\n\v\f\r \u00a0\u1680"
    + "".join(chr(c) for c in range(0x2000, 0x200B))
    + ("\u2028\u2029\u202f\u205f\u3000\ufeff")
)
NON_BLANK_PATTERN = (
    "[^\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]"
)
SCORINGS = ("calibrated", "language-z", "cosine")
DEFAULT_SCORING = "calibrated"  # entry-z then language-z: benchmarks/results/eval_dense_scoring.md
RESCORE_DEPTH = 200  # cosine candidates per language re-scored by the calibrated score
MODES = ("dense", "lexical", "hybrid")
DEFAULT_MODE = "hybrid"  # measured best on the gold set: benchmarks/results/eval.md
FUSIONS = ("rrf", "weighted")
# Fusion defaults chosen on the *tuning* parts only (gold dev + external dev;
# benchmarks/results/quality_tuning.md): lexical evidence is mostly same-language,
# so it is spread along confirmed equivalents, weighted below the dense list, and
# weighted down further for queries longer than two words (questions, definitions),
# where BM25 matches generic words. Reported on the report parts: quality.md.
DEFAULT_RRF_K = 5
DEFAULT_LEXICAL_WEIGHT = 0.4
DEFAULT_LEXICAL_WORDS = 2
DEFAULT_LEXICAL_SPREAD = 1.0
# Concept-first ranking in hybrid mode: each of the first DEFAULT_CONCEPT_DEPTH hits
# is followed by its concept's entries in other languages (fusion.by_concept);
# chosen on the tuning parts (benchmarks/results/quality_tuning.md). 0 turns it off.
DEFAULT_CONCEPT_DEPTH = 3
CANDIDATES = 100  # per ranker, before fusion
# Above this many entries the equivalence graph is built on a background thread
# (search answers without the lexical spread until it is ready); below, on first use.
GRAPH_IN_BACKGROUND_ABOVE = 20_000


class GraphNotReady(RuntimeError):
    """Equivalents are not available yet (being computed); retrying will work."""


class QueryError(ValueError):
    """A query or filter the caller must fix; the message says what is valid."""

    def __init__(self, message: str, parameter: str | None = None) -> None:
        super().__init__(message)
        self.parameter = parameter


def _frozen(value: str | Iterable[str] | None) -> frozenset[str] | None:
    values = _as_set(value)
    return None if values is None else frozenset(values)


def _as_set(value: str | Iterable[str] | None) -> set[str] | None:
    if value is None:
        return None
    values = {value} if isinstance(value, str) else set(value)
    return values or None


def checked_filter(
    name: str, value: str | Iterable[str] | None, valid: Sequence[str]
) -> set[str] | None:
    """The asked languages or sources as a set (None: no filter), or an error that
    names the unknown ones and the valid ones."""
    wanted = _as_set(value)
    if wanted is None:
        return None
    unknown = sorted(wanted - set(valid))
    if unknown:
        raise QueryError(f"unknown {name} {', '.join(unknown)}; valid: {', '.join(valid)}",
                         "lang" if name == "language" else name)  # fmt: skip
    return wanted


def check_options(scoring: str, mode: str, fusion: str, encoder_dimension: int,
                  index_dimension: int) -> None:  # fmt: skip
    """Refuse ranking options no searcher knows and an encoder that does not fit the index."""
    for name, value, valid in (("scoring", scoring, SCORINGS), ("mode", mode, MODES),
                               ("fusion", fusion, FUSIONS)):  # fmt: skip
        if value not in valid:
            raise QueryError(f"unknown {name} {value!r}; valid: {', '.join(valid)}")
    if index_dimension != encoder_dimension:
        raise QueryError(
            f"encoder dimension {encoder_dimension} does not match index dimension "
            f"{index_dimension}"
        )


class HybridFusion:
    """How hybrid search fuses its dense and lexical lists (shared by the local
    ``Searcher`` and ``search.engine_searcher.EngineSearcher``)."""

    fusion: str
    rrf_k: int
    dense_weight: float
    lexical_weight: float
    lexical_min_ratio: float
    lexical_words: int

    def _lexical_weight(self, text: str) -> float:
        """The lexical list's weight for this query. With ``lexical_words`` > 0 a
        query longer than that many words (a question, a definition) gets the
        weight scaled down by words/length: BM25 on long text matches function
        words and generic terms, while names and short lookups are where it helps."""
        words = len(text.split())
        if self.lexical_words <= 0 or words <= self.lexical_words:
            return self.lexical_weight
        return self.lexical_weight * self.lexical_words / words

    def _fuse(self, dense: Ranked, lexical: Ranked, text: str = "") -> Ranked:
        if lexical and self.lexical_min_ratio > 0:
            floor = lexical[0][1] * self.lexical_min_ratio
            lexical = [(r, s) for r, s in lexical if s >= floor]
        if self.fusion == "weighted":
            return weighted_fusion([dense, lexical], [self.dense_weight, 1 - self.dense_weight])
        weight = self._lexical_weight(text)
        return reciprocal_rank_fusion([dense, lexical], self.rrf_k, [1.0, weight])


class Searcher(HybridFusion):
    def __init__(
        self,
        index: LoadedIndex,
        encoder: TextEncoder,
        *,
        scoring: str = DEFAULT_SCORING,
        mode: str = DEFAULT_MODE,
        fusion: str = "rrf",
        rrf_k: int = DEFAULT_RRF_K,
        dense_weight: float = 0.5,
        lexical_weight: float = DEFAULT_LEXICAL_WEIGHT,
        lexical_min_ratio: float = 0.0,
        lexical_spread: float = DEFAULT_LEXICAL_SPREAD,
        concept_depth: int = DEFAULT_CONCEPT_DEPTH,
        analyzer: str = DEFAULT_ANALYZER,
        lexical_words: int = DEFAULT_LEXICAL_WORDS,
        previous: Searcher | None = None,
    ) -> None:
        check_options(scoring, mode, fusion, encoder.dimension, index.manifest.dimension)
        self._options = {
            "scoring": scoring, "mode": mode, "fusion": fusion, "rrf_k": rrf_k,
            "dense_weight": dense_weight, "lexical_weight": lexical_weight,
            "lexical_min_ratio": lexical_min_ratio, "lexical_spread": lexical_spread,
            "concept_depth": concept_depth,
            "analyzer": analyzer, "lexical_words": lexical_words,
        }  # fmt: skip
        self.lexical_words = lexical_words
        self.index = index
        self.encoder = encoder
        self.scoring, self.mode, self.fusion = scoring, mode, fusion
        self.analyzer = analyzer
        self.rrf_k, self.dense_weight = rrf_k, dense_weight
        self.lexical_weight, self.lexical_min_ratio = lexical_weight, lexical_min_ratio
        self.lexical_spread = lexical_spread
        self.concept_depth = concept_depth
        self._graph: EquivalenceGraph | None = None
        self._graph_generation = -1
        self.wait_for_graph = False  # the CLI waits for equivalents; the server answers 503
        self._graph_lock = threading.Lock()
        held = previous._per_segment if previous is not None else {}
        # per segment (immutable, so carried over from the previous version): the
        # rows of each language and the lexical postings for this analyzer
        self._per_segment: dict[str, Postings] = {
            seg.name: held.get(seg.name)
            or (seg.postings if analyzer == index.manifest.analyzer else
                build_postings([analyze(lexical_text(e), analyzer) for e in seg.entries]))
            for seg in index.segments
        }  # fmt: skip
        self._postings = [self._per_segment[seg.name] for seg in index.segments]
        self._live_cache: dict[tuple[int, str], np.ndarray] = {}
        if previous is not None and set(previous.languages) == set(self.languages):
            self._calibration = previous._calibration  # sampled statistics; merges refresh them
        else:
            self._calibration = self._calibrate()
        self.source_info = titles_for(self.sources, index.manifest.source_titles)
        if previous is not None and previous.graph_ready:
            # a write: update the previous version's graph in place (O(change)); the
            # previous Searcher sees the generation move on and stops using it
            self._adopt(self._advance_graph(previous))
            self.index.release()  # the rows it re-scored: random pages of the names files
        elif index.manifest.count > GRAPH_IN_BACKGROUND_ABOVE:
            threading.Thread(target=self._build_graph, name="glossa-graph", daemon=True).start()

    # ------------------------------------------------------------------ equivalence graph

    def _adopt(self, graph: EquivalenceGraph) -> None:
        self._graph, self._graph_generation = graph, graph.generation

    @property
    def graph_ready(self) -> bool:
        graph = self._graph
        return graph is not None and graph.generation == self._graph_generation

    def _build_graph(self) -> None:
        with self._graph_lock:
            if self._graph is not None:
                return
            self._adopt(build_graph(self.index))

    def _advance_graph(self, previous: Searcher) -> EquivalenceGraph:
        return advance_graph(previous._graph, previous.index, self.index)

    def _calibrate(self) -> LanguageCalibration:
        return calibrate(self.index, entry_statistics=self.scoring == "calibrated")

    @classmethod
    def open(
        cls,
        path: Path,
        encoder: TextEncoder,
        doc_text: str | None = None,
        store: StoreConfig | None = None,
        **options,
    ) -> Searcher:
        """Load ``path`` and refuse it unless it was built with this encoder's model
        (and, given ``store``, keeps its vectors in that backend)."""
        index = load_index_dir(
            path,
            expected_model=encoder.model_name,
            expected_dimension=encoder.dimension,
            expected_doc_text=doc_text,
            store=store,
        )
        return cls(index, encoder, **options)

    def with_index(self, index: LoadedIndex) -> Searcher:
        """A Searcher over another version of the index, same encoder and options:
        what a live change swaps in while this one keeps answering. What belongs
        to segments both versions share is carried over, so the cost follows the
        change, not the index size."""
        return Searcher(index, self.encoder, previous=self, **self._options)

    # ------------------------------------------------------------------ lookups

    @property
    def entries(self) -> tuple[Entry, ...]:
        """The live entries, in row order (built on first use)."""
        return self.index.entries

    @property
    def languages(self) -> list[str]:
        return sorted(self.index.manifest.languages)

    @property
    def sources(self) -> list[str]:
        return sorted(self.index.manifest.sources)

    def get(self, entry_id: str) -> Entry | None:
        return self.index.get(entry_id)

    @property
    def has_graph(self) -> bool:
        """Whether equivalents can be answered now (small indexes build on first use)."""
        return self.graph_ready or (
            self._graph is None and self.index.manifest.count <= GRAPH_IN_BACKGROUND_ABOVE
        )

    @property
    def graph(self) -> EquivalenceGraph:
        """The cross-lingual equivalence graph over this version's rows."""
        if self._graph is None and (
            self.wait_for_graph or self.index.manifest.count <= GRAPH_IN_BACKGROUND_ABOVE
        ):
            self._build_graph()  # waits for a background build already under way
        if self._graph is None:
            raise GraphNotReady(
                f"equivalents of this index ({self.index.manifest.count} entries) are still "
                "being computed; try again shortly"
            )
        if not self.graph_ready:
            raise GraphNotReady("the index changed while answering; try again")
        return self._graph

    def _row_of(self, entry_id: str) -> int:
        row = self.index.row_of(entry_id)
        if row is None:
            raise QueryError(f"unknown entry id {entry_id!r}", "entry_id")
        return row

    def _consistent(self, answer: Callable[[EquivalenceGraph], T]) -> T:
        """``answer`` from the graph, refused when a write advanced the shared graph
        meanwhile (its rows are then another version's): checked before and after,
        like the lexical spread, so an answer never mixes two versions."""
        graph = self.graph
        generation = graph.generation
        if not graph.unchanged_since(generation):
            raise GraphNotReady("the index is changing; try again")
        try:
            found = answer(graph)
        except (IndexError, KeyError):
            if graph.unchanged_since(generation):
                raise
            found = None
        if found is None or not graph.unchanged_since(generation):
            raise GraphNotReady("the index changed while answering; try again")
        return found

    def equivalents(self, entry_id: str) -> list[EquivalentHit]:
        """Confirmed entries in other languages that name the same concept as ``entry_id``."""
        row = self._row_of(entry_id)
        return self._consistent(lambda graph: [
            EquivalentHit(self._hit(eq.row, eq.score, rank), eq.shared_names, eq.status)
            for rank, eq in enumerate(graph.equivalents(row), start=1)
        ])  # fmt: skip

    def stale_reviews(self, entry_id: str) -> list[tuple[str, str]]:
        """(other entry id, decision) of the reviews of ``entry_id`` that no longer
        apply: one side's meaning changed since (or its id was reused)."""
        row = self._row_of(entry_id)
        return self._consistent(lambda graph: [
            (self.index.entry(other).id, decision) for other, decision in graph.stale.get(row, [])
        ])  # fmt: skip

    def candidates(self, entry_id: str) -> dict[str, list[CandidateHit]]:
        """Per other language, the best candidates for review, with evidence."""
        row = self._row_of(entry_id)
        return self._consistent(lambda graph: self._candidates(graph, row))

    def _candidates(self, graph: EquivalenceGraph, row: int) -> dict[str, list[CandidateHit]]:
        return {
            lang: [
                CandidateHit(
                    self._hit(c.row, c.score, rank),
                    c.probability,
                    c.margin,
                    c.mutual,
                    c.definition_similarity,
                    c.shared_names,
                    c.status,
                )  # fmt: skip
                for rank, c in enumerate(found, start=1)
            ]
            for lang, found in graph.candidates(row).items()
        }

    # ------------------------------------------------------------------ concepts

    def _concept_row(self, graph: EquivalenceGraph, key: str) -> int:
        """The anchor row of an entry id, a declared concept id, or ``auto-`` and an
        entry id (in that order)."""
        row = self.index.row_of(key)
        if row is not None:
            return row
        declared = graph.declared_rows(key)
        if declared:
            return min(declared, key=lambda r: self.index.entry(r).id)
        row = self.index.row_of(key.removeprefix(AUTO_PREFIX)) if key.startswith(AUTO_PREFIX) else None
        if row is None:
            raise QueryError(f"unknown concept or entry id {key!r}", "concept_id")
        return row

    def concept(self, key: str) -> ConceptRecord:
        """A concept by its id (or any of its entries' ids): every entry of it in
        every language, and how each joined it."""

        def answer(graph: EquivalenceGraph) -> ConceptRecord:
            row = self._concept_row(graph, key)
            members = graph.members(row)
            entries = {r: self.index.entry(r) for r in members}
            return ConceptRecord(
                concept_id(entries.values()), entries[row].id,
                tuple(ConceptMember(
                    self._hit(r, 1.0 if r == row else graph.pair_similarity(row, r), rank),
                    joined, None if joined == ANCHOR else graph.probability(row, r),
                ) for rank, (r, joined) in enumerate(members.items(), start=1)),
            )  # fmt: skip

        return self._consistent(answer)

    def search_concepts(self, query: str, k: int = 10, lang=None, source=None,
                        mode: str | None = None) -> list[ConceptHit]:  # fmt: skip
        """The search grouped by concept: the first ``k`` concepts among the hits,
        each with its entries in the asked languages and sources."""
        self._check_query(query, k)
        hits = self.search(query, MAX_K, lang, source, mode)
        masks = self._allowed_masks(lang, source)

        def members(entry_id: str) -> list[tuple[SearchHit, bool]]:
            row = self.index.row_of(entry_id)
            if row is None or not self.has_graph:
                return []
            found = self._consistent(lambda graph: list(graph.members(row)))
            return [(self._hit(r, 0.0, 0), self._allowed(r, masks)) for r in found]

        return group_by_concept(hits, members, k)

    # ------------------------------------------------------------------ search

    def search(
        self,
        query: str,
        k: int = 10,
        lang: str | Iterable[str] | None = None,
        source: str | Iterable[str] | None = None,
        mode: str | None = None,
    ) -> list[SearchHit]:
        return list(self.search_response(query, k, lang, source, mode).hits)

    def search_response(
        self,
        query: str,
        k: int = 10,
        lang: str | Iterable[str] | None = None,
        source: str | Iterable[str] | None = None,
        mode: str | None = None,
    ) -> SearchResponse:
        started = time.perf_counter()
        hits = self.batch_search([query], k, lang, source, mode)[0]
        return SearchResponse(
            query=query, took_ms=(time.perf_counter() - started) * 1000, hits=tuple(hits)
        )

    def batch_search(
        self,
        queries: Sequence[str],
        k: int = 10,
        lang: str | Iterable[str] | None = None,
        source: str | Iterable[str] | None = None,
        mode: str | None = None,
    ) -> list[list[SearchHit]]:
        mode = mode or self.mode
        if mode not in MODES:
            raise QueryError(f"unknown mode {mode!r}; valid: {', '.join(MODES)}", "mode")
        texts = [self._check_query(q, k) for q in queries]
        masks = self._allowed_masks(lang, source)
        if not texts:
            return []
        if not any(m.any() for m in masks):
            return [[] for _ in texts]
        n = max(k, CANDIDATES) if mode == "hybrid" else k
        dense: list[Ranked] = []
        if mode in ("dense", "hybrid"):
            filtered = lang is not None or source is not None
            dense = self._dense_ranked(
                self.encoder.encode_queries(texts), n, masks if filtered else None,
                _frozen(lang), _frozen(source),
            )  # fmt: skip
        out = []
        for i, text in enumerate(texts):
            if mode == "dense":
                ranked = dense[i]
            else:
                lexical = self._lexical_ranked(text, n, masks)
                ranked = lexical if mode == "lexical" else self._fuse(dense[i], lexical, text)
                ranked = promote(ranked, self._exact_rows(text, masks))
                if mode == "hybrid":
                    ranked = self._by_concept(ranked, masks)
            out.append(self._hits(ranked[:k]))
        return out

    def _exact_rows(self, text: str, masks: list[np.ndarray]) -> list[int]:
        """Allowed entries one of whose names equals the whole query (after folding)."""
        key = name_key(text)
        return [
            base + local
            for seg, mask, base in zip(self.index.segments, masks, self.index.bases, strict=True)
            for local in seg.rows_named(key).tolist()
            if mask[local]
        ]

    def _lexical_top(self, text: str, masks: list[np.ndarray], n: int) -> Ranked:
        """The ``n`` best allowed entries by BM25 (positive scores only), best first:
        each segment's best ``n`` picked in NumPy, then merged."""
        rows, values = [], []
        scores = segment_scores(self._postings, analyze(text, self.analyzer))
        for seg_scores, mask, base in zip(scores, masks, self.index.bases, strict=True):
            hit = np.flatnonzero((seg_scores > 0) & mask)
            if len(hit) > n:
                hit = hit[np.argpartition(-seg_scores[hit], n - 1)[:n]]
            rows.append(hit + base)
            values.append(seg_scores[hit])
        found_rows, found = np.concatenate(rows), np.concatenate(values)
        order = np.lexsort((found_rows, -found))[:n]
        return list(zip(found_rows[order].tolist(), found[order].tolist(), strict=True))

    def _lexical_ranked(self, text: str, n: int, masks: list[np.ndarray]) -> Ranked:
        if self.lexical_spread <= 0 or not self.has_graph:
            return self._lexical_top(text, masks, n)
        if self._graph is None:
            self._build_graph()
        # Lexical evidence is mostly same-language; spread it to the entries'
        # cross-lingual equivalents so the lexical list can rank them too.
        live = self._live_masks()
        ranked = dict(self._lexical_top(text, live, n))
        ranked = self._spread(ranked) or ranked
        allowed = {r: sc for r, sc in ranked.items() if self._allowed(r, masks)}
        return sorted(allowed.items(), key=lambda item: (-item[1], item[0]))[:n]

    def _spread(self, ranked: dict[int, float]) -> dict[int, float] | None:
        """``ranked`` plus each hit's direct confirmed links at ``lexical_spread`` of its score;
        None when a write is advancing (or has advanced) the shared graph meanwhile:
        its rows are then another version's, so this reader ranks without the spread."""
        graph, generation = self._graph, self._graph_generation

        def moved() -> bool:
            return graph is None or not graph.unchanged_since(generation)

        if moved():
            return None
        out = dict(ranked)
        try:
            for row, score in ranked.items():
                for other in graph.direct(row):
                    out[other] = max(out.get(other, 0.0), self.lexical_spread * score)
        except (IndexError, KeyError):
            if not moved():
                raise
        return None if moved() else out

    def _by_concept(self, ranked: Ranked, masks: list[np.ndarray]) -> Ranked:
        """``fusion.by_concept`` along the equivalence graph; the ranking as it is
        when there is no graph yet or a write advanced it meanwhile."""
        if self.concept_depth <= 0 or not self.has_graph:
            return ranked
        if self._graph is None:
            self._build_graph()
        graph, generation = self._graph, self._graph_generation
        if graph is None or not graph.unchanged_since(generation):
            return ranked
        try:
            ordered = by_concept(
                ranked, lambda rows: {r: graph.linked(r) for r in rows},
                lambda rows: {r for r in rows if self._allowed(r, masks)}, self.concept_depth,
            )  # fmt: skip
        except (IndexError, KeyError):
            if graph.unchanged_since(generation):
                raise
            return ranked
        return ordered if graph.unchanged_since(generation) else ranked

    def _allowed(self, row: int, masks: list[np.ndarray]) -> bool:
        s, local = self.index.split(row)
        return bool(masks[s][local])

    def _hits(self, ranked: Ranked) -> list[SearchHit]:
        return [self._hit(row, score, rank) for rank, (row, score) in enumerate(ranked, start=1)]

    def _hit(self, row: int, score: float, rank: int) -> SearchHit:
        entry = self.index.entry(row)
        return SearchHit.from_entry(entry, score, rank, self.source_info[entry.source].title)

    # ------------------------------------------------------------------ dense

    def _language_rows(self, s: int, lang: str) -> np.ndarray:
        """Live rows of one language in segment ``s`` (cached: the segment and its
        deletes do not change under this Searcher)."""
        key = (s, lang)
        rows = self._live_cache.get(key)
        if rows is None:
            local = self.index.segments[s].lang_rows.get(lang, np.zeros(0, np.int64))
            rows = local[~self.index.dead[s][local]]
            self._live_cache[key] = rows
        return rows

    def _language_bitmap(self, s: int, lang: str) -> np.ndarray:
        key = (s, "bitmap:" + lang)
        bitmap = self._live_cache.get(key)
        if bitmap is None:
            bitmap = row_bitmap(self._language_rows(s, lang), len(self.index.segments[s]))
            self._live_cache[key] = bitmap
        return bitmap

    def _segment_search(
        self, s: int, vectors: np.ndarray, depth: int, rows: np.ndarray, where: RowFilter
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top ``depth`` of segment ``s`` among ``rows`` (local), as global rows.
        A backend that filters by language and source expressions instead of rows
        (Milvus) is asked for as many more as the segment has deleted rows, and
        what is not allowed is dropped here."""
        segment = self.index.segments[s]
        extra = int(self.index.dead[s].sum()) if segment.info.kind == "milvus" else 0
        scores, found = segment.vectors.search(vectors, depth + extra, where)
        if extra:
            allowed = np.zeros(len(segment), dtype=bool)
            allowed[rows] = True
            ok = (found >= 0) & allowed[np.maximum(found, 0)]
            found = np.where(ok, found, -1)
        base = self.index.bases[s]
        return scores, np.where(found >= 0, found + base, -1)

    def _dense_ranked(
        self,
        vectors: np.ndarray,
        n: int,
        masks: list[np.ndarray] | None,
        langs: frozenset[str] | None = None,
        sources: frozenset[str] | None = None,
    ) -> list[Ranked]:
        calibrated = self.scoring == "calibrated"
        # language-z: the best n of each language by cosine, rescored by that
        # language's z-score and merged. Within a language z is monotonic in the
        # cosine, so the union of per-language top-n holds the overall top-n.
        # calibrated: each entry's score is first standardised by its own
        # pseudo-query statistics (not monotonic in the cosine), so a deeper
        # cosine candidate list is re-scored; on small collections that is all.
        depth = max(n, RESCORE_DEPTH) if calibrated else n
        stats = self._calibration.stats(vectors) if self.scoring != "cosine" else {}
        merged: list[list[tuple[int, float]]] = [[] for _ in range(len(vectors))]
        for lang in self.languages:
            if langs is not None and lang not in langs:
                continue
            found_scores, found_rows, found_stats = [], [], []
            for s, segment in enumerate(self.index.segments):
                rows = self._language_rows(s, lang)
                if masks is not None:
                    rows = rows[masks[s][rows]]
                if len(rows) == 0:
                    continue
                bitmap = self._language_bitmap(s, lang) if masks is None else None
                where = RowFilter(rows, frozenset([lang]), sources, bitmap)
                scores, global_rows = self._segment_search(s, vectors, depth, rows, where)
                found_scores.append(scores)
                found_rows.append(global_rows)
                local = np.where(global_rows >= 0, global_rows - self.index.bases[s], 0)
                found_stats.append(segment.doc_stats[local])
            if not found_rows:
                continue
            scores = np.concatenate(found_scores, axis=1)
            rows = np.concatenate(found_rows, axis=1)
            doc_stats = np.concatenate(found_stats, axis=1)
            for q in range(len(vectors)):
                keep = rows[q] >= 0  # FAISS pads with row -1 when fewer than n exist
                sc = scores[q][keep]
                if self.scoring != "cosine":
                    mean, std = stats[lang]
                    sc = self._calibration.standardised(
                        sc, doc_stats[q][keep] if calibrated else None, (mean[q], std[q])
                    )
                merged[q].extend(zip(rows[q][keep].tolist(), sc.tolist(), strict=True))
        return [sorted(m, key=lambda item: (-item[1], item[0]))[:n] for m in merged]

    # ------------------------------------------------------------------ validation

    def _live_masks(self) -> list[np.ndarray]:
        return [~dead for dead in self.index.dead]

    def _allowed_masks(
        self, lang: str | Iterable[str] | None, source: str | Iterable[str] | None
    ) -> list[np.ndarray]:
        """Per segment, which rows a query may return: live, and in the asked
        languages and sources (an unknown one is an error naming the valid ones)."""
        langs = checked_filter("language", lang, self.languages)
        sources = checked_filter("source", source, self.sources)
        masks = self._live_masks()
        if langs is not None:
            masks = [mask & np.isin(seg.langs, list(langs))
                     for seg, mask in zip(self.index.segments, masks, strict=True)]  # fmt: skip
        if sources is not None:
            masks = [mask & seg.lookup.source_rows(sources)
                     for seg, mask in zip(self.index.segments, masks, strict=True)]  # fmt: skip
        return masks

    @staticmethod
    def _check_query(query: str, k: int) -> str:
        if not isinstance(query, str) or not query.strip(BLANK):
            raise QueryError("the query is empty", "q")
        if len(query) > MAX_QUERY_CHARS:
            raise QueryError(
                f"the query is {len(query)} characters long; the limit is {MAX_QUERY_CHARS}"
            )
        if not 1 <= k <= MAX_K:
            raise QueryError(f"k must be between 1 and {MAX_K}, got {k}", "k")
        return query.strip(BLANK)
