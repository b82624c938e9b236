"""A reviewer's decision on a proposed cross-lingual equivalent.

Kept beside the entries in the index directory (``reviews.jsonl``) and carried
into every new version of it (live changes, rebuilds, re-indexing), so an
accepted link stays confirmed and a rejected pair is never proposed again.

A decision is bound to what was reviewed: each side's ``content_digest`` (its
language, names and definition) is recorded with it. When an entry's meaning
changes, or its id is reused for another term, the decision is *stale*: it is
no longer applied, and the entry's equivalents say so until someone reviews
the pair again. Decisions recorded before digests existed stay bound to the ids.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Protocol

DECISIONS = ("accepted", "rejected")
DIGEST_CHARS = 16


class _Reviewed(Protocol):
    lang: str
    term: str
    aliases: tuple[str, ...]
    english: str | None
    definition: str


def content_digest(entry: _Reviewed) -> str:
    """What a reviewer judged of an entry: its language, names and definition."""
    meaning = [entry.lang, entry.term, list(entry.aliases), entry.english, entry.definition]
    return hashlib.sha256(json.dumps(meaning, ensure_ascii=False).encode()).hexdigest()[:DIGEST_CHARS]


@dataclass(frozen=True, slots=True)
class Review:
    a: str  # entry ids, order-free
    b: str
    decision: str  # "accepted" | "rejected"
    a_content: str | None = None  # content_digest of each side when reviewed
    b_content: str | None = None

    @property
    def pair(self) -> frozenset[str]:
        return frozenset((self.a, self.b))

    def stale(self, a: _Reviewed, b: _Reviewed) -> bool:
        """Whether entry ``a`` (id ``self.a``) or ``b`` changed since the review."""
        return (self.a_content is not None and self.a_content != content_digest(a)) or (
            self.b_content is not None and self.b_content != content_digest(b))

    def to_json(self) -> str:
        data = {"a": self.a, "b": self.b, "decision": self.decision}
        if self.a_content or self.b_content:
            data |= {"a_content": self.a_content, "b_content": self.b_content}
        return json.dumps(data)

    @classmethod
    def from_json(cls, line: str) -> Review:
        data = json.loads(line)
        if data.get("decision") not in DECISIONS:
            raise ValueError(f"decision must be one of {', '.join(DECISIONS)}")
        return cls(str(data["a"]), str(data["b"]), data["decision"], data.get("a_content"),
                   data.get("b_content"))  # fmt: skip


def with_review(reviews: tuple[Review, ...], review: Review) -> tuple[Review, ...]:
    """The reviews with ``review`` replacing any earlier decision on the same pair."""
    return (*[r for r in reviews if r.pair != review.pair], review)
