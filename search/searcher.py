"""The ``Searcher``: loads an index directory and a matching encoder once, then
answers queries in one of three modes:

- ``dense``: nearest entries by embedding, with per-language score calibration
  (``scoring="language-z"``, see ``search.calibration``) or plain cosine;
- ``lexical``: BM25 over language-aware analysed text (``search.lexical``);
- ``hybrid``: both lists fused (reciprocal rank fusion by default, or weighted).

In ``lexical`` and ``hybrid`` an entry whose term, alias, acronym or English
equivalent equals the whole query is ranked first. Filters by language and source
restrict every ranker before its top-k cut, so ``k`` hits come back whenever ``k``
entries match.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from glossa.corpus.entry import Entry
from glossa.corpus.titles import titles_for
from glossa.indexer.encoders.encoder import TextEncoder
from glossa.indexer.store.index_dir import LoadedIndex, load_index_dir
from glossa.indexer.store.vectors import RowFilter, StoreConfig
from glossa.search.calibration import LanguageCalibration, entry_z
from glossa.search.equivalents import EquivalenceGraph
from glossa.search.fusion import Ranked, promote, reciprocal_rank_fusion, weighted_fusion
from glossa.search.lexical import DEFAULT_ANALYZER, LexicalIndex
from glossa.search.results import CandidateHit, EquivalentHit, SearchHit, SearchResponse

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
CANDIDATES = 100  # per ranker, before fusion
MAX_GRAPH_ENTRIES = 20_000  # the equivalence graph is O(n^2)


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


class Searcher:
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
        analyzer: str = DEFAULT_ANALYZER,
        lexical_words: int = DEFAULT_LEXICAL_WORDS,
    ) -> None:
        for name, value, valid in (("scoring", scoring, SCORINGS), ("mode", mode, MODES),
                                   ("fusion", fusion, FUSIONS)):  # fmt: skip
            if value not in valid:
                raise QueryError(f"unknown {name} {value!r}; valid: {', '.join(valid)}")
        if index.manifest.dimension != encoder.dimension:
            raise QueryError(
                f"encoder dimension {encoder.dimension} does not match index dimension "
                f"{index.manifest.dimension}"
            )
        self._options = {
            "scoring": scoring, "mode": mode, "fusion": fusion, "rrf_k": rrf_k,
            "dense_weight": dense_weight, "lexical_weight": lexical_weight,
            "lexical_min_ratio": lexical_min_ratio, "lexical_spread": lexical_spread,
            "analyzer": analyzer, "lexical_words": lexical_words,
        }  # fmt: skip
        self.lexical_words = lexical_words
        self.index = index
        self.encoder = encoder
        self.entries = index.entries
        self.scoring, self.mode, self.fusion = scoring, mode, fusion
        self.rrf_k, self.dense_weight = rrf_k, dense_weight
        self.lexical_weight, self.lexical_min_ratio = lexical_weight, lexical_min_ratio
        self.lexical_spread = lexical_spread
        self._graph: EquivalenceGraph | None = None
        self._by_id = {e.id: row for row, e in enumerate(self.entries)}
        self._langs = np.array([e.lang for e in self.entries])
        self._sources = np.array([e.source for e in self.entries])
        self._lang_rows = {
            lang: np.flatnonzero(self._langs == lang) for lang in np.unique(self._langs).tolist()
        }
        self._doc_stats = index.doc_stats
        self._calibration = LanguageCalibration(
            index.vectors.reconstruct,
            self._langs,
            self._doc_stats if scoring == "calibrated" else None,
        )
        self.lexical = LexicalIndex(self.entries, analyzer)
        self.source_info = titles_for(self.sources, index.manifest.source_titles)

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
        what a live change swaps in while this one keeps answering."""
        return Searcher(index, self.encoder, **self._options)

    # ------------------------------------------------------------------ lookups

    @property
    def languages(self) -> list[str]:
        return sorted(self._lang_rows)

    @property
    def sources(self) -> list[str]:
        return sorted(set(self._sources.tolist()))

    def get(self, entry_id: str) -> Entry | None:
        row = self._by_id.get(entry_id)
        return None if row is None else self.entries[row]

    @property
    def has_graph(self) -> bool:
        return len(self.entries) <= MAX_GRAPH_ENTRIES

    @property
    def graph(self) -> EquivalenceGraph:
        """The cross-lingual equivalence graph, built on first use."""
        if not self.has_graph:
            raise QueryError(
                f"equivalents are computed for up to {MAX_GRAPH_ENTRIES} entries; this index has {len(self.entries)}"
            )
        if self._graph is None:
            self._graph = EquivalenceGraph(
                self.entries,
                self.index.vectors.reconstruct(np.arange(len(self.entries))),
                self.index.name_vectors,
                self.index.reviews,
            )
        return self._graph

    def _row_of(self, entry_id: str) -> int:
        row = self._by_id.get(entry_id)
        if row is None:
            raise QueryError(f"unknown entry id {entry_id!r}", "entry_id")
        return row

    def equivalents(self, entry_id: str) -> list[EquivalentHit]:
        """Confirmed entries in other languages that name the same concept as ``entry_id``."""
        return [
            EquivalentHit(
                self._hit(eq.row, eq.score, rank),
                eq.shared_names,
                eq.status,
            )
            for rank, eq in enumerate(self.graph.equivalents(self._row_of(entry_id)), start=1)
        ]

    def candidates(self, entry_id: str) -> dict[str, list[CandidateHit]]:
        """Per other language, the best candidates for review, with evidence."""
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
            for lang, found in self.graph.candidates(self._row_of(entry_id)).items()
        }

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
        allowed = self._allowed_rows(lang, source)
        if not texts:
            return []
        if allowed is not None and len(allowed) == 0:
            return [[] for _ in texts]
        n = max(k, CANDIDATES) if mode == "hybrid" else k
        dense: list[Ranked] = []
        if mode in ("dense", "hybrid"):
            where = RowFilter(allowed, _frozen(lang), _frozen(source))
            dense = self._dense_ranked(self.encoder.encode_queries(texts), n, where)
        keep = None if allowed is None else set(allowed.tolist())
        out = []
        for i, text in enumerate(texts):
            if mode == "dense":
                ranked = dense[i]
            else:
                lexical = self._lexical_ranked(text, n, allowed, keep)
                ranked = lexical if mode == "lexical" else self._fuse(dense[i], lexical, text)
                exact = self.lexical.exact_rows(text)
                if keep is not None:
                    exact = [r for r in exact if r in keep]
                ranked = promote(ranked, exact)
            out.append(self._hits(ranked[:k]))
        return out

    def _lexical_ranked(
        self, text: str, n: int, allowed: np.ndarray | None, keep: set[int] | None
    ) -> Ranked:
        if self.lexical_spread <= 0 or not self.has_graph:
            return self.lexical.ranked(text, n, allowed)
        # Lexical evidence is mostly same-language; spread it to the entries'
        # cross-lingual equivalents so the lexical list can rank them too.
        ranked = dict(self.lexical.ranked(text, n, None))
        for row, score in list(ranked.items()):
            for eq in self.graph.equivalents(row):
                ranked[eq.row] = max(ranked.get(eq.row, 0.0), self.lexical_spread * score)
        if keep is not None:
            ranked = {r: s for r, s in ranked.items() if r in keep}
        return sorted(ranked.items(), key=lambda item: (-item[1], item[0]))[:n]

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

    def _hits(self, ranked: Ranked) -> list[SearchHit]:
        return [self._hit(row, score, rank) for rank, (row, score) in enumerate(ranked, start=1)]

    def _hit(self, row: int, score: float, rank: int) -> SearchHit:
        entry = self.entries[row]
        return SearchHit.from_entry(entry, score, rank, self.source_info[entry.source].title)

    # ------------------------------------------------------------------ dense

    def _dense_ranked(self, vectors: np.ndarray, n: int, where: RowFilter) -> list[Ranked]:
        allowed = where.rows
        if self.scoring == "cosine":
            scores, rows = self.index.vectors.search(
                vectors, n, where if allowed is not None else None
            )
            return [
                [(int(r), float(s)) for s, r in zip(sr, rr, strict=True) if r >= 0]
                for sr, rr in zip(scores, rows, strict=True)
            ]
        # language-z: the best n of each language by cosine, rescored by that
        # language's z-score and merged. Within a language z is monotonic in the
        # cosine, so the union of per-language top-n holds the overall top-n.
        # calibrated: each entry's score is first standardised by its own
        # pseudo-query statistics (not monotonic in the cosine), so a deeper
        # cosine candidate list is re-scored; on small collections that is all.
        calibrated = self.scoring == "calibrated"
        depth = max(n, RESCORE_DEPTH) if calibrated else n
        stats = self._calibration.stats(vectors)
        merged: list[list[tuple[int, float]]] = [[] for _ in range(len(vectors))]
        for lang, rows_of_lang in self._lang_rows.items():
            candidates = rows_of_lang if allowed is None else np.intersect1d(rows_of_lang, allowed)
            if len(candidates) == 0:
                continue
            # one language (and the source filter): rows for FAISS, an expression for Milvus
            per_language = RowFilter(candidates, frozenset([lang]), where.sources)
            scores, rows = self.index.vectors.search(vectors, depth, per_language)
            mean, std = stats[lang]
            for q in range(len(vectors)):
                keep = rows[q] >= 0  # FAISS pads with row -1 when fewer than n exist
                s = scores[q][keep]
                if calibrated:
                    s = entry_z(s, self._doc_stats[rows[q][keep]])
                z = (s - mean[q]) / std[q]
                merged[q].extend(zip(rows[q][keep].tolist(), z.tolist(), strict=True))
        return [sorted(m, key=lambda item: (-item[1], item[0]))[:n] for m in merged]

    # ------------------------------------------------------------------ validation

    def _allowed_rows(
        self, lang: str | Iterable[str] | None, source: str | Iterable[str] | None
    ) -> np.ndarray | None:
        filters = (
            ("language", _as_set(lang), self._langs),
            ("source", _as_set(source), self._sources),
        )
        if all(wanted is None for _, wanted, _ in filters):
            return None
        mask = np.ones(len(self.entries), dtype=bool)
        for name, wanted, column in filters:
            if wanted is None:
                continue
            valid = sorted(set(column.tolist()))
            unknown = sorted(wanted - set(valid))
            if unknown:
                raise QueryError(
                    f"unknown {name} {', '.join(unknown)}; valid: {', '.join(valid)}",
                    "lang" if name == "language" else name,
                )
            mask &= np.isin(column, list(wanted))
        return np.flatnonzero(mask)

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
