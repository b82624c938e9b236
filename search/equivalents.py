"""Cross-lingual equivalents in two tiers: confirmed links and candidates for review.

A terminologist can act on a wrong link only if she sees it, and trusts a link
only if wrong ones are rare; so the graph separates

- **confirmed** links: what search spreads lexical evidence along, what TBX
  export groups into concepts and what ``/entries/{id}/equivalents`` returns.
  A pair is confirmed when a termbase declared it (one ``concept`` id), when a
  reviewer accepted it, or when the automatic decision below is confident;
  a reviewer's rejection overrides everything but a declaration;
- **candidates**: for every other language, the best ``CANDIDATES`` entries with
  their evidence (similarity, margin to the next candidate, whether the choice
  is mutual, shared names, definition similarity, the link probability), for a
  reviewer to accept or reject.

Similarity: multilingual-e5 puts every language in its own region of the space,
so raw cosines favour whatever is generic in the other language. Each language's
mean vector is subtracted first (language-centred embeddings; a language with
fewer than ``MIN_LANGUAGE_ENTRIES`` entries uses the collection's mean), then
the similarity of two entries is the mean of the cosine of their entry vectors
and of their names-as-query vectors.

Deciding whether an equivalent *exists*: most wrong links came from entries with
no equivalent in a language, linked to their nearest neighbour anyway. A pair is
linked automatically only when each is the other's best candidate in its
language (mutual) and a logistic model of the similarity and of both margins to
the runner-up says so with probability >= ``DEFAULT_THRESHOLD``. (Allowing a
pair where only one side is the other's best raised recall on the tuning part
from 0.61 to 0.64 but dropped precision to 0.88, so links stay mutual.) The model's
weights were fitted on the tuning part of the bundled concept table only
(``benchmarks/equivalents.py``; features and threshold chosen there, figures
reported on the report part and the external dev set).

Cost is O(n^2) in the number of entries (the similarity matrix), fine up to
``MAX_GRAPH_ENTRIES``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from glossa.corpus.entry import Entry
from glossa.corpus.reviews import Review
from glossa.search.analysis import name_key
from glossa.search.calibration import MIN_LANGUAGE_ENTRIES
from glossa.search.lexical import entry_names

CANDIDATES = 3  # per other language, for review
DEFAULT_THRESHOLD = 0.5  # link probability; precision >= 0.95 on the tuning part
# Logistic model over (similarity, smaller margin, larger margin), standardised
# with the tuning part's mean and spread: benchmarks/results/equivalents.md.
FEATURE_MEAN = np.array([0.3604, 0.0875, 0.1537])
FEATURE_STD = np.array([0.1467, 0.0855, 0.1257])
WEIGHTS = np.array([0.84, 1.19, 0.98])
BIAS = 0.37
DECLARED, ACCEPTED, AUTOMATIC = "declared", "accepted", "automatic"


@dataclass(frozen=True, slots=True)
class Candidate:
    """One possible equivalent of an entry in another language, with the evidence."""

    row: int
    score: float  # language-centred similarity
    probability: float  # of being an equivalent (the automatic decision's model)
    margin: float  # similarity minus that of the next candidate in the language
    mutual: bool  # each is the other's best candidate
    definition_similarity: float  # language-centred cosine of the entry vectors
    shared_names: tuple[str, ...]
    status: str | None  # declared | accepted | automatic (confirmed), rejected, or None


@dataclass(frozen=True, slots=True)
class Equivalent:
    """A confirmed link from an entry (kept for callers of the one-tier API)."""

    row: int
    score: float
    shared_names: tuple[str, ...]
    status: str


def language_centred(vectors: np.ndarray, langs: np.ndarray) -> np.ndarray:
    """Subtract each language's mean vector and re-normalise rows."""
    out = np.asarray(vectors, dtype=np.float32).copy()
    overall = out.mean(axis=0)
    for lang in np.unique(langs):
        rows = langs == lang
        out[rows] -= out[rows].mean(axis=0) if rows.sum() >= MIN_LANGUAGE_ENTRIES else overall
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


def link_probability(similarity, margin_low, margin_high) -> np.ndarray:
    features = np.stack(
        [np.asarray(similarity), np.asarray(margin_low), np.asarray(margin_high)], axis=-1
    )
    z = ((features - FEATURE_MEAN) / FEATURE_STD) @ WEIGHTS + BIAS
    return 1.0 / (1.0 + np.exp(-z))


