"""The server's live state (``api.service``): which encoder a full rebuild embeds with,
and writes that stop before their commit when no one waits for them."""

from __future__ import annotations

import os
import threading

import pytest
from glossa.api.service import (
    WRITE_BATCH,
    WRITE_BATCH_CHARS,
    SearchService,
    WriteAbandoned,
    batches,
)
from glossa.corpus.entry import Entry
from glossa.indexer.build import build_index
from glossa.indexer.store.index_dir import IndexLoadError, read_manifest
from glossa.indexer.store.reader import load_index_dir
from glossa.search.searcher import Searcher

from glossa.settings import Settings
from glossa.termbase import open_termbase
from tests.fakes import FakeEncoder


def test_a_rebuild_embeds_with_the_bulk_encoder_and_keeps_the_query_encoder_free(
    tmp_path, bundled_entries
):
    query_encoder, bulk = FakeEncoder(), FakeEncoder()
    build_index(bundled_entries[:40], query_encoder, tmp_path / "index")
    searcher = Searcher.open(tmp_path / "index", query_encoder)
    chosen = []
    service = SearchService(
        lambda: open_termbase(None, Settings(), searcher=searcher),
        bulk_encoder=lambda encoder: chosen.append(encoder) or bulk,
    )
    service.start(background=False)
    try:
        embedded_before = len(query_encoder.texts)
        service.rebuild()
        assert chosen == [query_encoder]  # asked with the query encoder
        assert len(bulk.texts) >= 40  # every entry's document (and names) text
        assert len(query_encoder.texts) == embedded_before  # the query encoder did none
        assert service.searcher is not searcher and service.searcher.index.manifest.count == 40
        assert service.last_reload_error is None
    finally:
        service.close()


def test_without_a_bulk_encoder_a_rebuild_uses_the_query_encoder(tmp_path, bundled_entries):
    encoder = FakeEncoder()
    build_index(bundled_entries[:10], encoder, tmp_path / "index")
    service = SearchService(
        lambda: open_termbase(None, Settings(), searcher=Searcher.open(tmp_path / "index", encoder))
    )
    service.start(background=False)
    try:
        before = len(encoder.texts)
        service.rebuild()
        assert len(encoder.texts) >= before + 10 and service.last_reload_error is None
    finally:
        service.close()


def test_writes_are_embedded_in_short_calls_however_long_the_entries():
    texts = ["x" * 100] * 40 + ["y" * 5000] + ["z" * 1000] * 5
    cut = batches(texts, WRITE_BATCH, WRITE_BATCH_CHARS)
    assert [t for part in cut for t in part] == texts  # nothing lost, order kept
    assert all(len(part) <= WRITE_BATCH for part in cut)
    assert all(sum(map(len, part)) <= WRITE_BATCH_CHARS or len(part) == 1 for part in cut)
    assert ["y" * 5000] in cut  # a text longer than the budget goes alone


def _service_on(tmp_path, entries, encoder):
    build_index(entries, encoder, tmp_path / "index")
    service = SearchService(
        lambda: open_termbase(None, Settings(), searcher=Searcher.open(tmp_path / "index", encoder))
    )
    service.start(background=False)
    return service


NEW = [Entry(f"de-new-{i}", f"Neuer Begriff {i}", "Lang. " * 200, "de", "api") for i in range(40)]


def test_a_write_whose_client_left_is_abandoned_before_its_commit(tmp_path, bundled_entries):
    encoder = FakeEncoder()
    service = _service_on(tmp_path, bundled_entries[:10], encoder)
    gone = threading.Event()
    calls = []
    original = encoder.encode_documents

    def leaving(texts, progress=None):  # the client goes after the first batch
        calls.append(len(texts))
        gone.set()
        return original(texts, progress)

    encoder.encode_documents = leaving
    try:
        with pytest.raises(WriteAbandoned):
            service.apply(add=NEW, abandoned=gone)
        assert len(calls) == 1  # stopped at the next batch, not after all of them
        assert load_index_dir(tmp_path / "index").manifest.generation == 1  # nothing committed
        encoder.encode_documents = original
        report = service.apply(add=NEW, abandoned=threading.Event())  # a client that stays
        assert report.count == 50
    finally:
        service.close()


def test_a_stopping_server_commits_a_running_write_whole_or_not_at_all(tmp_path, bundled_entries):
    encoder = FakeEncoder()
    service = _service_on(tmp_path, bundled_entries[:10], encoder)
    original = encoder.encode_documents

    def stopping(texts, progress=None):  # SIGTERM arrives while the write embeds
        service.stopping.set()
        return original(texts, progress)

    encoder.encode_documents = stopping
    try:
        with pytest.raises(WriteAbandoned):
            service.apply(add=NEW)
        index = load_index_dir(tmp_path / "index")
        assert index.manifest.generation == 1 and index.manifest.count == 10
    finally:
        service.close()


def test_a_write_never_builds_on_a_segment_damaged_since_it_was_loaded(tmp_path, bundled_entries):
    """The server holds verified segments and reuses them; one whose file changed
    on disk is verified again, and a damaged one stops the write (503 in the API)."""
    encoder = FakeEncoder()
    service = _service_on(tmp_path, bundled_entries[:10], encoder)
    try:
        vectors = next((tmp_path / "index" / "segments").glob("*/vectors.*"))
        os.truncate(vectors, vectors.stat().st_size // 2)
        with pytest.raises(IndexLoadError, match="damaged or truncated.*glossa rebuild"):
            service.apply(add=NEW[:1])
        assert load_manifest_generation(tmp_path / "index") == 1  # nothing committed on it
    finally:
        service.close()


def load_manifest_generation(path):
    return read_manifest(path).generation
