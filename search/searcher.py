"""The ``Searcher``: loads an index directory and a matching encoder once, then
answers queries. Filters by language and source restrict the vector search
itself, so ``k`` hits come back whenever ``k`` entries match."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from indexer.encoder import TextEncoder
from indexer.index_dir import LoadedIndex, load_index_dir
from search.calibration import LanguageCalibration
from search.results import SearchHit, SearchResponse

MAX_K = 100
MAX_QUERY_CHARS = 1000
SCORINGS = ("language-z", "cosine")
DEFAULT_SCORING = "language-z"


class QueryError(ValueError):
    """A query or filter the caller must fix; the message says what is valid."""


def _as_set(value: str | Iterable[str] | None) -> set[str] | None:
    if value is None:
        return None
    values = {value} if isinstance(value, str) else set(value)
    return values or None


class Searcher:
    """Dense search over one index directory.

    ``scoring="language-z"`` (default, measured best in benchmarks/document_text.py)
    ranks by per-language z-scores to undo the encoder's same-language bias;
    ``"cosine"`` is plain nearest-neighbour order.
    """

    def __init__(
        self, index: LoadedIndex, encoder: TextEncoder, scoring: str = DEFAULT_SCORING
    ) -> None:
        if scoring not in SCORINGS:
            raise QueryError(f"unknown scoring {scoring!r}; valid: {', '.join(SCORINGS)}")
        if index.manifest.dimension != encoder.dimension:
            raise QueryError(
                f"encoder dimension {encoder.dimension} does not match index dimension "
                f"{index.manifest.dimension}"
            )
        self.index = index
        self.encoder = encoder
        self.entries = index.entries
        self._by_id = {e.id: e for e in self.entries}
        self._langs = np.array([e.lang for e in self.entries])
        self._sources = np.array([e.source for e in self.entries])
        self.scoring = scoring
        self._lang_rows = {
            lang: np.flatnonzero(self._langs == lang) for lang in np.unique(self._langs).tolist()
        }
        self._calibration = LanguageCalibration(
            index.vectors.reconstruct(np.arange(len(self.entries))), self._langs
        )

    @classmethod
    def open(
        cls,
        path: Path,
        encoder: TextEncoder,
        doc_text: str | None = None,
        scoring: str = DEFAULT_SCORING,
    ) -> Searcher:
        """Load ``path`` and refuse it unless it was built with this encoder's model."""
        index = load_index_dir(
            path,
            expected_model=encoder.model_name,
            expected_dimension=encoder.dimension,
            expected_doc_text=doc_text,
        )
        return cls(index, encoder, scoring)

    @property
    def languages(self) -> list[str]:
        return sorted(set(self._langs.tolist()))

    @property
    def sources(self) -> list[str]:
        return sorted(set(self._sources.tolist()))

    def get(self, entry_id: str):
        return self._by_id.get(entry_id)

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
                raise QueryError(f"unknown {name} {', '.join(unknown)}; valid: {', '.join(valid)}")
            mask &= np.isin(column, list(wanted))
        return np.flatnonzero(mask)

    @staticmethod
    def _check_query(query: str, k: int) -> str:
        if not isinstance(query, str) or not query.strip():
            raise QueryError("the query is empty")
        if len(query) > MAX_QUERY_CHARS:
            raise QueryError(
                f"the query is {len(query)} characters long; the limit is {MAX_QUERY_CHARS}"
            )
        if not 1 <= k <= MAX_K:
            raise QueryError(f"k must be between 1 and {MAX_K}, got {k}")
        return query.strip()

    def search(
        self,
        query: str,
        k: int = 10,
        lang: str | Iterable[str] | None = None,
        source: str | Iterable[str] | None = None,
    ) -> list[SearchHit]:
        return list(self.search_response(query, k, lang, source).hits)

    def search_response(
        self,
        query: str,
        k: int = 10,
        lang: str | Iterable[str] | None = None,
        source: str | Iterable[str] | None = None,
    ) -> SearchResponse:
        started = time.perf_counter()
        text = self._check_query(query, k)
        allowed = self._allowed_rows(lang, source)
        vector = self.encoder.encode_queries([text])
        hits = self._ranked(vector, k, allowed)[0]
        return SearchResponse(
            query=query, took_ms=(time.perf_counter() - started) * 1000, hits=hits
        )

    def batch_search(
        self,
        queries: Sequence[str],
        k: int = 10,
        lang: str | Iterable[str] | None = None,
        source: str | Iterable[str] | None = None,
    ) -> list[list[SearchHit]]:
        texts = [self._check_query(q, k) for q in queries]
        allowed = self._allowed_rows(lang, source)
        if not texts:
            return []
        return [list(h) for h in self._ranked(self.encoder.encode_queries(texts), k, allowed)]

    def _ranked(
        self, vectors: np.ndarray, k: int, allowed: np.ndarray | None
    ) -> list[tuple[SearchHit, ...]]:
        if allowed is not None and len(allowed) == 0:
            return [() for _ in range(len(vectors))]
        if self.scoring == "cosine":
            scores, rows = self.index.vectors.search(vectors, k, allowed)
            return [self._hits(s, r, k) for s, r in zip(scores, rows, strict=True)]
        # language-z: the best k of each language by cosine, rescored by that
        # language's z-score and merged. Within a language z is monotonic in the
        # cosine, so the union of per-language top-k holds the overall top-k.
        stats = self._calibration.stats(vectors)
        per_query_scores = [[] for _ in range(len(vectors))]
        per_query_rows = [[] for _ in range(len(vectors))]
        for lang, rows_of_lang in self._lang_rows.items():
            candidates = rows_of_lang if allowed is None else np.intersect1d(rows_of_lang, allowed)
            if len(candidates) == 0:
                continue
            scores, rows = self.index.vectors.search(vectors, k, candidates)
            mean, std = stats[lang]
            for q in range(len(vectors)):
                keep = rows[q] >= 0  # FAISS pads with row -1 when fewer than k exist
                per_query_scores[q].append((scores[q][keep] - mean[q]) / std[q])
                per_query_rows[q].append(rows[q][keep])
        out = []
        for q in range(len(vectors)):
            s = np.concatenate(per_query_scores[q]) if per_query_scores[q] else np.zeros(0)
            r = np.concatenate(per_query_rows[q]) if per_query_rows[q] else np.zeros(0, np.int64)
            order = np.argsort(-s, kind="stable")
            out.append(self._hits(s[order], r[order], k))
        return out

    def _hits(self, scores: np.ndarray, rows: np.ndarray, k: int) -> tuple[SearchHit, ...]:
        pairs = [(float(s), int(r)) for s, r in zip(scores, rows, strict=True) if r >= 0][:k]
        return tuple(
            SearchHit.from_entry(self.entries[r], s, rank)
            for rank, (s, r) in enumerate(pairs, start=1)
        )
