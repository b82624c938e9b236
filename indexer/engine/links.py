"""Equivalents of entries that live in Milvus, decided on demand.

The same decision as the local equivalence graph (``concepts.linking``: declared
concepts, reviews, duplicate groups, links between groups, name evidence and
concepts followed through their links), read from the engine when needed
instead of kept in memory: an entry's neighbour lists are one search per other
language over the ``link`` vectors, asked for a whole frontier of entries at
once; its same-language duplicates and shared names come from the engine's
folded-name field. So the Glossa process holds nothing per entry, and an answer
costs a few engine calls per entry of the concept, whatever the corpus size.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from glossa.analysis import name_keys
from glossa.concepts.equivalents import (
    CANDIDATES,
    DEFAULT_THRESHOLD,
    DEPTH,
    _probability,
    _runner_up,
)
from glossa.concepts.linking import (
    ALL_STEPS,
    DECLARED,
    concept_keys,
    concept_links,
    concept_members,
)
from glossa.corpus.entry import Entry
from glossa.indexer.engine.collection import MAX_ARRAY, EngineCollection, entry_of
from glossa.indexer.store.milvus import field_expression as where


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


class _Side:
    """What the decision needs of one entry: its entry, link vector and per other
    language the neighbour list (ids and scores, best first)."""

    def __init__(self, record: dict) -> None:
        self.id = str(record["id"])
        self.entry = entry_of(record["entry"])
        self.link = np.asarray(record["link"], np.float32)
        self.top: dict[str, list[tuple[str, float]]] = {}

    def scores(self, lang: str) -> np.ndarray:
        values = [s for _, s in self.top.get(lang, [])][:DEPTH]
        return np.array(values + [-np.inf] * (DEPTH - len(values)), np.float32)


class _Ids:
    """The engine as ``linking.Neighbourhood``: nodes are entry ids. Entries are
    fetched when first named, and neighbour lists for every fetched entry that
    lacks them at once, so following a concept costs a few calls per step."""

    def __init__(self, links: OnDemandLinks) -> None:
        self.links = links
        self.threshold = links.threshold
        self.steps = ALL_STEPS
        self.memo: dict = {}
        self.sides: dict[str, _Side] = {}
        self.missing: set[str] = set()
        self._named: dict[str, list[str]] = {}
        self._concepts: dict[str, list[tuple[str, str]]] = {}

    def need(self, ids: Iterable[str]) -> None:
        wanted = [i for i in dict.fromkeys(ids) if i not in self.sides and i not in self.missing]
        if wanted:
            self.sides |= self.links._sides(wanted)
            self.missing |= {i for i in wanted if i not in self.sides}

    def side(self, node: str) -> _Side:
        self.need([node])
        return self.sides[node]

    def exists(self, node: str) -> bool:
        self.need([node])
        return node in self.sides

    def lang(self, node: str) -> str:
        return self.side(node).entry.lang

    def languages(self) -> Iterable[str]:
        return self.links.languages

    def top(self, node: str, lang: str) -> list[tuple[str, float]]:
        side = self.side(node)
        if lang == side.entry.lang or lang not in self.links.languages:
            return []
        if lang not in side.top:  # the whole frontier at once
            self.links._neighbours([s for s in self.sides.values() if not s.top], DEPTH)
        return side.top.get(lang, [])

    def keys(self, node: str) -> frozenset[str]:
        return concept_keys(self.side(node).entry)

    def named(self, key: str, lang: str) -> list[str]:
        found = self._named.get(key)
        if found is None:  # one query per key, whatever the language asked
            found = self._named[key] = self.links.collection.named(key, "", MAX_ARRAY)
            self.need(found)
        return [i for i in found if i in self.sides and self.sides[i].entry.lang == lang]

    def _members(self, node: str) -> list[tuple[str, str]]:
        concept = self.side(node).entry.concept
        if not concept:
            return []
        found = self._concepts.get(concept)
        if found is None:
            rows = self.links.collection.query(
                f"concept == {json.dumps(concept, ensure_ascii=False)}", ["id", "lang"], MAX_ARRAY
            )
            found = self._concepts[concept] = sorted((str(r["id"]), str(r["lang"])) for r in rows)
        return found

    def declared(self, node: str) -> list[str]:
        lang = self.lang(node)
        return [i for i, other in self._members(node) if other != lang]

    def declared_here(self, node: str) -> list[str]:
        lang = self.lang(node)
        return [i for i, other in self._members(node) if other == lang and i != node]

    def concept(self, node: str) -> str | None:
        return self.side(node).entry.concept

    def decision(self, a: str, b: str) -> str | None:
        return self.links.reviews.get(frozenset((a, b)))

    def reviewed(self, node: str) -> list[str]:
        return [b for b in self.links._reviewed.get(node, ()) if self.exists(b)]

    def probability(self, similarity: float, margin_low: float, margin_high: float) -> float:
        return _probability(similarity, margin_low, margin_high)


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
        nb = _Ids(self)
        nb.need(ids)
        present = [i for i in dict.fromkeys(ids) if i in nb.sides]
        if not present:
            return {}, set()
        self._neighbours([nb.sides[i] for i in present], DEPTH)
        best = {top[0][0] for i in present for top in nb.sides[i].top.values() if top}
        decided = {i: self._decide(nb, i, candidates) for i in present}
        return decided, best

    def members(self, node: str) -> list[Link]:
        """``node``'s whole concept (``linking.concept_members``), each member as a
        ``Link`` from ``node`` whose status says how it joined (the anchor first)."""
        nb = _Ids(self)
        if not nb.exists(node):
            return []
        side = nb.side(node)
        return [self._link(nb, side, nb.side(b), joined)
                for b, joined in concept_members(nb, node).items()]  # fmt: skip

    def _decide(self, nb: _Ids, a: str, candidates: bool) -> list[Link]:
        found: dict[str, str | None] = dict(concept_links(nb, a))
        if candidates:
            for lang in self.languages:
                for b, _ in nb.top(a, lang)[:CANDIDATES]:
                    if b not in found:
                        found[b] = nb.decision(a, b)
            for b in nb.reviewed(a):
                if b not in found:
                    found[b] = nb.decision(a, b)
        side = nb.side(a)
        links = [self._link(nb, side, nb.side(b), status) for b, status in found.items()]
        return sorted(links, key=lambda x: (x.status != DECLARED, -x.score, x.id))

    def _margin(self, nb: _Ids, a: _Side, b: _Side) -> float:
        top = nb.top(a.id, b.entry.lang)
        if not top:
            return 0.0
        scores = a.scores(b.entry.lang)
        other = _runner_up(scores) if top[0][0] == b.id else float(scores[0])
        return float(a.link @ b.link) - other

    def _link(self, nb: _Ids, a: _Side, b: _Side, status: str | None) -> Link:
        similarity = float(a.link @ b.link)
        ma, mb = self._margin(nb, a, b), self._margin(nb, b, a)
        d = len(a.link) // 2
        return Link(
            id=b.id, entry=b.entry, score=similarity, status=status,
            probability=_probability(similarity, min(ma, mb), max(ma, mb)), margin=ma,
            mutual=_first(nb.top(a.id, b.entry.lang)) == b.id and _first(nb.top(b.id, a.entry.lang)) == a.id,
            definition_similarity=float(2 * a.link[:d] @ b.link[:d]),
            shared_names=tuple(sorted(name_keys(a.entry) & name_keys(b.entry))),
        )  # fmt: skip


def _first(top: Sequence[tuple[str, float]]) -> str | None:
    return top[0][0] if top else None
