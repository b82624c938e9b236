"""``RankingOptions``: how a search ranks, as one frozen record.

Why one record: the settings, the local and the published readers, the server
and the benchmarks all rank with these numbers, and each default is written
here once, beside the result file that chose it. A searcher is given a record;
``Settings.ranking_options()`` builds the configured one; a benchmark varies a
field with ``dataclasses.replace``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from glossa.search.errors import QueryError

MODES = ("dense", "lexical", "hybrid")
SCORINGS = ("calibrated", "language-z", "cosine")
FUSIONS = ("rrf", "weighted")


@dataclass(frozen=True, slots=True)
class RankingOptions:
    """Every ranking choice with its default and where the default was measured."""

    # hybrid: measured best on the gold set (benchmarks/results/quality/eval.md)
    mode: str = "hybrid"
    # dense scores standardised per entry, then per language (concepts.calibration;
    # benchmarks/results/quality/quality.md, "dense" rows)
    scoring: str = "calibrated"
    # reciprocal rank fusion: no score calibration between the two lists
    fusion: str = "rrf"
    # RRF constant, lexical weight and the words above which it is scaled down:
    # chosen on the tuning parts (gold dev + external dev;
    # benchmarks/results/quality/fusion_tuning.md), reported on the report parts (quality.md)
    rrf_k: int = 5
    lexical_weight: float = 0.4
    lexical_words: int = 2
    # lexical evidence spread along confirmed equivalents at this share of its score
    # (fusion_tuning.md, "no lexical spread" row)
    lexical_spread: float = 1.0
    # concept-first ranking: each of the first N hybrid hits is followed by its
    # concept's entries in other languages; 0 turns it off (fusion_tuning.md)
    concept_depth: int = 3
    # weighted fusion only: the dense list's share (benchmarks/quality/ranking_ablation.py)
    dense_weight: float = 0.7
    # None: the analyzer the index was built with (its stored postings)
    analyzer: str | None = None

    def __post_init__(self) -> None:
        for name, valid in (("mode", MODES), ("scoring", SCORINGS), ("fusion", FUSIONS)):
            value = getattr(self, name)
            if value not in valid:
                raise QueryError(
                    f"unknown {name} {value!r}; valid: {', '.join(valid)}", name
                )
        if self.rrf_k < 0:
            raise QueryError("the RRF constant must be >= 0", "rrf_k")
        if not 0 <= self.dense_weight <= 1:
            raise QueryError("dense_weight must be between 0 and 1", "dense_weight")

    def replace(self, **changes) -> RankingOptions:
        """A copy with ``changes`` (unknown names are an error naming the valid ones)."""
        unknown = sorted(set(changes) - {f.name for f in dataclasses.fields(self)})
        if unknown:
            valid = ", ".join(f.name for f in dataclasses.fields(self))
            raise TypeError(f"unknown ranking option(s) {', '.join(unknown)}; valid: {valid}")
        return dataclasses.replace(self, **changes) if changes else self

    def lexical_weight_for(self, text: str) -> float:
        """The lexical list's weight for this query. With ``lexical_words`` > 0 a
        query longer than that many words (a question, a definition) gets the
        weight scaled down by words/length: BM25 on long text matches function
        words and generic terms, while names and short lookups are where it helps."""
        words = len(text.split())
        if self.lexical_words <= 0 or words <= self.lexical_words:
            return self.lexical_weight
        return self.lexical_weight * self.lexical_words / words


DEFAULT_OPTIONS = RankingOptions()
