"""The one record every part of Glossa passes around: a glossary entry."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any


def make_entry_id(source: str, term: str, lang: str) -> str:
    """Derive a stable id from what identifies an entry in its glossary.

    Position-based ids would shift whenever a glossary gains an entry, breaking
    bookmarks, qrels and equivalence links; a hash of (source, lang, term) stays
    the same across rebuilds and across edits of the definition.
    """
    digest = hashlib.sha1(f"{source}\x1f{lang}\x1f{term}".encode()).hexdigest()
    return f"{lang}-{digest[:12]}"


# Entry and concept ids: XML NCNames (they become TBX ``id`` attributes) that are
# also safe in a URL path segment.
ID_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,127}$")
ID_RULE = "1-128 characters: letters, digits, '_', '-', '.', starting with a letter or '_'"


def valid_id(value: str) -> bool:
    return bool(ID_PATTERN.match(value))


@dataclass(frozen=True, slots=True)
class Entry:
    """One term of one glossary, as the source gives it (text is never "fixed")."""

    id: str
    term: str
    definition: str
    lang: str
    source: str
    aliases: tuple[str, ...] = field(default_factory=tuple)
    english: str | None = None
    category: str | None = None
    concept: str | None = None  # shared by the entries of one concept in several languages (TBX)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["aliases"] = list(self.aliases)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Entry:
        return cls(
            id=data["id"],
            term=data["term"],
            definition=data["definition"],
            lang=data["lang"],
            source=data["source"],
            aliases=tuple(data.get("aliases") or ()),
            english=data.get("english"),
            category=data.get("category"),
            concept=data.get("concept"),
        )

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)


def corpus_checksum(entries: list[Entry] | tuple[Entry, ...]) -> str:
    """SHA-256 over the canonical JSON of the entries, independent of their order."""
    h = hashlib.sha256()
    for line in sorted(e.to_json() for e in entries):
        h.update(line.encode())
        h.update(b"\n")
    return h.hexdigest()
