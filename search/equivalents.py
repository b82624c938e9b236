"""Cross-lingual equivalents: which entries in *other* languages name the same concept.

Evidence, per pair of entries (a, b) in different languages:
- embeddings: a's names embedded as a query, scored against b's entry vector with
  the same calibration as search (entry z-score for hubness, then z-score within
  b's language), and the same the other way round; the two are averaged, so a
  link needs both entries to find each other;
- names: a shared acronym, term or English equivalent after folding (NPS = NPS,
  "Net Promoter Score" = english "Net Promoter Score") adds ``NAME_BONUS``;
- concepts: entries that a termbase filed under one concept id (TBX
  ``conceptEntry``) are equivalents by declaration, whatever the embeddings say.

A pair is linked when its score reaches ``threshold`` and each side is among the
other's best ``per_language`` candidates in that language. The threshold is
calibrated on hand-labelled pairs (benchmarks/equivalents.py): precision first,
since a wrong link is worse for a terminologist than a missing one.

Cost is O(n^2) in the number of entries, fine for termbases up to ~20 000 entries;
beyond that candidates would come from a FAISS k-NN per language.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from corpus.entry import Entry
from search.analysis import name_key
from search.calibration import MIN_STD, entry_z
from search.lexical import entry_names

NAME_BONUS = 2.0
CONCEPT_SCORE = 100.0  # above any computed score: declared links rank first
DEFAULT_THRESHOLD = 2.0
PER_LANGUAGE = 1


@dataclass(frozen=True, slots=True)
class Equivalent:
    row: int
    score: float
    shared_names: tuple[str, ...]


class EquivalenceGraph:
    def __init__(
        self,
        entries: Sequence[Entry],
        doc_vectors: np.ndarray,
        name_vectors: np.ndarray,
        doc_stats: np.ndarray,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        per_language: int = PER_LANGUAGE,
    ) -> None:
        self.threshold, self.per_language = threshold, per_language
        self.langs = np.array([e.lang for e in entries])
        n = len(entries)
        directed = entry_z(name_vectors @ doc_vectors.T, doc_stats)  # a's names -> b
        for lang in np.unique(self.langs):
            cols = self.langs == lang
            block = directed[:, cols]
            directed[:, cols] = (block - block.mean(axis=1, keepdims=True)) / np.maximum(
                block.std(axis=1, keepdims=True), MIN_STD
            )
        score = (directed + directed.T) / 2
        keys = [{name_key(x) for x in entry_names(e)} - {""} for e in entries]
        by_key: dict[str, list[int]] = {}
        for row, ks in enumerate(keys):
            for key in ks:
                by_key.setdefault(key, []).append(row)
        self.shared: dict[tuple[int, int], set[str]] = {}
        for key, rows in by_key.items():
            for a in rows:
                for b in rows:
                    if a != b and self.langs[a] != self.langs[b]:
                        self.shared.setdefault((a, b), set()).add(key)
        for a, b in self.shared:
            score[a, b] += NAME_BONUS
        score[self.langs[:, None] == self.langs[None, :]] = -np.inf  # same language, and self
        self.declared: set[tuple[int, int]] = set()
        by_concept: dict[str, list[int]] = {}
        for row, entry in enumerate(entries):
            if entry.concept:
                by_concept.setdefault(entry.concept, []).append(row)
        for rows in by_concept.values():
            for a in rows:
                for b in rows:
                    if self.langs[a] != self.langs[b]:
                        self.declared.add((a, b))
                        score[a, b] = CONCEPT_SCORE
        self.score = score
        # each row's rank of every candidate within the candidate's language
        self._rank = np.zeros((n, n), dtype=np.int32)
        for lang in np.unique(self.langs):
            cols = np.flatnonzero(self.langs == lang)
            order = np.argsort(-score[:, cols], axis=1, kind="stable")
            ranks = np.empty_like(order)
            np.put_along_axis(ranks, order, np.arange(len(cols))[None, :], axis=1)
            self._rank[:, cols] = ranks
        self._adjacency: dict[float, list[list[Equivalent]]] = {}

    def is_linked(self, a: int, b: int, threshold: float | None = None) -> bool:
        threshold = self.threshold if threshold is None else threshold
        if (a, b) in self.declared:
            return True
        return bool(
            self.score[a, b] >= threshold
            and self._rank[a, b] < self.per_language
            and self._rank[b, a] < self.per_language
        )

    def equivalents(self, row: int, threshold: float | None = None) -> list[Equivalent]:
        """Linked entries of ``row``, best first (precomputed per threshold: the
        hybrid ranker asks for the equivalents of every lexical hit)."""
        threshold = self.threshold if threshold is None else threshold
        if threshold not in self._adjacency:
            self._adjacency[threshold] = [
                self._compute(r, threshold) for r in range(len(self.langs))
            ]
        return self._adjacency[threshold][row]

    def _compute(self, row: int, threshold: float) -> list[Equivalent]:
        candidates = np.flatnonzero(np.isfinite(self.score[row]) & (self.score[row] >= threshold))
        linked = [b for b in candidates.tolist() if self.is_linked(row, b, threshold)]
        linked.sort(key=lambda b: -self.score[row, b])
        return [
            Equivalent(b, float(self.score[row, b]), tuple(sorted(self.shared.get((row, b), ()))))
            for b in linked
        ]

    def links(self, threshold: float | None = None) -> set[tuple[int, int]]:
        """All linked pairs (a < b)."""
        rows, cols = np.nonzero(
            np.triu(self.score >= (self.threshold if threshold is None else threshold), 1)
        )
        return {
            (int(a), int(b))
            for a, b in zip(rows, cols, strict=True)
            if self.is_linked(a, b, threshold)
        }
