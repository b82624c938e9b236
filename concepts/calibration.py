"""Correct the encoder's same-language bias by standardising scores per entry language.

multilingual-e5 scores same-language pairs higher across the board: for a Polish
query, Polish entries about other concepts outrank the Persian and Chinese entries
about the right one. Turning each language's cosines into z-scores (mean and
spread of that query's scores against that language's entries) puts the languages
on one scale, so an entry ranks by how unusually close it is *within its own
language*. ``benchmarks/quality/document_text.py`` measures the effect.

For large collections the mean and spread come from a fixed sample of each
language's vectors, so the cost stays bounded while FAISS searches every row.
A language with fewer than ``MIN_LANGUAGE_ENTRIES`` entries has no meaningful
spread of its own (one entry would always score z = 0), so it borrows the
statistics of the whole collection until it grows.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

SAMPLE_PER_LANGUAGE = 2048
MIN_LANGUAGE_ENTRIES = 20
MIN_STD = 1e-6
POOLED = "*"


def language_z_scores(scores: np.ndarray, langs: np.ndarray) -> np.ndarray:
    """Per-row, per-language z-scores of a (queries x entries) cosine matrix."""
    out = np.empty_like(scores, dtype=np.float32)
    for lang in np.unique(langs):
        cols = langs == lang
        block = scores[:, cols]
        mean = block.mean(axis=1, keepdims=True)
        std = np.maximum(block.std(axis=1, keepdims=True), MIN_STD)
        out[:, cols] = (block - mean) / std
    return out


def entry_z(scores: np.ndarray, doc_stats: np.ndarray) -> np.ndarray:
    """Standardise each entry's score by its own pseudo-query mean and std (hubness)."""
    return (scores - doc_stats[:, 0]) / np.maximum(doc_stats[:, 1], MIN_STD)


class LanguageCalibration:
    """Per-language score statistics for new queries, from a sample of each language.

    With ``doc_stats`` the statistics are of entry-standardised scores, matching
    the "calibrated" dense scoring.
    """

    def __init__(
        self,
        vectors: np.ndarray | Callable[[np.ndarray], np.ndarray],
        langs: np.ndarray,
        doc_stats: np.ndarray | None = None,
        seed: int = 0,
    ) -> None:
        """``vectors``: all vectors, or a function returning the vectors of given rows
        (so a large index only reconstructs its sample)."""
        fetch = vectors if callable(vectors) else (lambda rows, v=vectors: v[rows])
        rng = np.random.default_rng(seed)
        self.samples: dict[str, tuple[np.ndarray, np.ndarray | None]] = {}
        self.group: dict[str, str] = {}  # language -> whose statistics it uses
        groups = {str(lang): np.flatnonzero(langs == lang) for lang in np.unique(langs)}
        small = [lang for lang, rows in groups.items() if len(rows) < MIN_LANGUAGE_ENTRIES]
        if small:
            groups[POOLED] = np.arange(len(langs))
        for name, rows in groups.items():
            self.group[name] = POOLED if name in small else name
            if name in small:
                continue
            if len(rows) > SAMPLE_PER_LANGUAGE:
                rows = np.sort(rng.choice(rows, SAMPLE_PER_LANGUAGE, replace=False))
            stats = None if doc_stats is None else doc_stats[rows]
            self.samples[name] = (np.ascontiguousarray(fetch(rows), dtype=np.float32), stats)

    @classmethod
    def from_samples(
        cls, samples: dict[str, tuple[np.ndarray, np.ndarray | None]], group: dict[str, str]
    ) -> LanguageCalibration:
        """A calibration from samples kept elsewhere (an index in Milvus keeps them
        in its local directory, ``indexer.engine.directory``)."""
        calibration = cls.__new__(cls)
        calibration.samples, calibration.group = dict(samples), dict(group)
        return calibration

    @staticmethod
    def standardised(
        scores: np.ndarray, doc_stats: np.ndarray | None, stats: tuple[np.ndarray, np.ndarray]
    ) -> np.ndarray:
        """One query's cosines of one language's entries on the calibrated scale:
        entry-standardised first when ``doc_stats`` is given, then the language's z."""
        if doc_stats is not None:
            scores = entry_z(scores, doc_stats)
        mean, std = stats
        return (scores - mean) / std

    def stats(self, queries: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """lang -> (mean, std), each of shape (n_queries,)."""
        computed = {}
        for name, (sample, doc_stats) in self.samples.items():
            scores = queries @ sample.T
            if doc_stats is not None:
                scores = entry_z(scores, doc_stats)
            computed[name] = (scores.mean(axis=1), np.maximum(scores.std(axis=1), MIN_STD))
        return {lang: computed[group] for lang, group in self.group.items() if lang != POOLED}
