"""``LocalReader``: one version of an index directory, as the search pipeline reads it.

Dense candidates come from each segment's vector index with per-language
calibration (``concepts.calibration``), lexical candidates from BM25 over each
segment's stored postings, spread along confirmed links of the equivalence
graph (``concepts.equivalents``), names from each segment's lookup. What belongs
to a segment (postings for another analyzer, live rows per language) is
immutable, so a reader over the next version carries it over: a write costs
what it changed, not the index size.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from glossa.analysis import analyze, lexical_text, name_key
from glossa.concepts.calibration import LanguageCalibration
from glossa.concepts.equivalents import EquivalenceGraph
from glossa.concepts.linking import ANCHOR, AUTO_PREFIX, concept_id
from glossa.corpus.entry import Entry
from glossa.corpus.titles import GlossaryInfo, titles_for
from glossa.indexer.concept_links import advance_graph, build_graph, calibrate
from glossa.indexer.store.postings import Postings, build_postings
from glossa.indexer.store.reader import LoadedIndex, load_index_dir
from glossa.indexer.store.vectors import RowFilter, StoreConfig, row_bitmap
from glossa.search.bm25 import segment_scores
from glossa.search.errors import GraphNotReady, QueryError
from glossa.search.options import RankingOptions
from glossa.search.reader import Done, Ranked, Scope
from glossa.search.results import (
    CandidateHit,
    ConceptMember,
    ConceptRecord,
    EquivalentHit,
    ReviewPair,
    SearchHit,
)

log = logging.getLogger("glossa.search")
RESCORE_DEPTH = 200  # cosine candidates per language re-scored by the calibrated score
# Above this many entries the equivalence graph is built on a background thread
# (search answers without the lexical spread until it is ready); below, on first use.
GRAPH_IN_BACKGROUND_ABOVE = 20_000


def as_set(value: str | Iterable[str] | None) -> set[str] | None:
    if value is None:
        return None
    values = {value} if isinstance(value, str) else set(value)
    return values or None


def checked_filter(
    name: str, value: str | Iterable[str] | None, valid: Iterable[str]
) -> frozenset[str] | None:
    """The asked languages or sources (None: no filter), or an error that names
    the unknown ones and the valid ones."""
    wanted = as_set(value)
    if wanted is None:
        return None
    valid = sorted(valid)
    unknown = sorted(wanted - set(valid))
    if unknown:
        raise QueryError(f"unknown {name} {', '.join(unknown)}; valid: {', '.join(valid)}",
                         "lang" if name == "language" else name)  # fmt: skip
    return frozenset(wanted)


@dataclass(frozen=True)
class LocalScope(Scope):
    """Per segment, which rows a query may return (live, in the asked languages and sources)."""

    masks: tuple[np.ndarray, ...] = ()


class _GraphView:
    """Concept-first ranking's view of this version's graph (which no write changes)."""

    def __init__(self, reader: LocalReader, graph: EquivalenceGraph, scope: LocalScope) -> None:
        self._reader, self._graph, self._scope = reader, graph, scope

    def linked(self, rows):
        return {r: self._graph.linked(r) for r in rows}

    def allowed(self, rows):
        return {r for r in rows if self._reader.allowed(r, self._scope.masks)}


class LocalReader:
    """One loaded version of an index directory (``LoadedIndex``). ``previous``:
    the reader of an earlier version of the same directory, whose per-segment
    structures, calibration and equivalence graph are carried over."""

    def __init__(self, index: LoadedIndex, previous: LocalReader | None = None) -> None:
        self.index = index
        self.wait_for_graph = False  # the CLI waits for equivalents; the server answers 503
        self._graph: EquivalenceGraph | None = None
        self._graph_lock = threading.Lock()
        self._lock = threading.Lock()
        # per analyzer and segment (immutable, so carried over from the previous version)
        self._postings: dict[str, dict[str, Postings]] = {}
        if previous is not None:
            self._postings = {a: dict(p) for a, p in previous._postings.items()}
        self._live_cache: dict[tuple[int, str], np.ndarray] = {}
        self._calibrations: dict[bool, LanguageCalibration] = {}
        if previous is not None and set(previous.languages) == set(self.languages):
            # sampled statistics; merges refresh them
            self._calibrations = dict(previous._calibrations)
        self.source_info: dict[str, GlossaryInfo] = titles_for(
            self.sources, index.manifest.source_titles
        )
        advanced = False
        if previous is not None and previous.graph_ready and previous._graph.advanceable:
            # a write: the previous version's graph, advanced (O(change)) into a new
            # one; the previous reader keeps its own, untouched, for the answers it
            # is in the middle of
            try:
                self._adopt(advance_graph(previous._graph, previous.index, self.index))
                advanced = True
            except Exception:  # noqa: BLE001 - the graph is rebuilt; the version stands
                log.exception("advancing the equivalence graph failed; it is built anew")
            self.index.release()  # the rows it re-scored: random pages of the names files
        if not advanced and index.manifest.count > GRAPH_IN_BACKGROUND_ABOVE:
            threading.Thread(target=self._build_graph, name="glossa-graph", daemon=True).start()

    @classmethod
    def open(
        cls,
        path: Path,
        model: str | None = None,
        dimension: int | None = None,
        doc_text: str | None = None,
        store: StoreConfig | None = None,
    ) -> LocalReader:
        """Load ``path`` and refuse it unless it was built with ``model`` (and, given
        ``store``, keeps its vectors in that backend)."""
        return cls(load_index_dir(path, expected_model=model, expected_dimension=dimension,
                                  expected_doc_text=doc_text, store=store))  # fmt: skip

    def next_version(self, index: LoadedIndex) -> LocalReader:
        """The reader of a later version of this directory (what a write swaps in)."""
        return LocalReader(index, previous=self)

    # ------------------------------------------------------------------ the version

    @property
    def dimension(self) -> int:
        return self.index.manifest.dimension

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

    def warm(self) -> None:
        if self.has_graph:
            _ = self.graph  # built once here rather than inside a request

    def check(self, options: RankingOptions) -> None:
        """Any analyzer works locally: postings for another are built per segment."""

    def submit(self, function: Callable, *args) -> Done:
        return Done(function, *args)  # in memory: nothing to overlap with the encoder

    # ------------------------------------------------------------------ equivalence graph

    def _adopt(self, graph: EquivalenceGraph) -> None:
        self._graph = graph

    @property
    def graph_ready(self) -> bool:
        return self._graph is not None

    def _build_graph(self) -> None:
        with self._graph_lock:
            if self._graph is not None:
                return
            self._adopt(build_graph(self.index))

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
        return self._graph

    def _row_of(self, entry_id: str) -> int:
        row = self.index.row_of(entry_id)
        if row is None:
            raise QueryError(f"unknown entry id {entry_id!r}", "entry_id")
        return row

    # ------------------------------------------------------------------ links

    def equivalents(self, entry_id: str) -> list[EquivalentHit]:
        """Confirmed entries in other languages that name the same concept as ``entry_id``."""
        row = self._row_of(entry_id)
        return [EquivalentHit(self.hit(eq.row, eq.score, rank), eq.shared_names, eq.status)
                for rank, eq in enumerate(self.graph.equivalents(row), start=1)]  # fmt: skip

    def stale_reviews(self, entry_id: str) -> list[tuple[str, str]]:
        """(other entry id, decision) of the reviews of ``entry_id`` that no longer
        apply: one side's meaning changed since (or its id was reused)."""
        row = self._row_of(entry_id)
        return [(self.index.entry(other).id, decision)
                for other, decision in self.graph.stale.get(row, [])]  # fmt: skip

    def candidates(self, entry_id: str) -> dict[str, list[CandidateHit]]:
        """Per other language, the best candidates for review, with evidence."""
        row = self._row_of(entry_id)
        return {
            lang: [CandidateHit(self.hit(c.row, c.score, rank), c.probability, c.margin, c.mutual,
                                c.definition_similarity, c.shared_names, c.status)
                   for rank, c in enumerate(found, start=1)]
            for lang, found in self.graph.candidates(row).items()
        }  # fmt: skip

    def review_queue(self, limit: int, offset: int = 0) -> tuple[int, list[ReviewPair]]:
        """Glossa's own links no person has reviewed, the least certain first."""
        graph = self.graph
        pairs = graph.automatic_pairs()
        shown = []
        for a, b, _ in pairs[offset:offset + limit]:
            c = graph.candidate(a, b)
            shown.append(ReviewPair(self.hit(a, c.score, 0), CandidateHit(
                self.hit(b, c.score, 0), c.probability, c.margin, c.mutual,
                c.definition_similarity, c.shared_names, c.status)))  # fmt: skip
        return len(pairs), shown

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
        graph = self.graph
        row = self._concept_row(graph, key)
        members = graph.members(row)
        entries = {r: self.index.entry(r) for r in members}
        return ConceptRecord(
            concept_id(entries.values()), entries[row].id,
            tuple(ConceptMember(
                self.hit(r, 1.0 if r == row else graph.pair_similarity(row, r), rank),
                joined, None if joined == ANCHOR else graph.probability(row, r),
            ) for rank, (r, joined) in enumerate(members.items(), start=1)),
        )  # fmt: skip

    def members(self, entry_id: str, scope: LocalScope) -> list[tuple[SearchHit, bool]]:
        row = self.index.row_of(entry_id)
        if row is None or not self.has_graph:
            return []
        return [(self.hit(r, 0.0, 0), self.allowed(r, scope.masks)) for r in self.graph.members(row)]

    def concept_view(self, scope: LocalScope) -> _GraphView | None:
        if not self.has_graph:
            return None
        if self._graph is None:
            self._build_graph()
        return None if self._graph is None else _GraphView(self, self._graph, scope)

    # ------------------------------------------------------------------ filters and hits

    def scope(self, lang, source) -> LocalScope:
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
        return LocalScope(langs, sources, not any(m.any() for m in masks), tuple(masks))

    def _live_masks(self) -> list[np.ndarray]:
        return [~dead for dead in self.index.dead]

    def allowed(self, row: int, masks) -> bool:
        s, local = self.index.split(row)
        return bool(masks[s][local])

    def hits(self, ranked: Ranked) -> list[SearchHit]:
        return [self.hit(row, score, rank) for rank, (row, score) in enumerate(ranked, start=1)]

    def hit(self, row: int, score: float, rank: int) -> SearchHit:
        entry = self.index.entry(row)
        return SearchHit.from_entry(entry, score, rank, self.source_info[entry.source].title)

    # ------------------------------------------------------------------ names

    def exact(self, text: str, scope: LocalScope) -> list[int]:
        key = name_key(text)
        return [
            base + local
            for seg, mask, base in zip(self.index.segments, scope.masks, self.index.bases,
                                       strict=True)  # fmt: skip
            for local in seg.rows_named(key).tolist()
            if mask[local]
        ]

    # ------------------------------------------------------------------ lexical

    def _segment_postings(self, analyzer: str | None) -> list[Postings]:
        """Each segment's postings for ``analyzer``: the stored ones for the index's
        own, else built once per segment and carried to later versions."""
        analyzer = analyzer or self.index.manifest.analyzer
        if analyzer == self.index.manifest.analyzer:
            return [seg.postings for seg in self.index.segments]
        with self._lock:
            held = self._postings.setdefault(analyzer, {})
            for seg in self.index.segments:
                if seg.name not in held:
                    held[seg.name] = build_postings(
                        [analyze(lexical_text(e), analyzer) for e in seg.entries]
                    )
            return [held[seg.name] for seg in self.index.segments]

    def _lexical_top(self, text: str, masks, n: int, analyzer: str | None) -> Ranked:
        """The ``n`` best allowed entries by BM25 (positive scores only), best first:
        each segment's best ``n`` picked in NumPy, then merged."""
        rows, values = [], []
        analyzer = analyzer or self.index.manifest.analyzer
        scores = segment_scores(self._segment_postings(analyzer), analyze(text, analyzer))
        for seg_scores, mask, base in zip(scores, masks, self.index.bases, strict=True):
            hit = np.flatnonzero((seg_scores > 0) & mask)
            if len(hit) > n:
                hit = hit[np.argpartition(-seg_scores[hit], n - 1)[:n]]
            rows.append(hit + base)
            values.append(seg_scores[hit])
        found_rows, found = np.concatenate(rows), np.concatenate(values)
        order = np.lexsort((found_rows, -found))[:n]
        return list(zip(found_rows[order].tolist(), found[order].tolist(), strict=True))

    def lexical(self, text: str, n: int, scope: LocalScope, options: RankingOptions) -> Ranked:
        if options.lexical_spread <= 0 or not self.has_graph:
            return self._lexical_top(text, scope.masks, n, options.analyzer)
        if self._graph is None:
            self._build_graph()
        # Lexical evidence is mostly same-language; spread it to the entries'
        # cross-lingual equivalents so the lexical list can rank them too.
        ranked = dict(self._lexical_top(text, self._live_masks(), n, options.analyzer))
        ranked = self._spread(ranked, options.lexical_spread) or ranked
        allowed = {r: sc for r, sc in ranked.items() if self.allowed(r, scope.masks)}
        return sorted(allowed.items(), key=lambda item: (-item[1], item[0]))[:n]

    def _spread(self, ranked: dict[int, float], spread: float) -> dict[int, float] | None:
        """``ranked`` plus each hit's direct confirmed links at ``spread`` of its
        score; None while the graph is not built yet (a large index builds it in
        the background): this reader then ranks without the spread."""
        graph = self._graph
        if graph is None:
            return None
        out = dict(ranked)
        for row, score in ranked.items():
            for other in graph.direct(row):
                out[other] = max(out.get(other, 0.0), spread * score)
        return out

    # ------------------------------------------------------------------ dense

    def _calibration(self, scoring: str) -> LanguageCalibration:
        entry_statistics = scoring == "calibrated"
        calibration = self._calibrations.get(entry_statistics)
        if calibration is None:
            calibration = calibrate(self.index, entry_statistics=entry_statistics)
            self._calibrations[entry_statistics] = calibration
        return calibration

    def _language_rows(self, s: int, lang: str) -> np.ndarray:
        """Live rows of one language in segment ``s`` (cached: the segment and its
        deletes do not change under this reader)."""
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

    def dense(self, vectors: np.ndarray, n: int, scope: LocalScope, scoring: str) -> list[Ranked]:
        calibrated = scoring == "calibrated"
        masks = scope.masks if scope.filtered else None
        # language-z: the best n of each language by cosine, rescored by that
        # language's z-score and merged. Within a language z is monotonic in the
        # cosine, so the union of per-language top-n holds the overall top-n.
        # calibrated: each entry's score is first standardised by its own
        # pseudo-query statistics (not monotonic in the cosine), so a deeper
        # cosine candidate list is re-scored; on small collections that is all.
        depth = max(n, RESCORE_DEPTH) if calibrated else n
        calibration = self._calibration(scoring) if scoring != "cosine" else None
        stats = calibration.stats(vectors) if calibration is not None else {}
        merged: list[list[tuple[int, float]]] = [[] for _ in range(len(vectors))]
        for lang in self.languages:
            if scope.langs is not None and lang not in scope.langs:
                continue
            found_scores, found_rows, found_stats = [], [], []
            for s, segment in enumerate(self.index.segments):
                rows = self._language_rows(s, lang)
                if masks is not None:
                    rows = rows[masks[s][rows]]
                if len(rows) == 0:
                    continue
                bitmap = self._language_bitmap(s, lang) if masks is None else None
                where = RowFilter(rows, frozenset([lang]), scope.sources, bitmap)
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
                if calibration is not None:
                    mean, std = stats[lang]
                    sc = calibration.standardised(
                        sc, doc_stats[q][keep] if calibrated else None, (mean[q], std[q])
                    )
                merged[q].extend(zip(rows[q][keep].tolist(), sc.tolist(), strict=True))
        return [sorted(m, key=lambda item: (-item[1], item[0]))[:n] for m in merged]
