import threading

import numpy as np
import pytest
from glossa.api.errors import STATUS
from glossa.corpus.entry import Entry
from glossa.indexer.build import build_index
from glossa.indexer.store.index_dir import read_manifest
from glossa.indexer.store.locking import index_lock
from glossa.indexer.store.reader import load_index_dir
from glossa.indexer.writes import ChangeError, apply_changes, plan, read_index_entries
from glossa.search.searcher import Searcher

from tests.fakes import FakeEncoder


def new_entry(n: int, **fields) -> Entry:
    values = {
        "id": f"de-new{n}",
        "term": f"Kundenaufwand {n}",
        "definition": f"Wie viel Mühe Kunden aufwenden müssen, Variante {n}.",
        "lang": "de",
        "source": "live.jsonl",
    }
    return Entry(**{**values, **fields})


@pytest.fixture()
def index(tmp_path, bundled_entries):
    out = tmp_path / "idx"
    build_index(bundled_entries[:30], FakeEncoder(), out)
    return out


def test_add_embeds_only_the_new_entry_and_keeps_other_vectors(index):
    before = load_index_dir(index)
    encoder = FakeEncoder()
    loaded, report = apply_changes(index, encoder, add=[new_entry(1)])
    assert report.added == ("de-new1",) and report.count == 31 and report.embedded == 2
    assert len(encoder.texts) == 2 and all("Kundenaufwand 1" in t for t in encoder.texts)
    again = load_index_dir(index)
    assert again.entries == loaded.entries and again.entries[-1] == new_entry(1)
    old_rows = np.arange(30)
    np.testing.assert_array_equal(again.doc_vectors()[old_rows], before.doc_vectors()[old_rows])
    np.testing.assert_array_equal(again.name_vectors[:30], before.name_vectors)
    assert read_manifest(index).generation == before.manifest.generation + 1
    hits = Searcher.of_index(again, encoder).search("Kundenaufwand 1", k=1)
    assert hits[0].id == "de-new1"


def test_definition_edit_reembeds_the_document_but_not_the_names(index, bundled_entries):
    target = bundled_entries[3]
    edited = Entry(**{**target.to_dict(), "aliases": target.aliases, "definition": "Nowa treść."})
    encoder = FakeEncoder()
    loaded, report = apply_changes(index, encoder, update=[edited])
    assert report.updated == (target.id,) and report.embedded == 1
    assert len(encoder.texts) == 1 and "Nowa treść." in encoder.texts[0]
    assert loaded.get(target.id).definition == "Nowa treść." and len(loaded.entries) == 30
    # an update is a delete plus an addition (Lucene): the new version is the live one
    assert load_index_dir(index).get(target.id).definition == "Nowa treść."


def test_delete_removes_vector_and_lexical_postings(index, bundled_entries):
    gone = bundled_entries[5]
    encoder = FakeEncoder()
    loaded, report = apply_changes(index, encoder, delete=[gone.id])
    assert report.deleted == (gone.id,) and report.embedded == 0 and report.count == 29
    assert len(loaded.doc_vectors()) == 29 and gone.id not in {e.id for e in loaded.entries}
    searcher = Searcher.of_index(load_index_dir(index), encoder)
    assert gone.id not in {h.id for h in searcher.search(gone.term, k=29, mode="lexical")}
    assert gone.id not in {h.id for h in searcher.search(gone.term, k=29, mode="dense")}
    assert searcher.get(gone.id) is None


def test_identical_retry_is_a_no_op_and_writes_nothing(index):
    apply_changes(index, FakeEncoder(), add=[new_entry(1)])
    generation = read_manifest(index).generation
    _, report = apply_changes(index, FakeEncoder(), add=[new_entry(1)])
    assert report.unchanged == ("de-new1",) and not report.added
    assert read_manifest(index).generation == generation


@pytest.mark.parametrize(
    ("kwargs", "status", "message"),
    [
        ({"add": [new_entry(1, id="pl-x")]}, 409, None),
        ({"update": [new_entry(9)]}, 404, "no entry with id 'de-new9'"),
        ({"delete": ["nope"]}, 404, "no entry with id 'nope'"),
        ({"add": [new_entry(2)], "delete": ["de-new2"]}, 409, "more than once"),
    ],
)
def test_contradicting_changes_are_refused_and_nothing_is_written(index, kwargs, status, message):
    current = list(load_index_dir(index).entries)
    if status == 409:  # an entry with an existing id but different content
        kwargs = {"add": [Entry(**{**current[0].to_dict(), "aliases": (), "definition": "x"})]}
        message = "already exist"
    generation = read_manifest(index).generation
    with pytest.raises(ChangeError, match=message) as info:
        apply_changes(index, FakeEncoder(), **kwargs)
    assert STATUS[info.value.kind][0] == status  # what the API answers
    assert read_manifest(index).generation == generation


def test_upsert_replaces_existing_entries(index, bundled_entries):
    current = load_index_dir(index)
    changed = Entry(**{**bundled_entries[1].to_dict(), "aliases": (), "definition": "x"})
    written, gone, report = plan(current, add=[changed, new_entry(1)], upsert=True)
    assert [e.id for e in written] == [changed.id, "de-new1"] and written[0] is changed
    assert gone == [current.row_of(changed.id)] and report.updated == (changed.id,)
    assert report.count == 31


def test_deleting_everything_is_refused(index):
    ids = [e.id for e in load_index_dir(index).entries]
    with pytest.raises(ChangeError, match="leave the index empty"):
        apply_changes(index, FakeEncoder(), delete=ids)


def test_read_index_entries_for_rebuild(index, bundled_entries):
    assert read_index_entries(index) == bundled_entries[:30]


def test_changes_need_the_same_model(index):
    with pytest.raises(Exception, match="built with model 'fake-encoder'"):
        apply_changes(index, FakeEncoder(model_name="other"), add=[new_entry(1)])


def test_a_write_embeds_without_holding_the_exclusive_lock(index, bundled_entries):
    """While a large write embeds, other writers and checks go on (issue 28: one
    maximum-size POST held the lock for minutes); what they commit meanwhile is
    kept, and the write commits on top of it."""
    embedding, go = threading.Event(), threading.Event()

    class Pausing(FakeEncoder):
        def encode_documents(self, texts, progress=None):
            embedding.set()
            assert go.wait(30)
            return super().encode_documents(texts, progress)

    new = Entry("de-big", "Großer Import", "Ein langer Text.", "de", "api")
    outcome = {}
    writer = threading.Thread(
        target=lambda: outcome.update(done=apply_changes(index, Pausing(), add=[new])), daemon=True
    )
    writer.start()
    assert embedding.wait(30)
    try:
        with index_lock(index.resolve(), exclusive=True, timeout=0):  # free now, not in minutes
            pass
        meanwhile, _ = apply_changes(index, None, delete=[bundled_entries[0].id])
    finally:
        go.set()
    writer.join(30)
    loaded, report = outcome["done"]
    assert list(report.added) == ["de-big"]
    assert loaded.manifest.generation == meanwhile.manifest.generation + 1
    final = load_index_dir(index)
    assert final.get("de-big") == new and final.get(bundled_entries[0].id) is None
