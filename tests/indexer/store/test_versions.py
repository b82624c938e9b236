"""A full build is a commit like any other write: the version it replaces is kept
in the same directory and restored the same way; an older Glossa's backup
directories are still restored, as commits; a directory Glossa cannot read is
set aside whole, never written into."""

from __future__ import annotations

import json
import shutil

import pytest
from glossa.indexer.build import build_index
from glossa.indexer.store.index_dir import (
    MANIFEST,
    PSEUDO,
    backup_path,
)
from glossa.indexer.store.reader import load_index_dir
from glossa.indexer.store.versions import BEFORE, CURRENT, OLD_BACKUP, restore_version, versions
from glossa.indexer.writes import apply_changes

from tests.fakes import FakeEncoder


def test_a_full_build_keeps_the_version_it_replaced_and_restore_brings_it_back(
    tmp_path, bundled_entries
):
    out = tmp_path / "idx"
    first = build_index(bundled_entries[:20], FakeEncoder(), out)
    second = build_index(bundled_entries[20:30], FakeEncoder(), out)
    assert second.generation == first.generation + 1
    assert second.pseudo != first.pseudo  # each build's sample is its own file
    listed = versions(out)
    assert [(v.generation, v.kind) for v in listed] == [
        (second.generation, CURRENT), (first.generation, BEFORE["build"])]  # fmt: skip
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == [".idx.lock"]
    restored = restore_version(out)
    assert load_index_dir(out).entries == tuple(bundled_entries[:20])
    assert restored.made_by == "restore" and restored.pseudo == first.pseudo
    assert versions(out)[1].kind == BEFORE["restore"]
    restore_version(out)  # a restore is a commit: undone like one
    assert load_index_dir(out).entries == tuple(bundled_entries[20:30])


def test_an_older_glossas_backup_directory_is_restored_as_a_commit(tmp_path, bundled_entries):
    out = tmp_path / "idx"
    build_index(bundled_entries[:20], FakeEncoder(), out)
    apply_changes(out, FakeEncoder(), delete=[bundled_entries[0].id])  # a deletes file
    # what an older Glossa left: the replaced directory beside the index, with
    # the unversioned sample name, and a new index built in its place
    legacy = backup_path(out)
    shutil.copytree(out, legacy)
    manifest = json.loads((legacy / MANIFEST).read_text())
    (legacy / manifest["pseudo"]).rename(legacy / PSEUDO)
    del manifest["pseudo"], manifest["made_by"]
    (legacy / MANIFEST).write_text(json.dumps(manifest))
    held = load_index_dir(legacy).entries
    build_index(bundled_entries[40:45], FakeEncoder(), out)
    shutil.rmtree(out / "history")  # an older Glossa's build started a directory afresh
    (out / "manifest.previous.json").unlink()
    before = {p.relative_to(legacy): p.read_bytes() for p in legacy.rglob("*") if p.is_file()}

    old = [v for v in versions(out) if v.kind == OLD_BACKUP]
    assert [v.generation for v in old] == [manifest["generation"]]
    restored = restore_version(out, old[0].generation)
    assert load_index_dir(out).entries == held == tuple(bundled_entries[1:20])
    assert restored.made_by == "restore" and restored.generation > manifest["generation"]
    assert {s.name for s in restored.segments}.isdisjoint(s["name"] for s in manifest["segments"])
    after = {p.relative_to(legacy): p.read_bytes() for p in legacy.rglob("*") if p.is_file()}
    assert after == before  # the backup is read, never changed
    restore_version(out)  # and undone like any restore
    assert load_index_dir(out).entries == tuple(bundled_entries[40:45])


@pytest.mark.parametrize("damage", ["manifest", "format"])
def test_a_build_over_an_unreadable_index_sets_it_aside_whole(tmp_path, bundled_entries, damage):
    out = tmp_path / "idx"
    build_index(bundled_entries[:20], FakeEncoder(), out)
    manifest = json.loads((out / MANIFEST).read_text())
    if damage == "manifest":
        (out / MANIFEST).write_text("{trunc")
    else:
        (out / MANIFEST).write_text(json.dumps({**manifest, "format_version": 3}))
    old_files = sorted(p.relative_to(out) for p in out.rglob("*"))
    built = build_index(bundled_entries[20:25], FakeEncoder(), out)
    assert load_index_dir(out).entries == tuple(bundled_entries[20:25])
    assert built.generation > manifest["generation"]  # the lineage goes on
    (aside,) = tmp_path.glob(".idx.unreadable-*")
    assert sorted(p.relative_to(aside) for p in aside.rglob("*")) == old_files


def test_a_folder_with_files_but_no_readable_version_is_set_aside_never_emptied(
    tmp_path, bundled_entries
):
    """A lost manifest (or a killed first build) leaves segments no version names:
    a build moves the folder aside whole rather than cleaning them away."""
    out = tmp_path / "idx"
    build_index(bundled_entries[:5], FakeEncoder(), out)
    (out / MANIFEST).unlink()
    segments = sorted(p.name for p in (out / "segments").iterdir())
    build_index(bundled_entries[5:10], FakeEncoder(), out)
    assert load_index_dir(out).entries == tuple(bundled_entries[5:10])
    (aside,) = tmp_path.glob(".idx.unreadable-*")
    assert sorted(p.name for p in (aside / "segments").iterdir()) == segments


def test_a_damaged_manifest_is_restored_from_and_a_failed_write_removes_nothing(
    tmp_path, bundled_entries
):
    out = tmp_path / "idx"
    build_index(bundled_entries[:20], FakeEncoder(), out)
    apply_changes(out, FakeEncoder(), add=bundled_entries[20:22])
    (out / MANIFEST).write_text("{trunc")
    on_disk = sorted(p.relative_to(out) for p in out.rglob("*"))
    with pytest.raises(Exception, match="damaged"):
        apply_changes(out, FakeEncoder(), add=bundled_entries[22:23])
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == on_disk  # nothing cleaned
    kept = versions(out)
    assert [v.kind for v in kept][:1] == [BEFORE["write"]]  # listed though the current is lost
    restore_version(out)
    assert load_index_dir(out).entries == tuple(bundled_entries[:20])
    (aside,) = tmp_path.glob(".idx.unreadable-*")  # the newest segment stays readable there
    assert {p.name for p in (aside / "segments").iterdir()} >= {"s000002"}
