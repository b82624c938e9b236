"""The ``Searcher``: one search pipeline over any ``IndexReader`` and an encoder.

It answers queries in one of three modes:

- ``dense``: nearest entries by embedding, with per-language score calibration
  (``scoring="language-z"``, see ``concepts.calibration``) or plain cosine;
- ``lexical``: BM25 over language-aware analysed text (``analysis.entry_text``);
- ``hybrid``: both lists fused (reciprocal rank fusion by default, or weighted).

In ``lexical`` and ``hybrid`` an entry whose term, alias, acronym or English
equivalent equals the whole query is ranked first; in ``hybrid`` each of the
first hits is followed by its concept's entries in other languages. Filters by
language and source restrict every ranker before its top-k cut, so ``k`` hits
come back whenever ``k`` entries match.

Why one class over a reader: the local segments (``search.local_reader``) and
an index published into Milvus (``search.published_reader``) rank by the same
decisions, written once here; each reader only says where candidates, names,
links and entries come from. How it ranks is one ``RankingOptions`` record.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from glossa.corpus.entry import Entry
from glossa.indexer.encoders.encoder import TextEncoder
from glossa.indexer.store.reader import LoadedIndex
from glossa.indexer.store.vectors import StoreConfig
from glossa.search.errors import GraphNotReady, QueryError
from glossa.search.fusion import by_concept, promote, reciprocal_rank_fusion, weighted_fusion
from glossa.search.local_reader import LocalReader
from glossa.search.options import DEFAULT_OPTIONS, MODES, RankingOptions
from glossa.search.reader import IndexReader, Ranked
from glossa.search.results import (
    CandidateHit,
    ConceptHit,
    ConceptRecord,
    EquivalentHit,
    ReviewPair,
    SearchHit,
    SearchResponse,
    group_by_concept,
)

__all__ = ["GraphNotReady", "QueryError", "Searcher"]

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
CANDIDATES = 100  # per ranker, before fusion


def check_query(query: str, k: int) -> str:
    """The query without surrounding blanks, or an error naming what is wrong."""
    if not isinstance(query, str) or not query.strip(BLANK):
        raise QueryError("the query is empty", "q")
    if len(query) > MAX_QUERY_CHARS:
        raise QueryError(f"the query is {len(query)} characters long; the limit is {MAX_QUERY_CHARS}")
    if not 1 <= k <= MAX_K:
        raise QueryError(f"k must be between 1 and {MAX_K}, got {k}", "k")
    return query.strip(BLANK)


class Searcher:
    """Ranks one version of a termbase (``reader``) with ``encoder``'s query
    vectors, as ``options`` say (keyword ``overrides`` change single fields)."""

    def __init__(
        self,
        reader: IndexReader,
        encoder: TextEncoder,
        options: RankingOptions | None = None,
        **overrides,
    ) -> None:
        self.options = (options or DEFAULT_OPTIONS).replace(**overrides)
        if reader.dimension != encoder.dimension:
            raise QueryError(
                f"encoder dimension {encoder.dimension} does not match index dimension "
                f"{reader.dimension}"
            )
        reader.check(self.options)
        self.reader, self.encoder = reader, encoder

    @classmethod
    def open(
        cls,
        path: Path,
        encoder: TextEncoder,
        doc_text: str | None = None,
        store: StoreConfig | None = None,
        options: RankingOptions | None = None,
        **overrides,
    ) -> Searcher:
        """A searcher over the index directory at ``path``, refused unless it was
        built with this encoder's model (and, given ``store``, keeps its vectors in
        that backend)."""
        reader = LocalReader.open(path, encoder.model_name, encoder.dimension, doc_text, store)
        return cls(reader, encoder, options, **overrides)

    @classmethod
    def of_index(
        cls, index: LoadedIndex, encoder: TextEncoder, options: RankingOptions | None = None,
        **overrides,
    ) -> Searcher:  # fmt: skip
        """A searcher over an index version already loaded."""
        return cls(LocalReader(index), encoder, options, **overrides)

    def with_reader(self, reader: IndexReader) -> Searcher:
        """The same encoder and options over another version."""
        return Searcher(reader, self.encoder, self.options)

    def with_index(self, index: LoadedIndex) -> Searcher:
        """A searcher over a later version of this local index, same encoder and
        options: what a live change swaps in while this one keeps answering. What
        belongs to segments both versions share is carried over."""
        return self.with_reader(self.reader.next_version(index))  # type: ignore[attr-defined]

    # ------------------------------------------------------------------ the version

    @property
    def index(self):
        """What callers read of the version: ``path``, ``manifest``, ``source_languages()``."""
        return self.reader.index

    @property
    def mode(self) -> str:
        return self.options.mode

    @property
    def languages(self) -> list[str]:
        return self.reader.languages

    @property
    def sources(self) -> list[str]:
        return self.reader.sources

    @property
    def source_info(self):
        return self.reader.source_info

    @property
    def entries(self) -> tuple[Entry, ...]:
        """The live entries in row order (a local version's; a published one does
        not hold its entries)."""
        return self.reader.entries  # type: ignore[attr-defined]

    @property
    def graph(self):
        """The equivalence graph of a local version (a published one decides links
        on demand)."""
        return self.reader.graph  # type: ignore[attr-defined]

    @property
    def has_graph(self) -> bool:
        return self.reader.has_graph

    @property
    def wait_for_graph(self) -> bool:
        return self.reader.wait_for_graph  # type: ignore[attr-defined]

    @wait_for_graph.setter
    def wait_for_graph(self, value: bool) -> None:
        self.reader.wait_for_graph = value  # type: ignore[attr-defined]

    def get(self, entry_id: str) -> Entry | None:
        return self.reader.get(entry_id)

    def concept(self, key: str) -> ConceptRecord:
        """A concept by its id (or any of its entries' ids): every entry of it in
        every language, and how each joined it."""
        return self.reader.concept(key)

    def equivalents(self, entry_id: str) -> list[EquivalentHit]:
        """Confirmed entries in other languages that name the same concept."""
        return self.reader.equivalents(entry_id)

    def review_queue(self, limit: int = 50, offset: int = 0) -> tuple[int, list[ReviewPair]]:
        """Glossa's own links no person has reviewed (how many, and a page of
        them), the least certain first."""
        return self.reader.review_queue(limit, offset)

    def candidates(self, entry_id: str) -> dict[str, list[CandidateHit]]:
        """Per other language, the best candidates for review, with evidence."""
        return self.reader.candidates(entry_id)

    def stale_reviews(self, entry_id: str) -> list[tuple[str, str]]:
        """(other entry id, decision) of reviews of ``entry_id`` that no longer apply."""
        return self.reader.stale_reviews(entry_id)

    def warm(self) -> None:
        """Pay first-use costs now: the encoder's first call, the analysers (jieba),
        the calibration and the reader's links."""
        self.search("warm-up", k=1)
        self.reader.warm()

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

    def search_concepts(self, query: str, k: int = 10, lang=None, source=None,
                        mode: str | None = None) -> list[ConceptHit]:  # fmt: skip
        """The search grouped by concept: the first ``k`` concepts among the hits,
        each with its entries in the asked languages and sources."""
        check_query(query, k)
        hits = self.search(query, MAX_K, lang, source, mode)
        scope = self.reader.scope(lang, source)
        return group_by_concept(hits, lambda entry_id: self.reader.members(entry_id, scope), k)

    def batch_search(
        self,
        queries: Sequence[str],
        k: int = 10,
        lang: str | Iterable[str] | None = None,
        source: str | Iterable[str] | None = None,
        mode: str | None = None,
    ) -> list[list[SearchHit]]:
        mode = mode or self.options.mode
        if mode not in MODES:
            raise QueryError(f"unknown mode {mode!r}; valid: {', '.join(MODES)}", "mode")
        texts = [check_query(q, k) for q in queries]
        reader = self.reader
        scope = reader.scope(lang, source)
        if not texts:
            return []
        if scope.empty:
            return [[] for _ in texts]
        n = max(k, CANDIDATES) if mode == "hybrid" else k
        # a reader whose calls wait on the network runs the lexical lists and the
        # exact-name look-ups while the queries are embedded
        lexical = exact = []
        if mode != "dense":
            lexical = [reader.submit(reader.lexical, t, n, scope, self.options) for t in texts]
            exact = [reader.submit(reader.exact, t, scope) for t in texts]
        dense: list[Ranked] = []
        if mode in ("dense", "hybrid"):
            vectors = self.encoder.encode_queries(texts)
            dense = reader.dense(vectors, n, scope, self.options.scoring)
        out = []
        for i, text in enumerate(texts):
            if mode == "dense":
                ranked = dense[i]
            else:
                found = lexical[i].result()
                ranked = found if mode == "lexical" else self._fuse(dense[i], found, text)
                ranked = promote(ranked, exact[i].result())
                if mode == "hybrid":
                    ranked = self._by_concept(ranked, scope)
            out.append(reader.hits(ranked[:k]))
        return out

    def _fuse(self, dense: Ranked, lexical: Ranked, text: str) -> Ranked:
        options = self.options
        if options.fusion == "weighted":
            return weighted_fusion([dense, lexical], [options.dense_weight, 1 - options.dense_weight])
        weight = options.lexical_weight_for(text)
        return reciprocal_rank_fusion([dense, lexical], options.rrf_k, [1.0, weight])

    def _by_concept(self, ranked: Ranked, scope) -> Ranked:
        """``fusion.by_concept`` along the reader's links; the ranking as it is when
        there are no links yet. The links are the reader's version's: no write
        changes them under a search."""
        if self.options.concept_depth <= 0:
            return ranked
        view = self.reader.concept_view(scope)
        if view is None:
            return ranked
        return by_concept(ranked, view.linked, view.allowed, self.options.concept_depth)
