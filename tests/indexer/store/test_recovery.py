"""Recovery keeps everything readable and names everything lost (issue 28: a
rebuild after a lost manifest resurrected deleted entries, dropped every review
and restarted the generation at 1; one after a truncated entries file lost
entries without naming one)."""

from __future__ import annotations

import dataclasses
import os

import pytest
from glossa.indexer.build import build_index
from glossa.indexer.rebuild import rebuild_index
from glossa.indexer.store.index_dir import MANIFEST
from glossa.indexer.store.reader import load_index_dir
from glossa.indexer.store.recovery import lineage
from glossa.indexer.writes import apply_changes, optimize, record_review

from tests.fakes import FakeEncoder

TITLES = {"pl-a": {"title": "Słownik A"}}


@pytest.fixture()
def history_index(tmp_path, bundled_entries):
    """An index with a past: several writes, deletes in two segments, a merge,
    an update and an accepted review, as an index used for a while has."""
    mixed = bundled_entries[:30] + [e for e in bundled_entries if e.lang != "pl"][:30]
    entries = [dataclasses.replace(e, source="pl-a") if i < 20 else e
               for i, e in enumerate(mixed)]  # fmt: skip
    path = tmp_path / "idx"
    build_index(entries[:40], FakeEncoder(), path, source_titles=TITLES)
    apply_changes(path, FakeEncoder(), add=entries[40:50])
    apply_changes(path, FakeEncoder(), delete=[entries[3].id, entries[45].id])
    optimize(path)  # the merged segment no longer holds the deleted ones
    apply_changes(path, FakeEncoder(), add=entries[50:60])
    changed = dataclasses.replace(entries[7], definition="Zmieniona definicja.")
    apply_changes(path, FakeEncoder(), update=[changed], delete=[entries[52].id, entries[11].id])
    a = entries[0].id
    b = entries[35].id  # another language
    record_review(path, a, b, "accepted")
    index = load_index_dir(path)
    _ = index.entries  # read now: the tests damage the files the entries are read from
    return path, index, changed, (a, b)


def test_a_lost_manifest_keeps_deletes_reviews_generation_and_titles(history_index):
    path, before, changed, pair = history_index
    (path / MANIFEST).unlink()
    report = rebuild_index(path, FakeEncoder())
    after = load_index_dir(path)
    assert {e.id for e in after.entries} == {e.id for e in before.entries}  # none back, none lost
    assert after.get(changed.id) == changed  # the newest version of an updated entry
    assert after.manifest.generation > before.manifest.generation
    assert after.manifest.source_titles == before.manifest.source_titles
    assert {(r.a, r.b, r.decision) for r in after.reviews} == {
        (r.a, r.b, r.decision) for r in before.reviews
    }
    assert {pair} <= {(r.a, r.b) for r in after.reviews}
    assert report.lost_ids == () and report.unnamed == 0
    # segment names go on from the highest ever used: none is used twice
    used = {i.name for i in before.manifest.segments}
    assert not used & {i.name for i in after.manifest.segments}


def test_a_damaged_manifest_is_pieced_together_the_same_way(history_index):
    path, before, _, _ = history_index
    (path / MANIFEST).write_text('{"format_version": 4, "mod', encoding="utf-8")
    assert lineage(path).generation >= before.manifest.generation
    rebuild_index(path, FakeEncoder())
    assert {e.id for e in load_index_dir(path).entries} == {e.id for e in before.entries}


def test_a_truncated_entries_file_keeps_every_readable_entry_and_names_the_rest(history_index):
    path, before, _, _ = history_index
    biggest = max(before.manifest.segments, key=lambda i: i.count)
    file = path / "segments" / biggest.name / "entries.jsonl"
    lines = file.read_bytes().splitlines(keepends=True)
    segment = next(s for s in before.segments if s.info.name == biggest.name)
    dead = before.dead[before.segments.index(segment)]
    cut = {segment.entries[r].id for r in range(20, biggest.count) if not dead[r]}
    os.truncate(file, sum(len(line) for line in lines[:20]) + 30)  # cut inside line 21
    report = rebuild_index(path, FakeEncoder())
    after = load_index_dir(path)
    assert set(report.lost_ids) == cut
    assert {e.id for e in after.entries} == {e.id for e in before.entries} - cut
    assert report.lost_file is not None
    assert set(report.lost_file.read_text(encoding="utf-8").split()) == cut
    report.lost_file.unlink()


def test_a_line_damaged_in_the_middle_costs_that_line_only(history_index):
    path, before, _, _ = history_index
    info = before.manifest.segments[-1]
    file = path / "segments" / info.name / "entries.jsonl"
    lines = file.read_text(encoding="utf-8").splitlines(keepends=True)
    segment = before.segments[-1]
    damaged = next(r for r in range(len(lines)) if not before.dead[-1][r])
    lost = segment.entries[damaged].id
    lines[damaged] = lines[damaged][:15] + "\n"
    file.write_text("".join(lines), encoding="utf-8")
    report = rebuild_index(path, FakeEncoder())
    assert report.lost_ids == (lost,)
    assert {e.id for e in load_index_dir(path).entries} == {e.id for e in before.entries} - {lost}
    assert any(f"entries.jsonl:{damaged + 1}:" in line for line in report.lost)
    report.lost_file.unlink()
