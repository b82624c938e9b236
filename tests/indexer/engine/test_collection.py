"""How an entry becomes a row of the Milvus engine collection: the analysed text
must reach Milvus's BM25 as exactly Glossa's tokens, and no entry may be lost to
field limits without an error."""

from __future__ import annotations

import dataclasses

import pytest
from glossa.analysis import analyze, lexical_text
from glossa.api.errors import STATUS
from glossa.corpus.entry import Entry
from glossa.indexer.engine.collection import (
    MAX_TEXT,
    TOKEN_LIMIT,
    PayloadTooLarge,
    entry_of,
    hashed,
    hashed_text,
    payload,
)
from milvus_lite.analyzer.standard import StandardAnalyzer


def test_the_engine_tokenizer_splits_hashed_text_back_into_glossas_tokens(bundled_entries):
    analyzer = StandardAnalyzer()
    vocabulary: set[str] = set()
    for entry in bundled_entries:
        tokens = analyze(lexical_text(entry), "stems+ngrams")
        vocabulary |= set(tokens)
        text, cut = hashed_text(tokens)
        assert not cut
        assert analyzer.tokenize(text) == [hashed(t) for t in tokens]
    # Persian, Chinese, Polish and English words and n-grams: no two share a hash
    assert len({hashed(t) for t in vocabulary}) == len(vocabulary) > 5000


def test_analysed_text_is_cut_at_the_token_limit_and_says_so():
    tokens = [f"w{i}" for i in range(TOKEN_LIMIT + 5)]
    text, cut = hashed_text(tokens)
    assert cut and len(text.split()) == TOKEN_LIMIT and len(text.encode()) <= MAX_TEXT
    assert hashed_text(tokens[:10]) == (" ".join(hashed(t) for t in tokens[:10]), False)


def test_large_entries_are_stored_compressed_and_read_back_whole(bundled_entries):
    entry = bundled_entries[0]
    assert entry_of(payload(entry)) == entry
    big = dataclasses.replace(entry, definition="客户努力得分 " * 12_000)  # 84 KB of UTF-8
    stored = payload(big)
    assert stored.startswith("z:") and len(stored) <= MAX_TEXT
    assert entry_of(stored) == big


def test_an_entry_too_large_even_compressed_is_refused_by_name():
    import random

    rng = random.Random(0)
    noise = "".join(chr(rng.randrange(0x4E00, 0x9FFF)) for _ in range(40_000))
    entry = Entry(id="zh-huge", term="x", definition=noise, lang="zh", source="s.jsonl")
    with pytest.raises(PayloadTooLarge, match="entry 'zh-huge' is .* bytes as JSON") as caught:
        payload(entry)
    assert STATUS[caught.value.kind][0] == 413  # what the API answers
