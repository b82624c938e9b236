"""Equivalents of entries that live in Milvus, decided on demand.

The same decision as ``concepts.equivalents`` (declared concepts, reviews, and the
automatic link: mutual best candidates whose similarity and margins the
logistic model accepts), but with the neighbour lists asked of the engine when
needed instead of kept in memory: for a batch of entries, one search per other
language over the ``link`` vectors, then one per language for the reverse
check. So the Glossa process holds nothing per entry, and an answer costs
O(languages) engine searches whatever the corpus size.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from glossa.analysis import entry_names, name_key
from glossa.concepts.equivalents import (
    ACCEPTED,
    AUTOMATIC,
    CANDIDATES,
    DECLARED,
    DEFAULT_THRESHOLD,
    DEPTH,
    _probability,
    _runner_up,
)
from glossa.corpus.entry import Entry
from glossa.indexer.store.milvus import field_expression as where
from glossa.indexer.store.milvus_engine import MAX_ARRAY, EngineCollection, entry_of


@dataclass(frozen=True, slots=True)
class Link:
    """A confirmed equivalent, or (with ``status`` None or "rejected") a candidate."""

    id: str
    entry: Entry
    score: float
    status: str | None
    probability: float = 0.0
    margin: float = 0.0
    mutual: bool = False
    definition_similarity: float = 0.0
    shared_names: tuple[str, ...] = ()


def _keys(entry: Entry) -> frozenset[str]:
    return frozenset({name_key(x) for x in entry_names(entry)} - {""})


class _Side:
    """What the decision needs of one entry: its entry, link vector and per other
    language the neighbour list (ids and scores, best first)."""

    def __init__(self, record: dict) -> None:
        self.id = str(record["id"])
        self.entry = entry_of(record["entry"])
        self.link = np.asarray(record["link"], np.float32)
        self.top: dict[str, list[tuple[str, float]]] = {}

    def best(self, lang: str) -> str | None:
        top = self.top.get(lang)
        return top[0][0] if top else None

    def scores(self, lang: str) -> np.ndarray:
        values = [s for _, s in self.top.get(lang, [])][:DEPTH]
        return np.array(values + [-np.inf] * (DEPTH - len(values)), np.float32)


class OnDemandLinks:
    def __init__(self, collection: EngineCollection, languages: Sequence[str],
                 reviews: Sequence[tuple[str, str, str]] = (),
                 threshold: float = DEFAULT_THRESHOLD) -> None:  # fmt: skip
        self.collection, self.languages = collection, sorted(languages)
        self.threshold = threshold
        self.reviews = {frozenset((a, b)): decision for a, b, decision in reviews}
        self._reviewed: dict[str, list[str]] = {}
        for a, b, _ in reviews:
            self._reviewed.setdefault(a, []).append(b)
            self._reviewed.setdefault(b, []).append(a)

    # ------------------------------------------------------------------ engine calls

    def _sides(self, ids: Sequence[str]) -> dict[str, _Side]:
        fetched = self.collection.fetch(ids, ["entry", "link"])
        return {i: _Side(r) for i, r in fetched.items()}

    def _neighbours(self, sides: Sequence[_Side], depth: int) -> None:
        """Fill each side's neighbour list in every other language."""
        for lang in self.languages:
            asking = [s for s in sides if s.entry.lang != lang and lang not in s.top]
            if not asking:
                continue
            found = self.collection.neighbours(np.stack([s.link for s in asking]), depth,
                                               where(langs=[lang]))  # fmt: skip
            for side, hits in zip(asking, found, strict=True):
                side.top[lang] = [(h["id"], h["score"]) for h in hits]

    def _declared(self, entries: Sequence[Entry]) -> dict[str, list[tuple[str, str]]]:
        """Per entry id, the (id, language) of live entries of other languages
        that declare its concept."""
        out: dict[str, list[tuple[str, str]]] = {e.id: [] for e in entries}
        by_concept: dict[str, list[Entry]] = {}
        for e in entries:
            if e.concept:
                by_concept.setdefault(e.concept, []).append(e)
        for concept, members in by_concept.items():
            found = self.collection.query(
                f"concept == {json.dumps(concept, ensure_ascii=False)}", ["id", "lang"], MAX_ARRAY
            )
            for e in members:
                out[e.id] = sorted((str(r["id"]), str(r["lang"])) for r in found
                                   if r["lang"] != e.lang)  # fmt: skip
        return out

    # ------------------------------------------------------------------ decision

    def links(self, ids: Sequence[str], *, candidates: bool = False) -> dict[str, list[Link]]:
        """Per entry id that exists: its confirmed links, best first (declared first);
        with ``candidates``, also every other language's best ``CANDIDATES`` with
        the evidence, as ``concepts.equivalents`` gives them for review."""
        return self.links_and_best(ids, candidates=candidates)[0]

    def links_and_best(
        self, ids: Sequence[str], *, candidates: bool = False
    ) -> tuple[dict[str, list[Link]], set[str]]:
        """``links``, and each entry's best candidate in every other language: the
        entries a new or changed one may have displaced as someone's mutual best
        (a write refreshes their links too), from the same neighbour lists."""
        sides = self._sides(ids)
        if not sides:
            return {}, set()
        self._neighbours(list(sides.values()), max(DEPTH, CANDIDATES))
        # the other side of every pair the decision looks at: each best candidate
        best = {b for s in sides.values() for lang in s.top if (b := s.best(lang))}
        wanted = set(best)
        if candidates:
            wanted |= {b for s in sides.values() for top in s.top.values() for b, _ in top}
        declared_of = self._declared([s.entry for s in sides.values()])
        for s in sides.values():
            wanted |= {b for b, _ in declared_of[s.id]} | set(self._reviewed.get(s.id, ()))
        others = self._sides([b for b in wanted if b not in sides]) | sides
        self._neighbours([o for o in others.values() if o.id not in sides], DEPTH)
        declared_of |= self._declared([o.entry for o in others.values() if o.id not in declared_of])
        decided = {i: self._decide(s, others, declared_of, candidates) for i, s in sides.items()}
        return decided, best

    def _decide(self, a: _Side, others: dict[str, _Side],
                declared_of: dict[str, list[tuple[str, str]]], candidates: bool) -> list[Link]:  # fmt: skip
        declared = {b for b, _ in declared_of[a.id]}
        found: dict[str, str | None] = {b: DECLARED for b in declared if b in others}
        for b in self._reviewed.get(a.id, ()):
            if b not in found and b in others and self.reviews[frozenset((a.id, b))] == ACCEPTED:
                found[b] = ACCEPTED
        for lang in a.top:
            b = a.best(lang)
            if b is not None and b not in found and self._automatic(a, others.get(b), declared_of):
                found[b] = AUTOMATIC
        if candidates:
            for top in a.top.values():
                for b, _ in top[:CANDIDATES]:
                    if b not in found and b in others:
                        found[b] = self.reviews.get(frozenset((a.id, b)))
            for b in self._reviewed.get(a.id, ()):
                if b not in found and b in others:
                    found[b] = self.reviews[frozenset((a.id, b))]
        links = [self._link(a, others[b], status) for b, status in found.items()]
        return sorted(links, key=lambda x: (x.status != DECLARED, -x.score, x.id))

    def _automatic(self, a: _Side, b: _Side | None,
                   declared_of: dict[str, list[tuple[str, str]]]) -> bool:  # fmt: skip
        if b is None or a.entry.lang == b.entry.lang:
            return False
        la, lb = a.entry.lang, b.entry.lang
        if a.best(lb) != b.id or b.best(la) != a.id:
            return False
        if (frozenset((a.id, b.id)) in self.reviews
                or any(lang == lb for _, lang in declared_of.get(a.id, ()))
                or any(lang == la for _, lang in declared_of.get(b.id, ()))):  # fmt: skip
            return False
        scores_a, scores_b = a.scores(lb), b.scores(la)
        similarity = float(scores_a[0])
        margin_a = similarity - _runner_up(scores_a)
        margin_b = float(scores_b[0]) - _runner_up(scores_b)
        return _probability(similarity, min(margin_a, margin_b), max(margin_a, margin_b)) >= (
            self.threshold
        )

    def _margin(self, a: _Side, b: _Side) -> float:
        top = a.top.get(b.entry.lang, [])
        if not top:
            return 0.0
        scores = a.scores(b.entry.lang)
        other = _runner_up(scores) if top[0][0] == b.id else float(scores[0])
        return float(a.link @ b.link) - other

    def _link(self, a: _Side, b: _Side, status: str | None) -> Link:
        similarity = float(a.link @ b.link)
        ma, mb = self._margin(a, b), self._margin(b, a)
        d = len(a.link) // 2
        return Link(
            id=b.id, entry=b.entry, score=similarity, status=status,
            probability=_probability(similarity, min(ma, mb), max(ma, mb)), margin=ma,
            mutual=a.best(b.entry.lang) == b.id and b.best(a.entry.lang) == a.id,
            definition_similarity=float(2 * a.link[:d] @ b.link[:d]),
            shared_names=tuple(sorted(_keys(a.entry) & _keys(b.entry))),
        )  # fmt: skip
