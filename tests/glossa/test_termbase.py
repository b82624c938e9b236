"""``Termbase``: one object per termbase that follows every commit, builds what a
version needs once, and keeps answering when a new version cannot be opened."""

from __future__ import annotations

import dataclasses
import threading

import pytest
from glossa.corpus.entry import Entry
from glossa.indexer.build import build_index
from glossa.indexer.store.versions import restore_version
from glossa.indexer.writes import apply_changes
from glossa.recognition import recognizer as recognizer_module

from glossa.settings import Settings
from glossa.termbase import LocalTermbase, open_termbase
from tests.fakes import FakeEncoder

NEW = Entry("de-neu", "Kundenaufwandswert", "Wie viel Mühe Kunden aufwenden.", "de", "test")


@pytest.fixture()
def termbase(tmp_path, bundled_entries):
    encoder = FakeEncoder()
    build_index(bundled_entries[:30], encoder, tmp_path / "idx")
    settings = Settings(index_dir=tmp_path / "idx", model_cache_dir=tmp_path / "models")
    found = open_termbase(None, settings, encoder=encoder)
    assert isinstance(found, LocalTermbase)
    return found


def test_a_commit_by_another_writer_is_read_by_the_next_call(termbase):
    before = termbase.current()
    apply_changes(termbase.path, termbase.encoder, add=[NEW])  # another process's `glossa add`
    after = termbase.current()
    assert after is not before and after.generation == before.generation + 1
    assert termbase.get("de-neu") == NEW
    assert termbase.current() is after  # nothing new: the same version, one stat
    restore_version(termbase.path)  # `glossa restore`: back to the version before the add
    assert termbase.get("de-neu") is None and termbase.last_error is None
    assert termbase.searcher.index.manifest.count == 30


def test_own_writes_are_current_when_they_return(termbase):
    held = termbase.current()
    report = termbase.change(add=[NEW])
    assert termbase.current().generation == report.generation != held.generation
    assert termbase.searcher.search("Kundenaufwandswert", k=1)[0].id == "de-neu"
    changed = dataclasses.replace(NEW, definition="Neu.")
    termbase.change(update=[changed])
    assert termbase.get("de-neu") == changed


def test_a_herd_of_first_callers_builds_one_recognizer_per_version(termbase, monkeypatch):
    built = []
    original = recognizer_module.Recognizer.__init__

    def counting(self, *args, **kwargs):
        built.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(recognizer_module.Recognizer, "__init__", counting)
    start = threading.Barrier(8)
    got = []

    def ask():
        start.wait()
        got.append(termbase.recognizer())

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(built) == 1 and all(r is got[0] for r in got)
    termbase.change(add=[NEW])  # a new version: one more recognizer, built once
    assert termbase.recognizer() is termbase.recognizer() is not got[0] and len(built) == 2


def test_a_version_that_cannot_be_opened_leaves_the_held_one_answering(termbase):
    held = termbase.current()
    apply_changes(termbase.path, termbase.encoder, add=[NEW])
    manifest = termbase.path / "manifest.json"
    good = manifest.read_bytes()
    manifest.write_bytes(b"damaged\n")  # a half-written hand edit, a bad disk
    assert termbase.current() is held and termbase.last_error is not None
    assert termbase.searcher.search("NPS", k=1)  # still answering, from the held version
    assert termbase.current() is held  # the same damage is not retried on every call
    manifest.write_bytes(good + b" ")  # repaired: the next call opens it
    assert termbase.current().generation == held.generation + 1 and termbase.last_error is None
