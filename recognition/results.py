"""What recognition answers: frozen records, serialised by ``to_dict``."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

MATCH_KINDS = ("exact", "inflected", "fuzzy", "semantic")


@dataclass(frozen=True, slots=True)
class Equivalent:
    """An entry of the same concept in a target language."""

    id: str
    term: str
    lang: str
    status: str | None  # the termbase's status of the term (preferred, deprecated...)
    joined: str  # how it joined the concept: declared, accepted, automatic, same name

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "term": self.term, "lang": self.lang, "status": self.status,
                "joined": self.joined}  # fmt: skip


@dataclass(frozen=True, slots=True)
class TermMatch:
    """A term of the termbase found in the text: ``text[start:end]`` (code points)
    is a form of name ``name`` of entry ``id``."""

    start: int
    end: int
    text: str
    id: str
    term: str
    name: str  # the name that matched: the term, an alias or the English name
    lang: str
    concept: str | None
    status: str | None  # of the name that matched
    discouraged: bool  # deprecated or superseded: to be replaced in the text
    match: str  # one of MATCH_KINDS
    equivalents: tuple[Equivalent, ...] | None  # None: links not computed yet
    score: float | None = None  # a semantic match's similarity (None for the others)

    def to_dict(self) -> dict[str, Any]:
        # field by field, not dataclasses.asdict: that deep-copies every value, and
        # translation QA of a large file writes hundreds of thousands of these
        data = {name: getattr(self, name) for name in _MATCH_FIELDS}
        data["equivalents"] = (None if self.equivalents is None
                               else [e.to_dict() for e in self.equivalents])  # fmt: skip
        return data


@dataclass(frozen=True, slots=True)
class Recognition:
    """Every match in one text, in text order."""

    lang: str | None
    mode: str
    matches: tuple[TermMatch, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"lang": self.lang, "mode": self.mode,
                "matches": [m.to_dict() for m in self.matches]}  # fmt: skip


_MATCH_FIELDS = tuple(f.name for f in fields(TermMatch))
