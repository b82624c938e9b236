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
a little but cost more precision than it gained, so links stay mutual.) The model's
weights were fitted on the tuning part of the bundled concept table only
(``benchmarks/quality/equivalents.py``; features and threshold chosen there, figures
reported on the report part and the external dev set).

Cost: no similarity matrix. Each language has a nearest-neighbour index over
its entries' combined vectors (the centred entry and names vectors side by side,
scaled so that one inner product is the similarity above): exact below
``ANN_ABOVE`` entries, HNSW over 4-bit codes above, re-scored exactly. Building
asks each entry's top ``CANDIDATES`` in every other language: O(n * k) searches.
Only those neighbour lists are kept; margins, mutuality, probabilities and the
confirmed links are derived from them per entry when asked, so a write updates
the lists of the entries it adds, of the entries it could displace (the new
entry's own neighbours) and of those that pointed at a deleted one: O(k)
searches, not a rebuild, in a new graph (one copy of the neighbour tables:
``advance``), so a reader of the version before keeps its own. Language means
are fixed when the graph is built.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import faiss
import numpy as np
from glossa.analysis import name_keys
from glossa.concepts.calibration import MIN_LANGUAGE_ENTRIES
from glossa.concepts.linking import (
    ALL_STEPS,
    AUTOMATIC,
    DECLARED,
    REJECTED,
    concept_keys,
    concept_links,
    concept_members,
    direct_links,
)
from glossa.corpus.entry import Entry
from glossa.corpus.reviews import Review

CANDIDATES = 3  # per other language, for review
DEFAULT_THRESHOLD = 0.5  # link probability; precision >= 0.95 on the tuning part
# Logistic model over (similarity, smaller margin, larger margin), standardised
# with the tuning part's mean and spread: benchmarks/results/quality/equivalents.md.
FEATURE_MEAN = np.array([0.3604, 0.0875, 0.1537])
FEATURE_STD = np.array([0.1467, 0.0855, 0.1257])
WEIGHTS = np.array([0.84, 1.19, 0.98])
BIAS = 0.37
DEPTH = max(CANDIDATES, 2)  # neighbours kept per language: the best, the runner-up, candidates
ANN_ABOVE = 20_000  # entries of one language; above it the index is HNSW over 4-bit codes
HNSW_M, HNSW_EF_SEARCH = 32, 32  # top 7 re-scored exactly: 32 is plenty
RESCORED = DEPTH + 4  # approximate candidates per query, re-scored exactly
# how HNSW stores the vectors it compares, re-scored exactly after: 4-bit codes give
# the same links as 8-bit in 37% less memory (benchmarks/results/quality/equivalents_ann.md)
ANN_CODES = "SQ4"
REVERSE = 16  # a new entry may displace the current best of its own nearest neighbours
BATCH = 4096
MEMO_LIMIT = 100_000  # derived facts (top lists, keys, groups, links) remembered between writes


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


def combined(
    docs: np.ndarray,
    names: np.ndarray,
    langs: np.ndarray,
    means: dict[str, np.ndarray],
    overall: np.ndarray,
) -> np.ndarray:
    """Language-centred entry and names vectors side by side, each normalised,
    scaled by 1/sqrt(2): one inner product is the graph's similarity. ``means``:
    each language's mean of [entry, names] vectors (``overall`` for the others)."""
    unique, which = np.unique(np.asarray(langs), return_inverse=True)
    mean = np.stack([means.get(str(lang), overall) for lang in unique])[which]
    d = docs.shape[1]
    parts = []
    for vectors, centre in ((docs, mean[:, :d]), (names, mean[:, d:])):
        centred = np.asarray(vectors, np.float32) - centre
        parts.append(centred / np.maximum(np.linalg.norm(centred, axis=1, keepdims=True), 1e-9))
    return (np.hstack(parts) / np.sqrt(2.0)).astype(np.float32)


Fetch = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]  # rows -> (docs, names) as stored


