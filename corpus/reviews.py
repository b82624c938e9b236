"""A reviewer's decision on a proposed cross-lingual equivalent.

Kept beside the entries in the index directory (``reviews.jsonl``) and carried
into every new version of it (live changes, rebuilds, re-indexing), so an
accepted link stays confirmed and a rejected pair is never proposed again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

DECISIONS = ("accepted", "rejected")


@dataclass(frozen=True, slots=True)
class Review:
    a: str  # entry ids, order-free
    b: str
    decision: str  # "accepted" | "rejected"

    @property
    def pair(self) -> frozenset[str]:
        return frozenset((self.a, self.b))

    def to_json(self) -> str:
        return json.dumps({"a": self.a, "b": self.b, "decision": self.decision})

    @classmethod
    def from_json(cls, line: str) -> Review:
        data = json.loads(line)
        if data.get("decision") not in DECISIONS:
            raise ValueError(f"decision must be one of {', '.join(DECISIONS)}")
        return cls(str(data["a"]), str(data["b"]), data["decision"])


def with_review(reviews: tuple[Review, ...], review: Review) -> tuple[Review, ...]:
    """The reviews with ``review`` replacing any earlier decision on the same pair."""
    return (*[r for r in reviews if r.pair != review.pair], review)
