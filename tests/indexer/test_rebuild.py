"""A rebuild keeps every write confirmed while it embedded (issue 28: a rebuild
used to commit its snapshot over an add made meanwhile, and the add was gone)."""

from __future__ import annotations

import dataclasses
import threading

import numpy as np
import pytest
from glossa.api.service import SearchService
from glossa.corpus.entry import Entry
from glossa.indexer import rebuild as rebuild_module
from glossa.indexer.build import build_index
from glossa.indexer.document_text import DEFAULT_RECIPE, document_text
from glossa.indexer.rebuild import rebuild_index
from glossa.indexer.store.reader import load_index_dir
from glossa.indexer.writes import apply_changes
from glossa.search.searcher import Searcher

from glossa.settings import Settings
from glossa.termbase import open_termbase
from tests.fakes import FakeEncoder


class PausingEncoder(FakeEncoder):
    """Stops inside its first bulk embedding until the test lets it go, so a
    write can commit while a rebuild is embedding."""

    def __init__(self) -> None:
        super().__init__()
        self.embedding, self.go = threading.Event(), threading.Event()

    def encode_documents(self, texts, progress=None):
        if not self.embedding.is_set():
            self.embedding.set()
            assert self.go.wait(60), "the test never let the rebuild go on"
        return super().encode_documents(texts, progress)


NEW = Entry("pl-meanwhile", "Wpis dodany w trakcie", "Dodany, gdy trwała przebudowa.", "pl", "cli")


def _write_meanwhile(path, entries):
    """What another writer (the CLI, the API) commits while the rebuild embeds."""
    changed = dataclasses.replace(entries[1], definition="Zmieniona w trakcie przebudowy.")
    loaded, _ = apply_changes(path, FakeEncoder(), add=[NEW], update=[changed],
                              delete=[entries[2].id])  # fmt: skip
    return loaded.manifest.generation, changed


def _assert_kept(path, entries, changed, confirmed_generation):
    index = load_index_dir(path)
    assert index.manifest.generation > confirmed_generation
    assert index.get(NEW.id) == NEW  # the add confirmed meanwhile
    assert index.get(changed.id) == changed  # the update
    assert index.get(entries[2].id) is None  # the delete
    assert index.manifest.count == len(entries)  # 30 + 1 added - 1 deleted
    # the carried entries were embedded from their own text, not left blank or stale
    for entry in (NEW, changed):
        stored = index.vectors_of(np.array([index.row_of(entry.id)]))[0]
        expected = FakeEncoder().encode_documents([document_text(entry, DEFAULT_RECIPE)])[0]
        np.testing.assert_allclose(stored, expected, atol=1e-6)


def _run_rebuild_with_a_write_meanwhile(path, entries):
    encoder = PausingEncoder()
    outcome: dict = {}
    thread = threading.Thread(
        target=lambda: outcome.update(report=rebuild_index(path, encoder)), daemon=True
    )
    thread.start()
    assert encoder.embedding.wait(60)
    confirmed, changed = _write_meanwhile(path, entries)
    encoder.go.set()
    thread.join(120)
    assert not thread.is_alive()
    return outcome["report"], confirmed, changed


@pytest.fixture()
def index(tmp_path, bundled_entries):
    build_index(bundled_entries[:30], FakeEncoder(), tmp_path / "index")
    return tmp_path / "index"


def test_a_rebuild_with_no_write_meanwhile_carries_nothing(index, bundled_entries):
    report = rebuild_index(index, FakeEncoder())
    assert report.carried == 0 and report.lost == []
    assert load_index_dir(index).entries == tuple(bundled_entries[:30])


def test_a_write_confirmed_while_the_rebuild_embeds_is_kept(index, bundled_entries):
    report, confirmed, changed = _run_rebuild_with_a_write_meanwhile(index, bundled_entries[:30])
    assert report.carried == 3  # added, updated, deleted
    _assert_kept(index, bundled_entries[:30], changed, confirmed)


def test_a_write_that_slips_in_before_the_commit_is_carried_under_the_lock(
    index, bundled_entries, monkeypatch
):
    monkeypatch.setattr(rebuild_module, "CATCH_UP_ROUNDS", 0)  # no catch-up before the lock
    report, confirmed, changed = _run_rebuild_with_a_write_meanwhile(index, bundled_entries[:30])
    assert report.carried == 3
    _assert_kept(index, bundled_entries[:30], changed, confirmed)


def test_the_servers_rebuild_keeps_a_cli_write_made_meanwhile(index, bundled_entries):
    encoder = PausingEncoder()
    searcher = Searcher.open(index, encoder)
    service = SearchService(lambda: open_termbase(None, Settings(), searcher=searcher))
    service.start(background=False)
    try:
        assert service.start_rebuild()
        assert encoder.embedding.wait(60)
        confirmed, changed = _write_meanwhile(index, bundled_entries[:30])
        encoder.go.set()
        service.writer.submit(lambda: None).result(120)  # the rebuild has run
        assert service.last_reload_error is None
        assert service.searcher.get(NEW.id) == NEW
        assert service.searcher.index.manifest.generation > confirmed
        _assert_kept(index, bundled_entries[:30], changed, confirmed)
    finally:
        service.close()
