"""What the search pipeline asks of one version of a termbase: the ``IndexReader``.

Why a protocol (Lucene's ``IndexReader``, pyserini's ``HybridSearcher(dense,
sparse)``, and ``concepts.linking.Neighbourhood`` here): ranking, fusion,
concept-first order and grouping are one decision, written once in
``search.searcher.Searcher``; where the candidates, names, links and entries
come from is the reader's business. Two readers implement it:
``search.local_reader.LocalReader`` (segments in the index directory) and
``search.published_reader.PublishedReader`` (an index published into Milvus).

A key is what a reader ranks by: a global row locally, an entry id in Milvus.
The pipeline never looks inside a key or a scope; it passes them back.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from glossa.corpus.entry import Entry
from glossa.corpus.titles import GlossaryInfo
from glossa.search.options import RankingOptions
from glossa.search.results import (
    CandidateHit,
    ConceptRecord,
    EquivalentHit,
    ReviewPair,
    SearchHit,
)

Key = Hashable
Ranked = list[tuple[Any, float]]  # (key, score), best first


@dataclass(frozen=True)
class Scope:
    """The entries a query may return: the asked languages and sources (None: all),
    checked against the reader's. A reader may subclass it with what it needs
    (``LocalScope``'s row masks)."""

    langs: frozenset[str] | None
    sources: frozenset[str] | None
    empty: bool = False  # nothing can match: the pipeline answers without ranking

    @property
    def filtered(self) -> bool:
        return self.langs is not None or self.sources is not None


class ConceptView(Protocol):
    """The confirmed links of one version, as concept-first ranking reads them."""

    def linked(self, keys: Iterable[Key]) -> dict[Key, Sequence[Key]]: ...

    def allowed(self, keys: Iterable[Key]) -> set[Key]: ...


class IndexReader(Protocol):
    """One version of a termbase, read by the search pipeline."""

    @property
    def index(self) -> Any:
        """What callers read of the version: ``path``, ``manifest``, ``source_languages()``."""
        ...

    @property
    def languages(self) -> list[str]: ...

    @property
    def sources(self) -> list[str]: ...

    @property
    def source_info(self) -> dict[str, GlossaryInfo]: ...

    @property
    def dimension(self) -> int: ...

    @property
    def has_graph(self) -> bool:
        """Whether links can be answered now (a large local index computes them)."""
        ...

    def warm(self) -> None:
        """Build now what the first searches would (the links of a local version)."""
        ...

    def check(self, options: RankingOptions) -> None:
        """Refuse options this reader cannot rank with (an analyzer Milvus lacks)."""
        ...

    def scope(self, lang: str | Iterable[str] | None, source: str | Iterable[str] | None) -> Scope:
        """The asked filters, checked (an unknown language or source is a ``QueryError``)."""
        ...

    def submit(self, function: Callable[..., Any], *args: Any) -> Future:
        """Where a ranker runs while the query is embedded: another thread for a
        reader whose calls wait on the network, inline for one in memory."""
        ...

    def dense(self, vectors: np.ndarray, n: int, scope: Scope, scoring: str) -> list[Ranked]: ...

    def lexical(self, text: str, n: int, scope: Scope, options: RankingOptions) -> Ranked: ...

    def exact(self, text: str, scope: Scope) -> list[Key]:
        """Allowed entries one of whose names equals the whole query (folded)."""
        ...

    def concept_view(self, scope: Scope) -> ConceptView | None:
        """The links for concept-first ranking; None while there are none yet."""
        ...

    def hits(self, ranked: Ranked) -> list[SearchHit]: ...

    def members(self, entry_id: str, scope: Scope) -> list[tuple[SearchHit, bool]]:
        """The entries of ``entry_id``'s concept, each with whether ``scope`` allows it."""
        ...

    def get(self, entry_id: str) -> Entry | None: ...

    def concept(self, key: str) -> ConceptRecord: ...

    def equivalents(self, entry_id: str) -> list[EquivalentHit]: ...

    def candidates(self, entry_id: str) -> dict[str, list[CandidateHit]]: ...

    def stale_reviews(self, entry_id: str) -> list[tuple[str, str]]: ...

    def review_queue(self, limit: int, offset: int = 0) -> tuple[int, list[ReviewPair]]:
        """How many links await a person's review, and ``limit`` of them from
        ``offset``, the least certain first."""
        ...


class Done(Future):
    """A future already resolved: what an in-memory reader's ``submit`` returns."""

    def __init__(self, function: Callable[..., Any], *args: Any) -> None:
        super().__init__()
        try:
            self.set_result(function(*args))
        except BaseException as exc:  # re-raised by result(), as a thread's would be
            self.set_exception(exc)
