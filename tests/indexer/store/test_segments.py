"""Segments: a write costs what it changes, merges keep the count logarithmic,
readers of an older version keep what they hold."""

from __future__ import annotations

import numpy as np
import pytest
from glossa.corpus.entry import Entry, corpus_checksum
from glossa.indexer.build import build_index
from glossa.indexer.store.index_dir import read_manifest
from glossa.indexer.store.reader import load_index_dir
from glossa.indexer.store.segments import SEGMENTS
from glossa.indexer.writes import MERGE_BASE, apply_changes, merge_plan, optimize, size_class
from glossa.search.searcher import Searcher

from tests.fakes import FakeEncoder


def entry(i: int) -> Entry:
    return Entry(f"de-seg{i}", f"Segmentwort {i}", f"Erklärung {i}.", "de", "seg")


@pytest.fixture()
def index(tmp_path, bundled_entries):
    out = tmp_path / "idx"
    build_index(bundled_entries[:30], FakeEncoder(), out)
    return out


def test_a_one_entry_write_leaves_existing_segments_untouched(index):
    first = index / SEGMENTS / "s000001"
    before = {f.name: (f.stat().st_mtime_ns, f.stat().st_size) for f in first.iterdir()}
    held = load_index_dir(index)
    loaded, report = apply_changes(index, FakeEncoder(), add=[entry(1)], current=held)
    assert report.added == ("de-seg1",) and report.embedded == 2
    assert [len(s) for s in loaded.segments] == [30, 1]
    assert {f.name: (f.stat().st_mtime_ns, f.stat().st_size) for f in first.iterdir()} == before
    assert loaded.segments[0] is held.segments[0]  # shared, not read again
    again = load_index_dir(index, reuse=loaded)
    assert again.segments[0] is loaded.segments[0] and again.segments[1] is loaded.segments[1]
    # the manifest's checksum is kept up to date in O(k) and equals a full recount
    assert read_manifest(index).corpus_checksum == corpus_checksum(load_index_dir(index).entries)


def test_older_versions_keep_answering_after_a_write(index, bundled_entries):
    encoder = FakeEncoder()
    old = Searcher.of_index(load_index_dir(index), encoder)
    gone = bundled_entries[2]
    loaded, _ = apply_changes(index, encoder, delete=[gone.id], add=[entry(1)], current=old.index)
    new = old.with_index(loaded)
    assert gone.id in {h.id for h in old.search(gone.term, k=30, mode="lexical")}
    assert gone.id not in {h.id for h in new.search(gone.term, k=31, mode="lexical")}
    assert new.search("Segmentwort 1", k=1, mode="lexical")[0].id == "de-seg1"
    assert old.get("de-seg1") is None and new.get("de-seg1") is not None
    assert new.index.segments[0].postings is old.index.segments[0].postings  # the unchanged segment's postings are shared


def test_size_classes_and_merge_plan():
    assert [size_class(n) for n in (0, 1, 3, 4, 15, 16, 1000)] == [0, 0, 0, 1, 1, 2, 4]
    dead = [np.zeros(n, bool) for n in (100, 1, 2, 1)]
    assert merge_plan(dead) == []  # three small ones: not yet
    dead.append(np.zeros(3, bool))
    assert merge_plan(dead) == [1, 2, 3, 4]
    mostly_deleted = np.ones(100, bool)
    mostly_deleted[:2] = False  # counts by what it still holds: class 0 with the small ones
    assert merge_plan([mostly_deleted, *dead[1:4]]) == [0, 1, 2, 3]


def test_merges_keep_segments_few_and_every_entry(index):
    held = load_index_dir(index)
    for i in range(3 * MERGE_BASE):
        held, _ = apply_changes(index, FakeEncoder(), add=[entry(i)], current=held)
    assert len(held.segments) < 1 + 2 * MERGE_BASE
    assert held.manifest.count == 30 + 3 * MERGE_BASE
    assert {f"de-seg{i}" for i in range(3 * MERGE_BASE)} <= {e.id for e in held.entries}
    named = {f"{SEGMENTS}/{i.name}" for i in held.manifest.segments}
    assert {f"{SEGMENTS}/{d.name}" for d in (index / SEGMENTS).iterdir()} >= named


def test_optimize_drops_deleted_rows_and_keeps_answers(index, bundled_entries):
    encoder = FakeEncoder()
    apply_changes(index, encoder, delete=[bundled_entries[0].id], add=[entry(1)])
    before = Searcher.of_index(load_index_dir(index), encoder).search("Erklärung", k=5, mode="lexical")
    loaded = optimize(index)
    assert len(loaded.segments) == 1 and loaded.rows == 30 and not loaded.dead[0].any()
    after = Searcher.of_index(load_index_dir(index), encoder).search("Erklärung", k=5, mode="lexical")
    assert [h.id for h in after] == [h.id for h in before]


