"""Search results as frozen records (pyserini's ``SearchResult`` is the model),
never loose dicts: the CLI, the API and the benchmarks all read the same fields."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from glossa.concepts.linking import concept_id
from glossa.corpus.entry import Entry


@dataclass(frozen=True, slots=True)
class SearchHit:
    id: str
    term: str
    aliases: tuple[str, ...]
    english: str | None
    definition: str
    lang: str
    source: str
    category: str | None
    score: float
    rank: int
    concept: str | None = None
    source_title: str | None = None  # the glossary's human title (corpus.titles)
    definition_from: str | None = None  # a borrowed definition's language, or "concept"
    status: str | None = None  # the term's administrative status (preferred, deprecated...)
    discouraged: tuple[str, ...] = ()  # names the termbase marks deprecated or superseded

    @classmethod
    def from_entry(
        cls, entry: Entry, score: float, rank: int, source_title: str | None = None
    ) -> SearchHit:
        return cls(
            id=entry.id,
            term=entry.term,
            aliases=entry.aliases,
            english=entry.english,
            definition=entry.definition,
            lang=entry.lang,
            source=entry.source,
            category=entry.category,
            score=score,
            rank=rank,
            concept=entry.concept,
            source_title=source_title,
            definition_from=entry.definition_from,
            status=entry.status,
            discouraged=entry.discouraged_names,
        )

    def to_dict(self) -> dict[str, Any]:
        """The public JSON shape of a hit (CLI ``--json`` and, later, the API)."""
        return {
            "id": self.id,
            "term": self.term,
            "aliases": list(self.aliases),
            "english": self.english,
            "definition": self.definition,
            "lang": self.lang,
            "source": self.source,
            "source_title": self.source_title,
            "concept": self.concept,
            "definition_from": self.definition_from,
            "term_status": self.status,
            "discouraged": list(self.discouraged),
            "score": round(self.score, 6),
        }


@dataclass(frozen=True, slots=True)
class SearchResponse:
    query: str
    took_ms: float
    hits: tuple[SearchHit, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "took_ms": round(self.took_ms, 3),
            "hits": [h.to_dict() for h in self.hits],
        }


@dataclass(frozen=True, slots=True)
class EquivalentHit:
    """A confirmed equivalent: an entry in another language naming the same concept.
    ``status`` says why it is confirmed: declared (one concept id in the source),
    accepted (by a reviewer) or automatic (Glossa's decision)."""

    hit: SearchHit
    shared_names: tuple[str, ...]
    status: str = "automatic"

    def to_dict(self) -> dict[str, Any]:
        return {**self.hit.to_dict(), "shared_names": list(self.shared_names),
                "status": self.status}  # fmt: skip


@dataclass(frozen=True, slots=True)
class CandidateHit:
    """A possible equivalent for review, with the evidence for and against it.
    ``hit.score`` is the language-centred similarity; ``status`` is declared /
    accepted / automatic when the link is confirmed, rejected, or None."""

    hit: SearchHit
    probability: float
    margin: float
    mutual: bool
    definition_similarity: float
    shared_names: tuple[str, ...]
    status: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.hit.to_dict(),
            "probability": round(self.probability, 4),
            "margin": round(self.margin, 4),
            "mutual": self.mutual,
            "definition_similarity": round(self.definition_similarity, 4),
            "shared_names": list(self.shared_names),
            "status": self.status,
        }


@dataclass(frozen=True, slots=True)
class ReviewPair:
    """A link Glossa decided that no person has reviewed: ``a`` and its candidate
    ``b`` with the evidence (a reviewer's queue, least certain first)."""

    a: SearchHit
    b: CandidateHit

    def to_dict(self) -> dict[str, Any]:
        return {"a": self.a.to_dict(), "b": self.b.to_dict()}


@dataclass(frozen=True, slots=True)
class ConceptMember:
    """An entry of a concept and how it joined it, seen from the concept's anchor
    (the entry asked for): anchor, same name (a same-language duplicate),
    declared, accepted or automatic. ``hit.score`` is the language-centred
    similarity to the anchor; ``probability`` the link model's, for a pair."""

    hit: SearchHit
    joined: str
    probability: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {**self.hit.to_dict(), "joined": self.joined,
                "probability": None if self.probability is None else round(self.probability, 4)}  # fmt: skip


@dataclass(frozen=True, slots=True)
class ConceptRecord:
    """One concept: every entry of it in every language."""

    id: str
    anchor: str  # the entry id the members are seen from
    members: tuple[ConceptMember, ...]

    def languages(self) -> dict[str, list[ConceptMember]]:
        out: dict[str, list[ConceptMember]] = {}
        for member in self.members:
            out.setdefault(member.hit.lang, []).append(member)
        return dict(sorted(out.items()))

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "anchor": self.anchor,
                "languages": {lang: [m.to_dict() for m in found]
                              for lang, found in self.languages().items()}}  # fmt: skip


@dataclass(frozen=True, slots=True)
class ConceptHit:
    """A concept in a search grouped by concept: ranked by its best entry's score,
    with its entries in the asked languages (the hits first, in their order)."""

    id: str
    score: float
    rank: int
    hits: tuple[SearchHit, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "score": round(self.score, 6), "rank": self.rank,
                "entries": [h.to_dict() for h in self.hits]}  # fmt: skip


def group_by_concept(
    hits: Sequence[SearchHit],
    members: Callable[[str], Sequence[tuple[SearchHit, bool]]],
    k: int,
) -> list[ConceptHit]:
    """Group ranked ``hits`` by concept, the first ``k`` concepts in the order of
    their best hit. ``members``: an entry id's whole concept, each member with
    whether the query's filters allow it; a concept lists its allowed members,
    the hits first in their order (a member that is no hit scores 0). Its id is
    ``linking.concept_id`` of all its members, filtered or not."""
    out: list[tuple[str, float, list[SearchHit]]] = []
    placed: set[str] = set()
    ranked = {h.id: h for h in hits}
    position: dict[str, int] = {}  # concept id -> its place in out
    for hit in hits:
        if hit.id in placed:
            continue
        found = members(hit.id)
        key = concept_id([hit, *(m for m, _ in found)])
        if key not in position:  # (seen from one member, a chain may end elsewhere)
            if len(out) == k:
                break
            position[key] = len(out)
            out.append((key, hit.score, []))
        group = out[position[key]][2]
        for member in [hit, *(m for m, allowed in found if allowed)]:
            if member.id not in placed:
                placed.add(member.id)
                group.append(ranked.get(member.id, member))
    return [
        ConceptHit(key, score, rank, tuple(
            dataclasses.replace(h, rank=i) for i, h in enumerate(
                sorted(group, key=lambda h: (h.id not in ranked, h.rank)), start=1)
        ))
        for rank, (key, score, group) in enumerate(out, start=1)
    ]  # fmt: skip