class EquivalenceGraph:
    def __init__(
        self,
        entries: Sequence[Entry],
        doc_vectors: np.ndarray,
        name_vectors: np.ndarray,
        reviews: Iterable[Review] = (),
        *,
        threshold: float = DEFAULT_THRESHOLD,
    ) -> None:
        self.entries = entries
        self.threshold = threshold
        self.langs = np.array([e.lang for e in entries])
        n = len(entries)
        self._row = {e.id: row for row, e in enumerate(entries)}
        docs = language_centred(doc_vectors, self.langs)
        names = language_centred(name_vectors, self.langs)
        self.definition_similarity = docs @ docs.T
        self.similarity = (self.definition_similarity + names @ names.T) / 2
        self.similarity[self.langs[:, None] == self.langs[None, :]] = -np.inf
        self._keys = [frozenset({name_key(x) for x in entry_names(e)} - {""}) for e in entries]
        # per language: each row's best candidates, best score and runner-up score
        self._top: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._best: dict[str, np.ndarray] = {}
        self._runner_up: dict[str, np.ndarray] = {}
        for lang in np.unique(self.langs).tolist():
            cols = np.flatnonzero(self.langs == lang)
            block = self.similarity[:, cols]
            depth = min(len(cols), max(CANDIDATES, 2))
            order = np.argsort(-block, axis=1, kind="stable")[:, :depth]
            scores = np.take_along_axis(block, order, axis=1)
            self._top[lang] = (cols[order], scores)
            self._best[lang] = cols[order[:, 0]]
            self._runner_up[lang] = scores[:, 1] if depth > 1 else np.zeros(n)
        self.declared: set[frozenset[int]] = set()
        by_concept: dict[str, list[int]] = {}
        for row, entry in enumerate(entries):
            if entry.concept:
                by_concept.setdefault(entry.concept, []).append(row)
        for rows in by_concept.values():
            self.declared |= {
                frozenset((a, b)) for a in rows for b in rows if self.langs[a] != self.langs[b]
            }
        self.reviews: dict[frozenset[int], str] = {}
        for review in reviews:
            a, b = self._row.get(review.a), self._row.get(review.b)
            if a is not None and b is not None and a != b:
                self.reviews[frozenset((a, b))] = review.decision
        self._confirmed = self._confirm()
        self._adjacency: list[list[Equivalent]] | None = None  # built on first use

    # ------------------------------------------------------------------ evidence

    def _margin(self, a: int, b: int) -> float:
        lang = self.langs[b]
        best = self._best[lang][a]
        runner = self._runner_up[lang][a]
        other = runner if best == b else self.similarity[a, best]
        return float(self.similarity[a, b] - other)

    def is_mutual(self, a: int, b: int) -> bool:
        return bool(self._best[self.langs[b]][a] == b and self._best[self.langs[a]][b] == a)

    def probability(self, a: int, b: int) -> float:
        ma, mb = self.margins(a, b)
        return float(link_probability(self.similarity[a, b], min(ma, mb), max(ma, mb)))

    def shared_names(self, a: int, b: int) -> tuple[str, ...]:
        return tuple(sorted(self._keys[a] & self._keys[b]))

    def status(self, a: int, b: int) -> str | None:
        """How a pair stands: declared / accepted / automatic (confirmed), rejected, or None."""
        return self._confirmed.get(frozenset((a, b))) or (
            "rejected" if self.reviews.get(frozenset((a, b))) == "rejected" else None
        )

    def _confirm(self) -> dict[frozenset[int], str]:
        confirmed = {pair: DECLARED for pair in self.declared}
        # a declared concept already names its equivalent in that language
        declared_in = {(r, str(self.langs[o])) for pair in self.declared for r, o in
                       (tuple(pair), tuple(pair)[::-1])}  # fmt: skip
        for pair, decision in self.reviews.items():
            if decision == "accepted" and pair not in confirmed:
                confirmed[pair] = ACCEPTED
        for a, b in self.mutual_pairs():
            pair = frozenset((a, b))
            if pair in confirmed or self.reviews.get(pair) == "rejected":
                continue
            if (a, str(self.langs[b])) in declared_in or (b, str(self.langs[a])) in declared_in:
                continue
            if self.probability(a, b) >= self.threshold:
                confirmed[pair] = AUTOMATIC
        return confirmed

    def mutual_pairs(self) -> list[tuple[int, int]]:
        """Every pair (a < b) of entries that are each other's best candidate:
        what the automatic decision looks at (and what its model was fitted on)."""
        pairs = []
        for a in range(len(self.langs)):
            for lang, best in self._best.items():
                b = int(best[a])
                if lang != self.langs[a] and a < b and self.is_mutual(a, b):
                    pairs.append((a, b))
        return pairs

    def margins(self, a: int, b: int) -> tuple[float, float]:
        """Each side's similarity minus its runner-up's in the other's language."""
        return self._margin(a, b), self._margin(b, a)

    # ------------------------------------------------------------------ answers

    def equivalents(self, row: int) -> list[Equivalent]:
        """Confirmed links of ``row``, best first."""
        if self._adjacency is None:
            adjacency: list[list[Equivalent]] = [[] for _ in range(len(self.langs))]
            for pair, status in self._confirmed.items():
                a, b = tuple(pair)
                score = float(self.similarity[a, b])
                adjacency[a].append(Equivalent(b, score, self.shared_names(a, b), status))
                adjacency[b].append(Equivalent(a, score, self.shared_names(a, b), status))
            for links in adjacency:
                links.sort(key=lambda eq: (eq.status != DECLARED, -eq.score, eq.row))
            self._adjacency = adjacency
        return self._adjacency[row]

    def candidates(self, row: int, per_language: int = CANDIDATES) -> dict[str, list[Candidate]]:
        """Every other language's best candidates for ``row``, with evidence, plus
        any confirmed or reviewed pair that is not among them."""
        out: dict[str, list[Candidate]] = {}
        confirmed = {eq.row for eq in self.equivalents(row)} | {
            other for pair in self.reviews if row in pair for other in pair if other != row
        }
        for lang, (top, _scores) in self._top.items():
            if lang == self.langs[row]:
                continue
            rows = [int(b) for b in top[row][:per_language]]
            rows += [b for b in confirmed if self.langs[b] == lang and b not in rows]
            out[lang] = [self._candidate(row, b) for b in rows]
        return out

    def _candidate(self, a: int, b: int) -> Candidate:
        return Candidate(
            row=b,
            score=float(self.similarity[a, b]),
            probability=self.probability(a, b),
            margin=self._margin(a, b),
            mutual=self.is_mutual(a, b),
            definition_similarity=float(self.definition_similarity[a, b]),
            shared_names=self.shared_names(a, b),
            status=self.status(a, b),
        )

    def links(self) -> set[tuple[int, int]]:
        """All confirmed pairs (a < b)."""
        return {tuple(sorted(pair)) for pair in self._confirmed}  # type: ignore[misc]
