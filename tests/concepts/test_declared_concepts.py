"""Concept ids from a termbase (TBX) link entries across languages in equivalents
and in search, whatever the embeddings say."""

from glossa.corpus.entry import Entry
from glossa.indexer.build import build_index
from glossa.search.searcher import Searcher

from tests.fakes import FakeEncoder


def test_declared_concepts_are_equivalents_and_spread_search(tmp_path, bundled_entries):
    linked = [
        Entry("pl-zz1", "Zupełnie inne słowo", "Opis bez wspólnych wyrazów.", "pl", "t",
              concept="c-rare"),
        Entry("zh-zz1", "罕见术语", "完全不同的描述。", "zh", "t", concept="c-rare"),
    ]  # fmt: skip
    encoder = FakeEncoder()
    build_index(bundled_entries[:60] + linked, encoder, tmp_path / "idx")
    searcher = Searcher.open(tmp_path / "idx", encoder)
    assert [eq.hit.id for eq in searcher.equivalents("pl-zz1")] == ["zh-zz1"]
    assert [eq.hit.id for eq in searcher.equivalents("zh-zz1")] == ["pl-zz1"]
    hits = searcher.search("Zupełnie inne słowo", k=5, mode="lexical")
    assert [h.id for h in hits][:2] == ["pl-zz1", "zh-zz1"]
    assert hits[1].concept == "c-rare"
