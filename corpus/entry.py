"""The one record every part of Glossa passes around: a glossary entry."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


def make_entry_id(source: str, term: str, lang: str, concept: str | None = None) -> str:
    """Derive a stable id from what identifies an entry in its glossary.

    Position-based ids would shift whenever a glossary gains an entry, breaking
    bookmarks, qrels and equivalence links; a hash of (source, lang, term) stays
    the same across rebuilds and across edits of the definition. In a termbase
    the same term names several concepts ("stream" in a Microsoft export is
    four concepts with four definitions), so where a concept id is known it is
    part of the hash: homonyms never collide, and only a term repeated within
    one concept is a duplicate.
    """
    key = f"{source}\x1f{lang}\x1f{term}" + (f"\x1f{concept}" if concept else "")
    digest = hashlib.sha1(key.encode()).hexdigest()
    return f"{lang}-{digest[:12]}"


# Entry and concept ids: XML NCNames (they become TBX ``id`` attributes) that are
# also safe in a URL path segment.
ID_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,127}$")
ID_RULE = "1-128 characters: letters, digits, '_', '-', '.', starting with a letter or '_'"


def valid_id(value: str) -> bool:
    return bool(ID_PATTERN.match(value))


_NOT_ID = re.compile(r"[^A-Za-z0-9_.-]")


def id_chars(text: str) -> str:
    """``text`` with every character an id cannot hold replaced by ``_``."""
    return _NOT_ID.sub("_", text)


def as_id(text: str) -> str:
    """An outside concept id (a number, a URI segment) as a Glossa id: itself when
    valid, else ``c-`` and its characters made safe."""
    return text if valid_id(text) else "c-" + id_chars(text)[:120]


# Administrative status of a term, normalised from TBX (``preferredTerm-admn-sts``)
# and TBX-Min (``usageStatus``) spellings: deprecated and superseded terms stay
# findable (people search for the words they know) but results flag them.
STATUSES = ("preferred", "admitted", "deprecated", "superseded")
DISCOURAGED = ("deprecated", "superseded")
CONCEPT_LEVEL = "concept"  # ``definition_from`` of a definition given for the whole concept


@dataclass(frozen=True, slots=True)
class TermInfo:
    """What a termbase says about one name of an entry (its term or an alias)."""

    term: str
    type: str | None = None  # TBX termType: fullForm, acronym, abbreviation, variant, ...
    status: str | None = None  # one of STATUSES
    pos: str | None = None  # part of speech: noun, verb, adjective, ...

    def to_dict(self) -> dict[str, str]:
        return {k: v for k, v in (("term", self.term), ("type", self.type),
                                  ("status", self.status), ("pos", self.pos)) if v}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Entry:
    """One term of one glossary, as the source gives it (text is never "fixed").

    ``definition`` may be empty: most termbase terms have none of their own. An
    entry without one may borrow its concept's definition at import
    (``corpus.concepts``); ``definition_from`` then says from where (a language
    code, or ``"concept"`` for a concept-level definition), so exports write it
    back where it came from and the page can say it is borrowed.
    """

    id: str
    term: str
    definition: str
    lang: str
    source: str
    aliases: tuple[str, ...] = field(default_factory=tuple)
    english: str | None = None
    category: str | None = None
    concept: str | None = None  # shared by the entries of one concept in several languages (TBX)
    definition_from: str | None = None
    term_info: tuple[TermInfo, ...] = field(default_factory=tuple)  # names with type/status/pos
    context: str | None = None  # a sentence using the term
    note: str | None = None
    # where it was read (file, line; line 0: the file as a whole), for reports only:
    # neither stored nor compared
    origin: tuple[str, int] | None = field(default=None, compare=False, repr=False)

    def info(self, name: str) -> TermInfo | None:
        return next((t for t in self.term_info if t.term == name), None)

    @property
    def status(self) -> str | None:
        """Administrative status of the entry's own term."""
        info = self.info(self.term)
        return info.status if info else None

    @property
    def discouraged_names(self) -> tuple[str, ...]:
        """Names (term or aliases) the termbase marks deprecated or superseded."""
        return tuple(t.term for t in self.term_info if t.status in DISCOURAGED)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape. Termbase fields are left out when empty, so an entry that
        has none serialises (and checksums) exactly as before they existed."""
        data: dict[str, Any] = {
            "id": self.id, "term": self.term, "definition": self.definition,
            "lang": self.lang, "source": self.source, "aliases": list(self.aliases),
            "english": self.english, "category": self.category, "concept": self.concept,
        }  # fmt: skip
        if self.definition_from:
            data["definition_from"] = self.definition_from
        if self.term_info:
            data["term_info"] = [t.to_dict() for t in self.term_info]
        if self.context:
            data["context"] = self.context
        if self.note:
            data["note"] = self.note
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Entry:
        return cls(
            id=data["id"],
            term=data["term"],
            definition=data.get("definition") or "",
            lang=data["lang"],
            source=data["source"],
            aliases=tuple(data.get("aliases") or ()),
            english=data.get("english"),
            category=data.get("category"),
            concept=data.get("concept"),
            definition_from=data.get("definition_from"),
            term_info=tuple(TermInfo(**t) for t in data.get("term_info") or ()),
            context=data.get("context"),
            note=data.get("note"),
        )

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)


CHECKSUM_MODULUS = 1 << 256


def entry_digest(entry: Entry) -> int:
    return int.from_bytes(hashlib.sha256(entry.to_json().encode()).digest(), "big")


def corpus_checksum(entries: Iterable[Entry]) -> str:
    """A digest of the entries, independent of their order: the sum of each
    entry's SHA-256 modulo 2**256 (a multiset hash). Why a sum: a write of k
    entries updates it in O(k) (``updated_checksum``) instead of re-hashing all."""
    return f"{sum(entry_digest(e) for e in entries) % CHECKSUM_MODULUS:064x}"


def updated_checksum(checksum: str, added: Iterable[Entry], removed: Iterable[Entry]) -> str:
    total = int(checksum, 16) + sum(entry_digest(e) for e in added)
    total -= sum(entry_digest(e) for e in removed)
    return f"{total % CHECKSUM_MODULUS:064x}"