class _LanguageIndex:
    """Nearest-neighbour index over one language's combined vectors; ids are graph rows.
    Deleted rows stay in the structure and are filtered out at search time."""

    def __init__(self, dimension: int, expected: int) -> None:
        self.approximate = expected > ANN_ABOVE
        if self.approximate:
            self.index = faiss.index_factory(
                dimension, f"HNSW{HNSW_M},{ANN_CODES}", faiss.METRIC_INNER_PRODUCT
            )
        else:
            self.index = faiss.IndexFlatIP(dimension)
        self.rows = np.zeros(0, np.int64)
        self.alive = np.zeros(0, bool)

    def add(self, rows: np.ndarray, vectors: np.ndarray) -> None:
        if not self.index.is_trained:
            self.index.train(vectors)
        self.index.add(np.ascontiguousarray(vectors, np.float32))
        self.rows = np.concatenate([self.rows, rows])
        self.alive = np.concatenate([self.alive, np.ones(len(rows), bool)])

    def remove(self, rows: np.ndarray) -> None:
        self.alive &= ~np.isin(self.rows, rows)

    def remap(self, mapping: np.ndarray, lo: int = 0) -> None:
        """Renumber ids by ``mapping``; ids below ``lo`` did not move."""
        at = np.flatnonzero(self.rows >= lo)
        moved = mapping[self.rows[at]]
        self.alive[at] &= moved >= 0
        self.rows[at] = np.where(moved >= 0, moved, -1)

    def displaced(
        self, vectors: np.ndarray, langs: np.ndarray, top: dict[str, tuple[np.ndarray, np.ndarray]]
    ) -> list[tuple[str, np.ndarray]]:
        """For each new entry (``vectors``, of languages ``langs``): the rows of this
        language whose neighbour list in the new entry's language it now belongs
        to. Exact on an exact index (every row's score against its current last
        neighbour); on HNSW, the new entry's own ``REVERSE`` nearest rows (how HNSW
        itself links a new node), since scoring every row would cost O(n)."""
        if self.approximate:
            _, near = self.search(vectors, REVERSE)
            return [(str(lang), rows[rows >= 0]) for lang, rows in zip(langs, near, strict=True)]
        n = self.index.ntotal
        stored = faiss.rev_swig_ptr(self.index.get_xb(), n * self.index.d).reshape(n, self.index.d)
        scores = stored @ vectors.T  # (rows of this language, new entries)
        out = []
        for j, lang in enumerate(langs.tolist()):
            rows = np.where(self.alive, self.rows, 0)
            last = top[lang][1][rows, DEPTH - 1]  # -inf while a list is not full
            out.append((lang, self.rows[self.alive & (scores[:, j] > last)]))
        return out

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        n = self.index.ntotal
        if n == 0 or not self.alive.any():
            return (np.full((len(queries), k), -np.inf, np.float32),
                    np.full((len(queries), k), -1, np.int64))  # fmt: skip
        selector = None
        if not self.alive.all():
            bitmap = np.packbits(self.alive, bitorder="little")
            selector = faiss.IDSelectorBitmap(n, faiss.swig_ptr(bitmap))
        if self.approximate:
            params = faiss.SearchParametersHNSW(sel=selector, efSearch=max(HNSW_EF_SEARCH, k))
        else:
            params = None if selector is None else faiss.SearchParameters(sel=selector)
        scores, ids = self.index.search(np.ascontiguousarray(queries, np.float32), k, params=params)
        rows = np.where(ids >= 0, self.rows[np.maximum(ids, 0)], -1)
        return np.where(rows >= 0, scores, -np.inf).astype(np.float32), rows


