"""Rank fusion as pure functions over ranked lists of row ids (faiss-contrib style).

Reciprocal rank fusion needs no score calibration between rankers, which is why
it is the default; weighted fusion of min-max normalised scores is the option for
when one ranker should dominate.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import TypeVar

from glossa.search.options import DEFAULT_OPTIONS

Ranked = list[tuple[int, float]]  # (row, score), best first
Row = TypeVar("Row", bound=Hashable)  # a row (local index) or an entry id (engine)


def reciprocal_rank_fusion(
    rankings: Sequence[Ranked], k: int = DEFAULT_OPTIONS.rrf_k, weights: Sequence[float] | None = None
) -> Ranked:
    """score(d) = sum over rankings of w / (k + rank(d)), ranks starting at 1 (w = 1
    unless ``weights`` are given: weighted RRF, as in Elasticsearch and Vespa)."""
    if k < 0:
        raise ValueError("the RRF constant must be >= 0")
    weights = weights if weights is not None else [1.0] * len(rankings)
    if len(weights) != len(rankings):
        raise ValueError("one weight per ranking")
    fused: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, (row, _score) in enumerate(ranking, start=1):
            fused[row] = fused.get(row, 0.0) + weight / (k + rank)
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))


def _min_max(ranking: Ranked) -> dict[int, float]:
    if not ranking:
        return {}
    scores = [s for _, s in ranking]
    low, high = min(scores), max(scores)
    span = high - low
    return {row: (s - low) / span if span > 0 else 1.0 for row, s in ranking}


def weighted_fusion(rankings: Sequence[Ranked], weights: Sequence[float]) -> Ranked:
    """sum of weight x min-max-normalised score; a row missing from a list scores 0 there."""
    if len(rankings) != len(weights):
        raise ValueError("one weight per ranking")
    fused: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for row, score in _min_max(ranking).items():
            fused[row] = fused.get(row, 0.0) + weight * score
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))


def promote(ranking: Ranked, first: Sequence[int]) -> Ranked:
    """Put ``first`` rows on top (in their order in ``ranking``, then as given),
    keeping scores monotonic: a promoted row scores above every other row."""
    if not first:
        return ranking
    wanted = set(first)
    top = max((s for _, s in ranking), default=0.0)
    order = {row: i for i, (row, _) in enumerate(ranking)}
    promoted_rows = sorted(wanted, key=lambda r: (order.get(r, len(order)), list(first).index(r)))
    bonus = abs(top) + 1.0
    promoted = [
        (row, bonus + top + (len(promoted_rows) - i)) for i, row in enumerate(promoted_rows)
    ]
    return promoted + [(row, s) for row, s in ranking if row not in wanted]


def by_concept(
    ranking: Ranked,
    linked: Callable[[Sequence[Row]], dict[Row, Sequence[Row]]],
    allowed: Callable[[Sequence[Row]], set[Row]],
    depth: int,
) -> Ranked:
    """Concept-first ranking: each of the first ``depth`` hits is followed by the
    entries of its concept in other languages (``linked``, those ``allowed`` by
    the query's filters) at the hit's score, so a concept found in one language
    comes up in every language together, ranked by its best-found entry. A term
    is one concept whatever the language it was found in: relevance for a
    terminologist. Rows below ``depth`` keep their order after the concepts."""
    head = [row for row, _ in ranking[:depth]]
    first = set(head)
    links = {row: found for row, found in linked(head).items() if row in first}
    wanted = [other for row in head for other in links.get(row, ())]
    ok = allowed(wanted) if wanted else set()
    out: Ranked = []
    seen: set = set()
    for row, score in ranking:
        if row in seen:
            continue
        out.append((row, score))
        seen.add(row)
        for other in links.get(row, ()):
            if other not in seen and other in ok:
                out.append((other, score))
                seen.add(other)
    return out
