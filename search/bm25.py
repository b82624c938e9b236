"""BM25 over immutable segments: each segment carries its own postings, scores use
statistics summed over all segments (Lucene's model).

Why by hand and not bm25s: bm25s indexes a whole corpus at once and bakes the
IDF into its stored scores, so one new entry means re-indexing everything. Here
a write adds a small segment whose postings are built from its own entries; the
document frequencies and average length come from the sum over segments at
query time, so a new segment is scored exactly as if it had been indexed with
the rest. Like Lucene, deleted entries keep counting in the statistics until
their segment is merged (the scores drift by a negligible amount, nothing is
re-read). On one segment with no deletes the scores equal bm25s's ``lucene``
method (``tests/search/test_bm25.py``); the formula and defaults are the same
(k1 = 1.5, b = 0.75, idf = ln(1 + (N - df + 0.5) / (df + 0.5))).

Postings are stored per segment as four arrays (vocabulary, offsets, document
numbers, term frequencies) plus each document's length: a few numpy arrays that
load with ``np.load`` and are searched without any per-document Python loop.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

K1, B = 1.5, 0.75
EMPTY_DOCUMENT = "\u2205"  # an entry with no tokens still has length 1 (as in bm25s)


@dataclass(frozen=True, eq=False)
class Postings:
    """One segment's inverted index: token -> (documents, term frequencies)."""

    vocabulary: dict[str, int]
    offsets: np.ndarray  # int64, len(vocabulary) + 1
    documents: np.ndarray  # int32 local document numbers, grouped by token
    frequencies: np.ndarray  # uint16 term frequency of the token in the document (was float32:
    # half the bytes of the largest array, 100 MB at a million entries; older files still load)
    lengths: np.ndarray  # float32 tokens per document

    @property
    def count(self) -> int:
        return len(self.lengths)

    @property
    def total_length(self) -> float:
        return float(self.lengths.sum(dtype=np.float64))

    def document_frequency(self, token: str) -> int:
        t = self.vocabulary.get(token)
        return 0 if t is None else int(self.offsets[t + 1] - self.offsets[t])

    def postings(self, token: str) -> tuple[np.ndarray, np.ndarray] | None:
        t = self.vocabulary.get(token)
        if t is None:
            return None
        start, end = self.offsets[t], self.offsets[t + 1]
        return self.documents[start:end], self.frequencies[start:end]

    def save(self, path: Path) -> None:
        tokens = np.array(sorted(self.vocabulary, key=self.vocabulary.__getitem__), dtype=str)
        with path.open("wb") as f:
            np.savez(
                f, tokens=tokens, offsets=self.offsets, documents=self.documents,
                frequencies=self.frequencies, lengths=self.lengths,
            )  # fmt: skip

    @classmethod
    def load(cls, path: Path) -> Postings:
        with np.load(path, allow_pickle=False) as data:
            tokens = data["tokens"].tolist()
            return cls(
                dict(zip(tokens, range(len(tokens)), strict=True)),
                data["offsets"], data["documents"], data["frequencies"], data["lengths"],
            )  # fmt: skip


def build_postings(documents: Iterable[Sequence[str]], chunk: int = 8192) -> Postings:
    """Postings of analysed documents (each a token list), read as a stream: token
    ids are kept as int32 arrays per chunk of documents, so memory is a few bytes
    per token, not the documents' Python lists."""
    vocabulary: dict[str, int] = {}
    token_parts: list[np.ndarray] = []
    doc_parts: list[np.ndarray] = []
    lengths: list[int] = []
    ids: list[int] = []
    owners: list[int] = []
    for number, tokens in enumerate(documents):
        tokens = tokens or [EMPTY_DOCUMENT]
        lengths.append(len(tokens))
        ids.extend(vocabulary.setdefault(token, len(vocabulary)) for token in tokens)
        owners.extend([number] * len(tokens))
        if len(lengths) % chunk == 0:
            token_parts.append(np.asarray(ids, np.int32))
            doc_parts.append(np.asarray(owners, np.int32))
            ids, owners = [], []
    token_parts.append(np.asarray(ids, np.int32))
    doc_parts.append(np.asarray(owners, np.int32))
    count = len(lengths)
    token_ids = np.concatenate(token_parts).astype(np.int64)
    if not len(token_ids):
        return Postings({}, np.zeros(1, np.int64), np.zeros(0, np.int32),
                        np.zeros(0, np.uint16), np.asarray(lengths, np.float32))  # fmt: skip
    n = max(count, 1)
    keys, tf = np.unique(token_ids * n + np.concatenate(doc_parts), return_counts=True)
    tokens_of, docs = np.divmod(keys, n)  # sorted by token, then document
    offsets = np.searchsorted(tokens_of, np.arange(len(vocabulary) + 1)).astype(np.int64)
    return Postings(vocabulary, offsets, docs.astype(np.int32), np.minimum(tf, 65535).astype(np.uint16),
                    np.asarray(lengths, np.float32))  # fmt: skip


def idf(document_frequency: int, total: int) -> float:
    return float(np.log(1.0 + (total - document_frequency + 0.5) / (document_frequency + 0.5)))


def segment_scores(segments: Sequence[Postings], tokens: Sequence[str]) -> list[np.ndarray]:
    """BM25 score of every document of every segment for the query ``tokens``
    (repeated tokens count once per occurrence, as in bm25s)."""
    total = sum(p.count for p in segments)
    out = [np.zeros(p.count, np.float32) for p in segments]
    if not tokens or total == 0:
        return out
    average = sum(p.total_length for p in segments) / total
    found: list[list[tuple[np.ndarray, np.ndarray]]] = [[] for _ in segments]
    for token in tokens:
        hits = [p.postings(token) for p in segments]
        frequency = sum(len(h[0]) for h in hits if h is not None)
        if frequency == 0:
            continue
        weight = idf(frequency, total)
        for s, hit in enumerate(hits):
            if hit is None:
                continue
            docs, tf = hit
            norm = K1 * ((1 - B) + B * segments[s].lengths[docs] / average)
            tf = tf.astype(np.float32)
            found[s].append((docs, weight * tf / (norm + tf)))
    for s, parts in enumerate(found):
        if parts:
            docs = np.concatenate([d for d, _ in parts])
            contributions = np.concatenate([c for _, c in parts])
            out[s] = np.bincount(docs, contributions, minlength=segments[s].count).astype(
                np.float32
            )
    return out
