"""The versions an index keeps, and bringing one back.

Every commit (a write, a full build, a restore) keeps the manifest it replaced
(``manifest.previous.json`` and the last ``keep_versions`` of them in
``history/``), and the files they name stay until no kept manifest names them.
So one mistake's undo survives the next changes: ``glossa restore`` takes the
version before the last change, ``glossa restore --list`` shows every kept one
and ``--to GENERATION`` brings back any of them. A restore is itself a commit
(a manifest naming the kept version's files), so it can be undone.

An older Glossa kept the directories its full builds replaced beside the index
(``.<index>.backup``, ``.backup.1``...). They are still listed, and restoring
one commits its files into the index like any other version.
"""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from glossa.indexer.store.files import fsync_dir, fsync_file
from glossa.indexer.store.index_dir import (
    BUILD,
    FORMAT_VERSION,
    RESTORE,
    WRITE,
    IndexLoadError,
    Manifest,
    backup_path,
    cleaned_on_failure,
    current_manifest,
    kept_versions,
    pseudo_file,
    unreadable_path,
    writable_dir,
    write_manifest,
    write_reviews,
)
from glossa.indexer.store.locking import index_lock
from glossa.indexer.store.reader import _load, load_index_dir
from glossa.indexer.store.recovery import lineage
from glossa.indexer.store.segments import DELETES, SEGMENTS, segment_name
from glossa.indexer.store.vectors import FAISS_STORE, StoreConfig

CURRENT = "current"
# a kept version, named by what replaced it (the next version's ``made_by``)
BEFORE = {WRITE: "before a write", BUILD: "before a full build", RESTORE: "before a restore"}
OLD_BACKUP = "before a full build (older Glossa's backup)"


@dataclass(frozen=True)
class Version:
    generation: int
    count: int
    built_at: str
    kind: str  # CURRENT, one of BEFORE's values, or OLD_BACKUP
    where: Path  # the directory holding it

    def to_dict(self) -> dict:
        return {"generation": self.generation, "count": self.count, "built_at": self.built_at,
                "kind": self.kind}  # fmt: skip


def versions(out: Path, keep: int = FAISS_STORE.keep_versions) -> list[Version]:
    """Every version of the index at ``out`` that can be brought back, newest first
    (the current one first); ``keep``: how many of an older Glossa's full-build
    backups are looked for."""
    out = out.resolve()
    found: list[Version] = []
    seen: set[tuple[Path, int]] = set()

    def add(manifest: Manifest | None, kind: str, where: Path) -> None:
        if manifest is not None and (where, manifest.generation) not in seen:
            seen.add((where, manifest.generation))
            found.append(Version(manifest.generation, manifest.count, manifest.built_at, kind,
                                 where))  # fmt: skip

    if out.is_dir():
        # the kept versions are listed even when the current manifest is damaged
        # or lost: they are the way back from it
        current = current_manifest(out)
        kept = kept_versions(out)
        made_by = {m.generation: m.made_by for m in (*kept, *([current] if current else []))}
        add(current, CURRENT, out)
        for manifest in kept:
            add(manifest, BEFORE.get(made_by.get(manifest.generation + 1, WRITE), BEFORE[WRITE]), out)
    for age in range(max(1, keep)):
        backup = backup_path(out, age)
        add(current_manifest(backup), OLD_BACKUP, backup)  # a damaged backup is not listed
    return found


def restore_version(out: Path, generation: int | None = None,
                    store: StoreConfig = FAISS_STORE) -> Manifest:  # fmt: skip
    """Make a kept version current again, under the exclusive lock: ``generation``,
    or (None) the version before the last change. The version it replaces is
    kept in turn, so a restore can itself be undone. Verified before anything moves."""
    out = out.resolve()
    with index_lock(out, exclusive=True):
        current = current_manifest(out)
        kept = [v for v in versions(out, store.keep_versions) if v.kind != CURRENT]
        if generation is not None:
            kept = [v for v in kept if v.generation == generation]
            if not kept:
                raise IndexLoadError(
                    f"no kept version of {out} has generation {generation}; "
                    f"`glossa restore --list --index {out}` shows the kept ones")  # fmt: skip
        if not kept:
            raise IndexLoadError(f"no previous version of {out} is kept (nothing to restore)")
        chosen = kept[0]
        new_generation = (current.generation if current else lineage(out).generation) + 1
        if chosen.where == out:  # also the way back from a damaged current manifest
            manifest = next(m for m in kept_versions(out) if m.generation == chosen.generation)
            _load(out, manifest, store, None, verify=True)
            if current is None:  # what only the unreadable version names would be cleaned
                _keep_aside(out)
            manifest = manifest.model_copy(update={"generation": new_generation,
                                                   "made_by": RESTORE})  # fmt: skip
            write_manifest(out, manifest, store)
            return manifest
        return _commit_backup(out, chosen.where, new_generation, store)


def _commit_backup(out: Path, backup: Path, generation: int, store: StoreConfig) -> Manifest:
    """An older Glossa's full-build backup, committed as the current version: its
    files are linked (or copied) in under fresh segment names, so nothing the
    index's own versions name is touched, and the backup stays as it was."""
    restored = load_index_dir(backup, locked=True, store=store).manifest
    number = lineage(out).next_segment
    writable_dir(out)
    with cleaned_on_failure(out, store):
        infos = []
        for info in restored.segments:
            name = segment_name(number)
            number += 1
            shutil.copytree(backup / SEGMENTS / info.name, out / SEGMENTS / name,
                            copy_function=_link_or_copy)  # fmt: skip
            fsync_dir(out / SEGMENTS / name)
            update = {"name": name}
            if info.deletes:
                (out / DELETES).mkdir(exist_ok=True)
                update["deletes"] = f"{name}.g{generation:08d}.npy"
                _link_or_copy(backup / DELETES / info.deletes, out / DELETES / update["deletes"])
            infos.append(info.model_copy(update=update))
        fsync_dir(out / SEGMENTS)
        pseudo = pseudo_file(generation)  # the same bytes, so the same checksum
        _link_or_copy(backup / restored.pseudo, out / pseudo)
        reviews = None
        if restored.reviews:
            reviews = write_reviews(out, _load(backup, restored, store, None, verify=False).reviews,
                                    generation)  # fmt: skip
        manifest = restored.model_copy(update={
            "format_version": FORMAT_VERSION, "segments": tuple(infos), "next_segment": number,
            "generation": generation, "pseudo": pseudo, "reviews": reviews[0] if reviews else None,
            "reviews_sha256": reviews[1] if reviews else None, "made_by": RESTORE,
        })  # fmt: skip
        write_manifest(out, manifest, store)
    return manifest


def _keep_aside(out: Path) -> Path:
    """A copy of ``out`` beside it (hard links: no space, no time), before a
    commit over a manifest nobody can read: the segments only that version
    named stay readable there (``glossa export --salvage --index`` the copy)."""
    aside = unreadable_path(out)
    shutil.copytree(out, aside, copy_function=_link_or_copy)
    logging.getLogger(__name__).warning(
        "the current manifest of %s cannot be read; its files are kept in %s", out, aside)
    return aside


def _link_or_copy(source: Path | str, target: Path | str) -> None:
    """Segment files are immutable: a hard link shares them at no cost; a copy
    where links are not possible (another file system)."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)
        fsync_file(Path(target))