def test_source_languages_follow_writes_without_parsing_entries(index, bundled_entries):
    held = load_index_dir(index)
    before = held.source_languages()
    assert before == {s: {e.lang for e in held.entries if e.source == s} for s in before}
    loaded, _ = apply_changes(index, FakeEncoder(), add=[entry(1)], current=held)
    assert loaded.source_languages() == {**before, "seg": {"de"}}
    loaded, _ = apply_changes(index, FakeEncoder(), delete=["de-seg1"], current=loaded)
    assert loaded.source_languages() == before


def test_released_pages_read_back_the_same(index, bundled_entries):
    """Releasing the mapped files' pages (after the graph build reads every row)
    must leave every vector and entry readable and unchanged."""
    loaded = load_index_dir(index)
    rows = loaded.live_rows
    names, entries = loaded.vectors_of(rows, names=True), [loaded.entry(r) for r in rows]
    loaded.release()
    assert np.array_equal(loaded.vectors_of(rows, names=True), names)
    assert [loaded.entry(r) for r in rows] == entries == list(bundled_entries[:30])


def test_concept_keys_are_stored_so_a_search_needs_no_word_segmenter(tmp_path, monkeypatch):
    """Concept-first ranking links entries by name keys; stored with the segment,
    a search of a Latin-script query never loads jieba's dictionary for the
    termbase's Chinese names."""
    from glossa.analysis import segmentation
    from glossa.concepts.linking import concept_keys

    entries = [
        Entry("zh-nps", "净推荐值", "客户推荐的意愿。", "zh", "t", aliases=("NPS",), concept="c"),
        Entry("pl-nps", "Net Promoter Score", "Skłonność do polecania.", "pl", "t",
              aliases=("NPS",), concept="c"),
        Entry("zh-csat", "客户满意度", "客户的满意程度。", "zh", "t", english="CSAT"),
    ]  # fmt: skip
    encoder = FakeEncoder()
    build_index(entries, encoder, tmp_path / "idx")
    loaded = load_index_dir(tmp_path / "idx")
    assert [loaded.concept_keys(r) for r in range(3)] == [concept_keys(e) for e in entries]

    def no_jieba():
        raise AssertionError("a search loaded jieba")

    segmentation._jieba.cache_clear()
    monkeypatch.setattr(segmentation, "_jieba", no_jieba)
    searcher = Searcher.of_index(load_index_dir(tmp_path / "idx"), encoder)
    hits = searcher.search("promoter score", k=3)
    assert hits[0].id == "pl-nps" and hits[1].id == "zh-nps"  # its concept, next


def test_concept_ids_are_stored_so_following_a_concept_parses_no_entry(tmp_path, monkeypatch):
    """Each row's declared concept is stored with its segment: the graph follows
    a hit's concept without reading entry lines, and gives the same links as a
    segment written before concept ids were stored (read from the entries)."""
    entries = [
        Entry("zh-nps", "净推荐值", "客户推荐的意愿。", "zh", "t", concept="c"),
        Entry("pl-nps", "Net Promoter Score", "Skłonność do polecania.", "pl", "t", concept="c"),
        Entry("fa-nps", "امتیاز خالص مروج", "تمایل به توصیه.", "fa", "t", concept="c"),
        Entry("zh-csat", "客户满意度", "客户的满意程度。", "zh", "t"),
    ]  # fmt: skip
    build_index(entries, FakeEncoder(), tmp_path / "idx")
    loaded = load_index_dir(tmp_path / "idx")
    assert [loaded.concept_of(r) for r in range(4)] == ["c", "c", "c", None]
    graph = Searcher.of_index(loaded, FakeEncoder()).graph
    links = {r: sorted(graph.direct(r)) for r in range(4)}
    assert links[1] == [0, 2] and links[3] == []
    assert graph.declared_rows("c") == [0, 1, 2]
    assert graph.declared_rows("no-such-concept") == []  # a client's unknown id...
    assert "no-such-concept" not in graph._members  # ...is not remembered

    def parsed(row):
        raise AssertionError("an entry line was parsed to follow a concept")

    fresh = Searcher.of_index(load_index_dir(tmp_path / "idx"), FakeEncoder()).graph
    monkeypatch.setattr(fresh, "_entry", parsed)
    assert {r: sorted(fresh.direct(r)) for r in range(4)} == links
    # a segment written before (its lookup holds no ids): the entries say the same
    older = load_index_dir(tmp_path / "idx")
    object.__setattr__(older.segments[0].lookup, "concepts", None)
    assert [older.concept_of(r) for r in range(4)] == ["c", "c", "c", None]
    graph = Searcher.of_index(older, FakeEncoder()).graph
    assert {r: sorted(graph.direct(r)) for r in range(4)} == links


def test_parsed_entries_are_kept_within_a_bound(index, bundled_entries, monkeypatch):
    """A segment keeps the entries it parsed (a search's hits are read again), never
    more than ``PARSED_KEPT``, and what it keeps is what the file holds."""
    import glossa.indexer.store.segments as segments

    monkeypatch.setattr(segments, "PARSED_KEPT", 4)
    stored = load_index_dir(index).segments[0].entries
    for _ in range(2):
        assert [stored[i] for i in range(len(stored))] == bundled_entries[:30]
        assert 0 < len(stored._parsed) <= 4
    assert stored[29] is stored[29]  # the second read is the kept one
