"""Segmented BM25: one segment scores exactly like bm25s; several segments score
exactly like one segment holding the same documents (statistics are global)."""

from __future__ import annotations

import bm25s
import numpy as np
import pytest
from glossa.analysis import analyze, lexical_text
from glossa.indexer.store.postings import Postings, build_postings
from glossa.search.bm25 import segment_scores

QUERIES = ["customer effort", "NPS", "wskaźnik", "客户", "average handle time", "zzzz"]


@pytest.fixture(scope="module")
def documents(bundled_entries):
    return [analyze(lexical_text(e)) or ["\u2205"] for e in bundled_entries]


def test_one_segment_equals_bm25s(documents):
    reference = bm25s.BM25()
    reference.index(documents, show_progress=False)
    postings = build_postings(documents)
    for query in QUERIES:
        tokens = analyze(query)
        known = [t for t in tokens if t in reference.vocab_dict]
        expected = reference.get_scores(known) if known else np.zeros(len(documents), np.float32)
        (ours,) = segment_scores([postings], tokens)
        np.testing.assert_allclose(ours, expected, rtol=1e-5, atol=1e-6)
        assert expected.max() > 0 or query == "zzzz"


def test_segments_score_like_one_segment(documents, tmp_path):
    whole = segment_scores([build_postings(documents)], analyze("customer effort score"))[0]
    parts = [build_postings(documents[:100]), build_postings(documents[100:101]),
             build_postings(documents[101:])]  # fmt: skip
    parts[2].save(tmp_path / "p.npz")
    parts[2] = Postings.load(tmp_path / "p.npz")  # and a stored segment reads back the same
    split = np.concatenate(segment_scores(parts, analyze("customer effort score")))
    np.testing.assert_allclose(split, whole, rtol=1e-5, atol=1e-6)
    assert whole.max() > 0


def test_streamed_chunks_build_the_same_postings(documents):
    whole, chunked = build_postings(documents), build_postings(iter(documents), chunk=7)
    for name in ("offsets", "documents", "frequencies", "lengths"):
        np.testing.assert_array_equal(getattr(whole, name), getattr(chunked, name))
    assert whole.vocabulary == chunked.vocabulary
