"""BM25 scoring over immutable segments: each segment carries its own postings
(``indexer.store.postings``), scores use statistics summed over all segments
(Lucene's model).

Why by hand and not bm25s: bm25s indexes a whole corpus at once and bakes the
IDF into its stored scores, so one new entry means re-indexing everything. Here
a write adds a small segment whose postings are built from its own entries; the
document frequencies and average length come from the sum over segments at
query time, so a new segment is scored exactly as if it had been indexed with
the rest. Like Lucene, deleted entries keep counting in the statistics until
their segment is merged (the scores drift by a negligible amount, nothing is
re-read). On one segment with no deletes the scores equal bm25s's ``lucene``
method (``tests/search/test_bm25.py``); the formula and defaults are the same
(``k1 = 1.5, b = 0.75, idf = ln(1 + (N - df + 0.5) / (df + 0.5))``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from glossa.indexer.store.postings import K1, B, Postings


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