def _listing(lists: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Rows whose neighbour list (a row of ``lists``) names any of ``targets``."""
    hit = lists == targets[0] if len(targets) == 1 else np.isin(lists, targets)
    return np.unique(np.flatnonzero(hit.ravel()) // lists.shape[1])


def _runner_up(scores: np.ndarray) -> float:
    return float(scores[1]) if np.isfinite(scores[1]) else 0.0


def _probability(similarity: float, margin_low: float, margin_high: float) -> float:
    """``link_probability`` for one pair, without NumPy's per-call overhead."""
    z = BIAS
    for value, mean, std, weight in zip((similarity, margin_low, margin_high), FEATURE_MEAN,
                                        FEATURE_STD, WEIGHTS, strict=True):  # fmt: skip
        z += (value - mean) / std * weight
    return 1.0 / (1.0 + math.exp(-z))


class _ConceptMembers:
    """Concept id -> the ids of the entries that declare it, shared between graph
    versions. Why layered: a write adds a few entries to a few concepts, while a
    million-entry termbase has up to a million concepts; each version adds a
    layer of the concepts it changed over its predecessor's (which it never
    changes: a reader of the older version keeps its answers), and every
    ``FLATTEN_AFTER`` layers the chain is copied into one dict, so a lookup walks
    a bounded chain and the copying is amortised over the writes."""

    FLATTEN_AFTER = 16

    def __init__(self, below: _ConceptMembers | None = None) -> None:
        self._own: dict[str, set[str]] = {}
        self._below = below
        self.depth = 0 if below is None else below.depth + 1

    def get(self, concept: str, default=()):
        layer: _ConceptMembers | None = self
        while layer is not None:
            found = layer._own.get(concept)
            if found is not None:
                return found
            layer = layer._below
        return default

    def add(self, concept: str, entry_id: str) -> None:
        own = self._own.get(concept)
        if own is None:  # copied from the layers below, never changed there
            own = self._own[concept] = set(self.get(concept, ()))
        own.add(entry_id)

    def layer(self) -> _ConceptMembers:
        """The next version's members: a new layer over these, or one flat copy."""
        if self.depth + 1 < self.FLATTEN_AFTER:
            return _ConceptMembers(self)
        flat = _ConceptMembers()
        chain = []
        layer: _ConceptMembers | None = self
        while layer is not None:
            chain.append(layer._own)
            layer = layer._below
        for own in reversed(chain):  # the newest layer wins
            flat._own.update({c: set(ids) for c, ids in own.items()})
        return flat


class EquivalenceGraph:
    """Neighbour lists per language and the linking decision over them.

    Rows are the caller's: positions in ``entries`` (the plain constructor), or
    any stable row numbers (``over``: the Searcher passes global index rows so
    the graph survives writes, see ``advance``)."""

    def __init__(
        self,
        entries: Sequence[Entry],
        doc_vectors: np.ndarray,
        name_vectors: np.ndarray,
        reviews: Iterable[Review] = (),
        *,
        threshold: float = DEFAULT_THRESHOLD,
    ) -> None:
        docs = np.asarray(doc_vectors, np.float32)
        names = np.asarray(name_vectors, np.float32)
        entries = list(entries)
        ids = {e.id: row for row, e in enumerate(entries)}
        self._setup(
            entries.__getitem__, ids.get, np.array([e.lang for e in entries]),
            np.ones(len(entries), bool), lambda rows: (docs[rows], names[rows]), threshold,
            names_index(entries),
        )  # fmt: skip
        self._build(reviews)

    @classmethod
    def over(
        cls,
        entry: Callable[[int], Entry],
        row_of: Callable[[str], int | None],
        langs: np.ndarray,
        live: np.ndarray,
        fetch: Fetch,
        reviews: Iterable[Review] = (),
        *,
        named: Named | None = None,
        threshold: float = DEFAULT_THRESHOLD,
        means: EquivalenceGraph | None = None,
        keys: Callable[[int], frozenset[str]] | None = None,
        concepts: Callable[[int], str | None] | None = None,
    ) -> EquivalenceGraph:
        """A graph over rows that may include deleted ones (``live`` says which count).
        ``named``: the rows whose names fold to a key (an index's name lookup; by
        default one is built from the live rows' entries). ``means``: centre with
        another graph's language means (what a graph kept up to date by ``advance``
        uses) instead of this version's. ``keys``: a row's ``concept_keys`` (an
        index's stored ones; by default computed from its entry). ``concepts``: the
        concept id a row declares (an index's stored ones; by default its entry's)."""
        graph = cls.__new__(cls)
        if named is None:
            named = names_index({r: entry(r) for r in np.flatnonzero(np.asarray(live, bool))})
        graph._setup(entry, row_of, langs, live, fetch, threshold, named, keys, concepts)
        graph._build(reviews, means)
        return graph

    def _setup(self, entry, row_of, langs, live, fetch, threshold, named, keys=None,
               concepts=None) -> None:  # fmt: skip
        self._entry, self._row_of, self._fetch, self._named = entry, row_of, fetch, named
        # a row's concept keys and declared concept: the index's stored ones, else
        # read from its entry
        self._keys = keys or (lambda row: concept_keys(self._entry(row)))
        self._concept = concepts or (lambda row: self._entry(row).concept)
        self._memo: dict = {}
        self.steps = ALL_STEPS
        self.langs, self.live = np.asarray(langs), np.asarray(live, bool)
        self.threshold = threshold
        self._answers: dict[int, list[Equivalent]] = {}
        self._linked: dict[int, list[int]] = {}
        self._members: dict[str, list[int]] = {}  # concept id -> live rows declaring it
        self.generation = 0  # +1 per ``advance``: the version's number in a chain of writes
        # False once ``advance`` has handed this version's writer-side search
        # indexes on to its successor (or spoilt them failing): it may not advance again
        self.advanceable = True

    # ------------------------------------------------------------------ building

    def _live_rows(self) -> np.ndarray:
        return np.flatnonzero(self.live)

    def _means(self) -> None:
        rows = self._live_rows()
        sums: dict[str, list] = {}
        total = None
        for start in range(0, len(rows), 65536):
            chunk = rows[start : start + 65536]
            docs, names = self._fetch(chunk)
            both = np.hstack([docs, names]).astype(np.float64)
            total = both.sum(axis=0) if total is None else total + both.sum(axis=0)
            for lang in np.unique(self.langs[chunk]).tolist():
                part = both[self.langs[chunk] == lang]
                acc = sums.setdefault(lang, [0.0, 0])
                acc[0] = acc[0] + part.sum(axis=0)
                acc[1] += len(part)
        overall = total / max(len(rows), 1)
        self._mean = {
            lang: (acc[0] / acc[1] if acc[1] >= MIN_LANGUAGE_ENTRIES else overall).astype(
                np.float32
            )
            for lang, acc in sums.items()
        }
        self._overall = overall.astype(np.float32)
        self._dimension = len(overall) // 2

    @property
    def link_means(self) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Each language's mean of [document, names] vectors and the overall mean:
        what a published index centres new entries with (``combined``)."""
        return dict(self._mean), self._overall

    def combined(self, rows: np.ndarray) -> np.ndarray:
        """Language-centred entry and names vectors side by side (``combined``)."""
        rows = np.asarray(rows, np.int64)
        docs, names = self._fetch(rows)
        return combined(docs, names, self.langs[rows], self._mean, self._overall)

    def _build(self, reviews: Iterable[Review], means: EquivalenceGraph | None = None) -> None:
        if means is None:
            self._means()
        else:
            self._mean, self._overall = means._mean, means._overall
            self._dimension = means._dimension
        rows = self._live_rows()
        capacity = len(self.langs)
        self._indexes: dict[str, _LanguageIndex] = {}
        languages = sorted(set(self.langs[rows].tolist()))
        for lang in languages:
            members = rows[self.langs[rows] == lang]
            index = _LanguageIndex(2 * self._dimension, len(members))
            for start in range(0, len(members), BATCH * 16):
                chunk = members[start : start + BATCH * 16]
                index.add(chunk, self.combined(chunk))
            self._indexes[lang] = index
        self._top = {lang: (np.full((capacity, DEPTH), -1, np.int64),
                            np.full((capacity, DEPTH), -np.inf, np.float32))
                     for lang in languages}  # fmt: skip
        for start in range(0, len(rows), BATCH):
            chunk = rows[start : start + BATCH]
            self._refresh_all(chunk, self.combined(chunk))
        # concept -> entry ids (not rows: a merge renumbers rows, ids stay)
        self._concepts = _ConceptMembers()
        for row in rows.tolist():
            self._add_concept(row)
        self.set_reviews(reviews)

    def _refresh_all(self, rows: np.ndarray, vectors: np.ndarray) -> None:
        """Recompute the neighbour lists of ``rows`` in every other language."""
        for lang in self._indexes:
            other = self.langs[rows] != lang
            if other.any():
                self._refresh(lang, rows[other], vectors[other])

    def _refresh(self, lang: str, rows: np.ndarray, vectors: np.ndarray) -> None:
        index = self._indexes[lang]
        k = RESCORED if index.approximate else DEPTH
        scores, found = index.search(vectors, k)
        if index.approximate:  # re-score the compressed candidates exactly
            valid = found >= 0
            exact = np.full(found.shape, -np.inf, np.float32)
            if valid.any():
                cand = self.combined(found[valid])
                owner = np.nonzero(valid)[0]
                exact[valid] = np.einsum("ij,ij->i", vectors[owner], cand)
            order = np.argsort(-exact, axis=1, kind="stable")[:, :DEPTH]
            scores = np.take_along_axis(exact, order, axis=1)
            found = np.take_along_axis(found, order, axis=1)
        top_rows, top_scores = self._top[lang]
        top_rows[rows] = found[:, :DEPTH]
        top_scores[rows] = scores[:, :DEPTH]

    def _insert(
        self, lang: str, rows: np.ndarray, new_rows: np.ndarray, new_vectors: np.ndarray
    ) -> None:
        """Merge new entries of ``lang`` into the neighbour lists of ``rows`` (exact
        scores; ties keep the entries already listed first)."""
        top_rows, top_scores = self._top[lang]
        scores = self.combined(rows) @ new_vectors.T
        candidates = np.hstack([top_rows[rows], np.broadcast_to(new_rows, scores.shape)])
        candidate_scores = np.hstack([top_scores[rows], scores.astype(np.float32)])
        order = np.argsort(-candidate_scores, axis=1, kind="stable")[:, :DEPTH]
        top_rows[rows] = np.take_along_axis(candidates, order, axis=1)
        top_scores[rows] = np.take_along_axis(candidate_scores, order, axis=1)

    def _add_concept(self, row: int) -> None:
        entry = self._entry(row)
        if entry.concept:
            self._concepts.add(entry.concept, entry.id)

    def set_reviews(self, reviews: Iterable[Review]) -> None:
        """The decisions that apply: both entries live and unchanged since the
        review. A stale one (an entry whose meaning changed, or an id reused) is
        kept apart (``stale``), shown, never applied."""
        self.reviews: dict[frozenset[int], str] = {}
        self._reviewed: dict[int, list[int]] = {}
        self.stale: dict[int, list[tuple[int, str]]] = {}
        for review in reviews:
            a, b = self._row_of(review.a), self._row_of(review.b)
            if a is None or b is None or a == b:
                continue
            if review.stale(self._entry(a), self._entry(b)):
                self.stale.setdefault(a, []).append((b, review.decision))
                self.stale.setdefault(b, []).append((a, review.decision))
                continue
            self.reviews[frozenset((a, b))] = review.decision
            self._reviewed.setdefault(a, []).append(b)
            self._reviewed.setdefault(b, []).append(a)

    # ------------------------------------------------------------------ writes

    def advance(
        self,
        langs: np.ndarray,
        live: np.ndarray,
        added: np.ndarray,
        deleted: np.ndarray,
        reviews: Iterable[Review],
        *,
        mapping: np.ndarray | None = None,
        entry: Callable[[int], Entry] | None = None,
        row_of: Callable[[str], int | None] | None = None,
        fetch: Fetch | None = None,
        named: Named | None = None,
        keys: Callable[[int], frozenset[str]] | None = None,
        concepts: Callable[[int], str | None] | None = None,
    ) -> EquivalenceGraph:
        """The next version of the graph: this one with a write applied
        (``mapping``: old row -> new row, -1 gone, when a merge renumbered rows;
        then ``deleted`` and ``added`` rows, new numbering). Costs searches for the
        added rows, their nearest neighbours and the rows that pointed at a deleted
        one, plus one copy of the neighbour tables.

        Why a new graph rather than this one changed: a reader of the version
        before the write may be in the middle of an answer (a hybrid search's
        concept-first order, an equivalents list); it keeps this graph, which no
        write touches. The two share what readers never look at (the per-language
        search indexes only writers use: this graph hands them on and may not
        advance again) and what no write changes (the language means)."""
        if not self.advanceable:
            raise RuntimeError("this graph version was already advanced; build the graph anew")
        self.advanceable = False  # its search indexes are its successor's from here on
        successor = copy.copy(self)
        successor._top = {lang: (rows.copy(), scores.copy())
                          for lang, (rows, scores) in self._top.items()}  # fmt: skip
        successor._concepts = self._concepts.layer()
        successor._indexes = dict(self._indexes)  # the same indexes; a new language is the successor's
        successor._answers, successor._linked, successor._members, successor._memo = {}, {}, {}, {}
        successor.advanceable = True
        return successor._advance(langs, live, added, deleted, reviews, mapping, entry, row_of,
                                  fetch, named, keys, concepts)  # fmt: skip

    def _advance(self, langs, live, added, deleted, reviews, mapping, entry, row_of, fetch,
                 named, keys, concepts=None):  # fmt: skip
        self._entry = entry or self._entry
        self._row_of = row_of or self._row_of
        self._fetch = fetch or self._fetch
        self._named = named or self._named  # the new version's name lookup (rows move)
        if keys is not None:
            self._keys = keys
        elif entry is not None:  # computed from the new version's entries
            self._keys = lambda row: concept_keys(self._entry(row))
        if concepts is not None:
            self._concept = concepts
        elif entry is not None:
            self._concept = lambda row: self._entry(row).concept
        capacity = len(langs)
        refresh: dict[str, set[int]] = {}
        self._grow(max(capacity, len(mapping) if mapping is not None else 0))
        if mapping is not None:
            self._renumber(mapping, refresh)
        self.langs, self.live = np.asarray(langs), np.asarray(live, bool)
        if len(deleted):
            for lang in np.unique(self.langs[deleted]).tolist():
                gone = deleted[self.langs[deleted] == lang]
                if lang in self._indexes:
                    self._indexes[lang].remove(gone)
                if lang in self._top:  # who listed a deleted entry of this language
                    refresh.setdefault(lang, set()).update(
                        _listing(self._top[lang][0][: len(self.langs)], gone).tolist()
                    )
        if len(added):
            vectors = self.combined(added)
            for lang in np.unique(self.langs[added]).tolist():
                if lang not in self._indexes:  # a new language
                    self._indexes[lang] = _LanguageIndex(2 * self._dimension, len(added))
                    cap = len(self._top[next(iter(self._top))][0]) if self._top else capacity
                    self._top[lang] = (np.full((cap, DEPTH), -1, np.int64),
                                       np.full((cap, DEPTH), -np.inf, np.float32))  # fmt: skip
                pick = self.langs[added] == lang
                self._indexes[lang].add(added[pick], vectors[pick])
            self._refresh_all(added, vectors)
            displaced: dict[str, set[int]] = {}
            for lang, index in self._indexes.items():  # who could now prefer a new entry
                other = self.langs[added] != lang
                if other.any():
                    for new_lang, rows in index.displaced(
                        vectors[other], self.langs[added][other], self._top
                    ):
                        displaced.setdefault(str(new_lang), set()).update(rows.tolist())
            fresh = set(added.tolist())
            for new_lang, rows in displaced.items():
                # rows whose list only gains new entries: merge them in (no search);
                # rows that also lost one are refreshed in full below
                keep = sorted(r for r in rows - fresh - refresh.get(new_lang, set())
                              if self.live[r] and self.langs[r] != new_lang)  # fmt: skip
                pick = self.langs[added] == new_lang
                if keep:
                    self._insert(new_lang, np.array(keep, np.int64), added[pick], vectors[pick])
            for row in added.tolist():
                self._add_concept(row)
        for lang, rows in refresh.items():
            rows_array = np.array(sorted(r for r in rows if self.live[r] and self.langs[r] != lang),
                                 np.int64)  # fmt: skip
            if len(rows_array) and lang in self._indexes:
                self._refresh(lang, rows_array, self.combined(rows_array))
        self.set_reviews(reviews)
        self._answers, self._linked, self._members, self._memo = {}, {}, {}, {}
        self.generation += 1
        return self

    def _renumber(self, mapping: np.ndarray, refresh: dict[str, set[int]]) -> None:
        """Apply a merge's renumbering (old row -> new row, -1 gone). Rows before the
        first one that moved keep their place, so only pointers into the moved part
        and the moved rows' own lists are touched: tiered merges move the newest,
        small segments, so this is O(merged) plus a comparison over the lists."""
        moved_at = np.flatnonzero(mapping != np.arange(len(mapping)))
        if not len(moved_at):
            return
        lo = int(moved_at[0])
        vanished = np.flatnonzero(mapping < 0)
        tail = np.arange(lo, len(mapping))
        kept = tail[mapping[tail] >= 0]
        for lang, (rows, scores) in self._top.items():
            if len(vanished):  # rows a merge dropped (deleted in this very write)
                stale = _listing(rows[: len(mapping)], vanished)
                refresh.setdefault(lang, set()).update(mapping[stale][mapping[stale] >= 0].tolist())
            pointers = rows >= lo
            rows[pointers] = mapping[rows[pointers]]
            scores[rows < 0] = -np.inf
            lists, list_scores = rows[kept].copy(), scores[kept].copy()
            rows[lo:], scores[lo:] = -1, -np.inf
            rows[mapping[kept]], scores[mapping[kept]] = lists, list_scores
        for index in self._indexes.values():
            index.remap(mapping, lo)

    def _grow(self, capacity: int) -> None:
        """Room for ``capacity`` rows in every neighbour table. Tables grow by an
        eighth (appends stay amortised O(1) per row; doubling would hold a million
        idle rows' lists at 1M entries)."""
        for lang, (rows, scores) in self._top.items():
            if len(rows) < capacity:
                grow = max(capacity, len(rows) + len(rows) // 8 + 1024) - len(rows)
                self._top[lang] = (np.vstack([rows, np.full((grow, DEPTH), -1, np.int64)]),
                                   np.vstack([scores, np.full((grow, DEPTH), -np.inf,
                                                              np.float32)]))  # fmt: skip

    # ------------------------------------------------------------------ evidence

    def _best(self, lang: str, a: int) -> int:
        top = self._top.get(lang)
        return -1 if top is None else int(top[0][a, 0])

    def pair_similarity(self, a: int, b: int) -> float:
        top = self._top.get(str(self.langs[b]))
        if top is not None:
            hit = np.flatnonzero(top[0][a] == b)
            if len(hit):
                return float(top[1][a, hit[0]])
        va, vb = self.combined(np.array([a, b]))
        return float(va @ vb)

    def definition_similarity(self, a: int, b: int) -> float:
        va, vb = self.combined(np.array([a, b]))
        d = self._dimension
        return float(2 * va[:d] @ vb[:d])

    def _margin(self, a: int, b: int) -> float:
        lang = str(self.langs[b])
        rows, scores = self._top[lang]
        best = int(rows[a, 0])
        runner = float(scores[a, 1]) if np.isfinite(scores[a, 1]) else 0.0
        other = runner if best == b else float(scores[a, 0])
        return self.pair_similarity(a, b) - other

    def is_mutual(self, a: int, b: int) -> bool:
        return self._best(str(self.langs[b]), a) == b and self._best(str(self.langs[a]), b) == a

    def probability(self, a: int, b: int) -> float:
        ma, mb = self.margins(a, b)
        return float(link_probability(self.pair_similarity(a, b), min(ma, mb), max(ma, mb)))

    def margins(self, a: int, b: int) -> tuple[float, float]:
        """Each side's similarity minus its runner-up's in the other's language."""
        return self._margin(a, b), self._margin(b, a)

    def shared_names(self, a: int, b: int) -> tuple[str, ...]:
        return tuple(sorted(name_keys(self._entry(a)) & name_keys(self._entry(b))))

    def _concept_rows(self, a: int) -> list[int]:
        """Live rows other than ``a`` that declare ``a``'s concept, any language."""
        concept = self._concept(a)
        return [b for b in self._declaring(concept) if b != a] if concept else []

    def _declaring(self, concept: str) -> list[int]:
        """Live rows whose entry declares ``concept``. Members are kept by id and
        never removed on a write: a deleted id has no row, and an updated entry
        that left the concept no longer names it. Remembered per concept until the
        next write: the decision asks for both sides of every pair, and a search
        for every member of a hit's concept. Bounded like the memo (``MEMO_LIMIT``);
        a concept no entry declares (a client's unknown id) is never remembered."""
        found = self._members.get(concept)
        if found is None:
            members = self._concepts.get(concept, ())
            if not members:
                return []
            found = []
            for member in members:
                b = self._row_of(member)
                if b is not None and self.live[b] and self._concept(b) == concept:
                    found.append(b)
            if len(self._members) >= MEMO_LIMIT:
                self._members = {}
            found = self._members[concept] = sorted(found)
        return found

    def _declared(self, a: int) -> list[int]:
        """Live rows of other languages that declare ``a``'s concept."""
        return [b for b in self._concept_rows(a) if self.langs[b] != self.langs[a]]

    def _declared_here(self, a: int) -> list[int]:
        """Live rows of ``a``'s own language that declare its concept (a termbase's
        synonyms: one group)."""
        return [b for b in self._concept_rows(a) if self.langs[b] == self.langs[a]]

    def linked(self, row: int) -> list[int]:
        """The rows of ``row``'s confirmed links, without the evidence (what hybrid
        search spreads lexical scores along); remembered until the next write."""
        cache = self._linked  # see _concept_rows
        found = cache.get(row)
        if found is None:
            answered = self._answers.get(row)
            if answered is not None:
                found = [eq.row for eq in answered]
            else:  # the order of ``equivalents`` without scoring declared links
                links = self._links(row)
                found = sorted(links, key=lambda b: (links[b] != DECLARED, 0.0 if links[b] == DECLARED
                                                     else -self.pair_similarity(row, b), b))  # fmt: skip
            cache[row] = found
        return found

    def direct(self, row: int) -> list[int]:
        """The rows ``row`` is linked to directly (``linking.direct_links``: no
        concept followed through other entries): what the lexical spread reads for
        up to a hundred hits per query, a third of the cost of ``linked``."""
        if not self.live[row]:
            return []
        nb = self._neighbourhood()
        found = nb.memo.get(("direct rows", row))
        if found is None:
            found = nb.memo[("direct rows", row)] = list(direct_links(nb, row))
        return found

    def status(self, a: int, b: int) -> str | None:
        """How a pair stands: declared / accepted / automatic (confirmed), rejected, or None."""
        for eq in self.equivalents(a):
            if eq.row == b:
                return eq.status
        return REJECTED if self.reviews.get(frozenset((a, b))) == REJECTED else None

    def mutual_pairs(self) -> list[tuple[int, int]]:
        """Every pair (a < b) of entries that are each other's best candidate:
        what the automatic decision looks at (and what its model was fitted on)."""
        pairs = []
        for a in self._live_rows().tolist():
            for lang, (rows, _) in self._top.items():
                b = int(rows[a, 0])
                if lang != self.langs[a] and a < b and self.live[b] and self.is_mutual(a, b):
                    pairs.append((a, b))
        return pairs

    # ------------------------------------------------------------------ answers

    def equivalents(self, row: int) -> list[Equivalent]:
        """Confirmed links of ``row``, best first (remembered until the next write:
        hybrid search spreads lexical evidence along them for every lexical hit)."""
        cache = self._answers  # see _declared
        found = cache.get(row)
        if found is None:
            found = cache[row] = self._equivalents(row)
        return found

    def _links(self, row: int) -> dict[int, str]:
        """``linking.concept_links`` of ``row``: its concept's rows with how each joined."""
        return concept_links(self._neighbourhood(), row) if self.live[row] else {}

    def _neighbourhood(self) -> _Rows:
        """The graph as ``linking.Neighbourhood``, its memo emptied when it has
        grown past ``MEMO_LIMIT`` (a read-only server: bound what it remembers)."""
        if len(self._memo) > MEMO_LIMIT:
            self._memo = {}
        return _Rows(self)

    def _equivalents(self, row: int) -> list[Equivalent]:
        found = self._links(row)
        links = [
            Equivalent(b, self.pair_similarity(row, b), self.shared_names(row, b), status)
            for b, status in found.items()
        ]
        return sorted(links, key=lambda eq: (eq.status != DECLARED, -eq.score, eq.row))

    def members(self, row: int) -> dict[int, str]:
        """``row``'s whole concept (``linking.concept_members``): every member with
        how it joined, seen from ``row``; remembered until the next write."""
        if not self.live[row]:
            return {}
        nb = self._neighbourhood()
        found = nb.memo.get(("members", row))
        if found is None:
            found = nb.memo[("members", row)] = concept_members(nb, row)
        return found

    def declared_rows(self, concept: str) -> list[int]:
        """Live rows that declare ``concept`` (a termbase's concept id)."""
        return list(self._declaring(concept))

    def candidates(self, row: int, per_language: int = CANDIDATES) -> dict[str, list[Candidate]]:
        """Every other language's best candidates for ``row``, with evidence, plus
        any confirmed or reviewed pair that is not among them."""
        out: dict[str, list[Candidate]] = {}
        linked = {eq.row for eq in self.equivalents(row)} | set(self._reviewed.get(row, ()))
        for lang, (top, _) in self._top.items():
            if lang == self.langs[row]:
                continue
            rows = [int(b) for b in top[row][:per_language] if b >= 0]
            rows += [b for b in sorted(linked) if self.langs[b] == lang and b not in rows]
            out[lang] = [self._candidate(row, b) for b in rows]
        return out

    def _candidate(self, a: int, b: int) -> Candidate:
        return Candidate(
            row=b,
            score=self.pair_similarity(a, b),
            probability=self.probability(a, b),
            margin=self._margin(a, b),
            mutual=self.is_mutual(a, b),
            definition_similarity=self.definition_similarity(a, b),
            shared_names=self.shared_names(a, b),
            status=self.status(a, b),
        )

    def automatic_pairs(self) -> list[tuple[int, int, float]]:
        """(a, b, probability) of every link Glossa decided and no person has
        reviewed (a < b), the least certain first: a reviewer's queue."""
        pairs = {
            (min(row, eq.row), max(row, eq.row))
            for row in self._live_rows().tolist()
            for eq in self.equivalents(row)
            if eq.status == AUTOMATIC
        }
        found = [(a, b, self.probability(a, b)) for a, b in pairs]
        return sorted(found, key=lambda pair: (pair[2], pair[0], pair[1]))

    def candidate(self, a: int, b: int) -> Candidate:
        """``b`` as a candidate for ``a``, with the evidence."""
        return self._candidate(a, b)

    def links(self) -> set[tuple[int, int]]:
        """All confirmed pairs (a < b)."""
        return {
            (min(row, eq.row), max(row, eq.row))
            for row in self._live_rows().tolist()
            for eq in self.equivalents(row)
        }


Named = Callable[[str], Iterable[int]]  # a folded name -> the live rows that have it


def names_index(entries: dict[int, Entry] | Sequence[Entry]) -> Named:
    """``Named`` over entries held in memory (rows -> entries)."""
    items = entries.items() if isinstance(entries, dict) else enumerate(entries)
    index: dict[str, list[int]] = {}
    for row, entry in items:
        for key in name_keys(entry):
            index.setdefault(key, []).append(int(row))
    return lambda key: index.get(key, ())


class _Rows:
    """The graph as ``linking.Neighbourhood``: nodes are rows. What it derives is
    remembered in the graph's memo until the next write."""

    def __init__(self, graph: EquivalenceGraph) -> None:
        self.graph = graph
        self.threshold = graph.threshold
        self.memo = graph._memo
        self.steps = graph.steps

    def lang(self, node: int) -> str:
        return str(self.graph.langs[node])

    def languages(self) -> Iterable[str]:
        return self.graph._top.keys()

    def top(self, node: int, lang: str) -> list[tuple[int, float]]:
        found = self.memo.get(("top", node, lang))
        if found is None:
            table = self.graph._top.get(lang)
            live = self.graph.live
            found = [] if table is None else [
                (int(r), float(sc)) for r, sc in zip(table[0][node], table[1][node], strict=True)
                if r >= 0 and live[r]
            ]  # fmt: skip
            self.memo[("top", node, lang)] = found
        return found

    def keys(self, node: int) -> frozenset[str]:
        found = self.memo.get(("keys", node))
        if found is None:
            found = self.memo[("keys", node)] = self.graph._keys(node)
        return found

    def named(self, key: str, lang: str) -> list[int]:
        rows = self.memo.get(("named", key))
        if rows is None:  # one lookup per key, whatever the language asked
            graph = self.graph
            rows = self.memo[("named", key)] = [
                r for r in graph._named(key) if r < len(graph.live) and graph.live[r]
            ]
        langs = self.graph.langs
        return [r for r in rows if langs[r] == lang]

    def declared(self, node: int) -> list[int]:
        return self.graph._declared(node)

    def declared_here(self, node: int) -> list[int]:
        return self.graph._declared_here(node)

    def concept(self, node: int) -> str | None:
        return self.graph._concept(node)

    def decision(self, a: int, b: int) -> str | None:
        return self.graph.reviews.get(frozenset((a, b)))

    def reviewed(self, node: int) -> list[int]:
        return [b for b in self.graph._reviewed.get(node, ()) if self.graph.live[b]]

    def probability(self, similarity: float, margin_low: float, margin_high: float) -> float:
        return _probability(similarity, margin_low, margin_high)
