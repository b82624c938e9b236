"""Search results as frozen records (pyserini's ``SearchResult`` is the model),
never loose dicts: the CLI, the API and the benchmarks all read the same fields."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
