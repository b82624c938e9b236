"""BM25 over analysed entry text (bm25s), plus exact name matching.

The lexical text of an entry is its names (term, aliases, English equivalent),
twice, then its definition: a name hit counts more than a word in passing.
Exact matches of the whole query against a name are kept separately, so an
acronym or term lookup can rank its entry first whatever the scores say.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import bm25s
import numpy as np
from glossa.corpus.entry import Entry
from glossa.search.analysis import analyze, name_key

DEFAULT_ANALYZER = "stems+ngrams"


def entry_names(entry: Entry) -> list[str]:
    return [entry.term, *entry.aliases, *([entry.english] if entry.english else [])]


def lexical_text(entry: Entry) -> str:
    names = " ; ".join(entry_names(entry))
    return f"{names} ; {names} ; {entry.definition}"


class LexicalIndex:
    def __init__(self, entries: Sequence[Entry], analyzer: str = DEFAULT_ANALYZER) -> None:
        self.analyzer = analyzer
        self._size = len(entries)
        self._bm25 = bm25s.BM25()
        corpus = [analyze(lexical_text(e), analyzer) or ["\u2205"] for e in entries]
        self._bm25.index(corpus, show_progress=False)
        names: dict[str, list[int]] = defaultdict(list)
        for row, entry in enumerate(entries):
            for name in entry_names(entry):
                key = name_key(name)
                if key and row not in names[key]:
                    names[key].append(row)
        self._names = dict(names)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every entry for the query (0 where nothing matches)."""
        tokens = analyze(query, self.analyzer)
        if not tokens:
            return np.zeros(self._size, np.float32)
        return np.asarray(self._bm25.get_scores(tokens), dtype=np.float32)

    def exact_rows(self, query: str) -> list[int]:
        """Entries one of whose names equals the whole query (after folding)."""
        return list(self._names.get(name_key(query), ()))

    def ranked(
        self, query: str, n: int, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        scores = self.scores(query)
        if allowed is not None:
            mask = np.zeros(self._size, dtype=bool)
            mask[allowed] = True
            scores = np.where(mask, scores, 0.0)
        candidates = np.flatnonzero(scores > 0)
        if len(candidates) > n:
            candidates = candidates[np.argpartition(-scores[candidates], n - 1)[:n]]
        order = candidates[np.argsort(-scores[candidates], kind="stable")]
        return [(int(r), float(scores[r])) for r in order]
