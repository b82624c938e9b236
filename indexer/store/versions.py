"""The versions an index keeps, and bringing one back.

Every write keeps the manifest it replaced (``manifest.previous.json`` and the
last ``keep_versions`` of them in ``history/``), and the files they name stay
until no kept manifest names them; a full build keeps the directories it
replaced (``.<index>.backup``, ``.backup.1``...). So one mistake's undo survives
the next writes: ``glossa restore`` takes the version before the last change,
``glossa restore --list`` shows every kept one and ``--to GENERATION`` brings
back any of them. A restore is itself a write, so it can be undone.
"""

from __future__ import annotations

import dataclasses
import shutil
from dataclasses import dataclass
from pathlib import Path

from glossa.indexer.store.files import fsync_file
from glossa.indexer.store.index_dir import (
    MANIFEST,
    PREVIOUS,
    IndexLoadError,
    Manifest,
    _load,
    backup_path,
    install_index_dir,
    kept_versions,
    load_index_dir,
    new_index_dir,
    read_manifest,
    write_manifest,
)
from glossa.indexer.store.locking import index_lock
from glossa.indexer.store.vectors import FAISS_STORE, StoreConfig

CURRENT, WRITE, FULL_BUILD = "current", "before a write", "before a full build"


@dataclass(frozen=True)
class Version:
    generation: int
    count: int
    built_at: str
    kind: str  # CURRENT, WRITE (in this directory) or FULL_BUILD (a backup directory)
    where: Path  # the directory holding it

    def to_dict(self) -> dict:
        return {"generation": self.generation, "count": self.count, "built_at": self.built_at,
                "kind": self.kind}  # fmt: skip


def versions(out: Path, keep: int = FAISS_STORE.keep_versions) -> list[Version]:
    """Every version of the index at ``out`` that can be brought back, newest first
    (the current one first); ``keep``: how many full-build backups are kept."""
    out = out.resolve()
    found: list[Version] = []
    seen: set[tuple[Path, int]] = set()

    def add(manifest: Manifest | None, kind: str, where: Path) -> None:
        if manifest is not None and (where, manifest.generation) not in seen:
            seen.add((where, manifest.generation))
            found.append(Version(manifest.generation, manifest.count, manifest.built_at, kind,
                                 where))  # fmt: skip

    if (out / MANIFEST).is_file():
        add(read_manifest(out), CURRENT, out)
        for manifest in kept_versions(out):
            add(manifest, WRITE, out)
    for age in range(max(1, keep)):
        backup = backup_path(out, age)
        if (backup / MANIFEST).is_file():
            add(read_manifest(backup), FULL_BUILD, backup)
    return found


def restore_version(out: Path, generation: int | None = None,
                    store: StoreConfig = FAISS_STORE) -> Manifest:  # fmt: skip
    """Make a kept version current again, under the exclusive lock: ``generation``,
    or (None) the version before the last write, else the directory the last full
    build replaced. The version it replaces is kept in turn, so a restore can
    itself be undone. Verified before anything moves."""
    out = out.resolve()
    with index_lock(out, exclusive=True):
        current = read_manifest(out) if (out / MANIFEST).is_file() else None
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
        new_generation = (current.generation if current else 0) + 1
        if chosen.where == out and current is not None:
            manifest = next(m for m in kept_versions(out) if m.generation == chosen.generation)
            _load(out, manifest, store, None, verify=True)
            manifest = manifest.model_copy(update={"generation": new_generation})
            write_manifest(out, manifest, store)
            return manifest
        return _install_backup(out, chosen.where, new_generation, store)


def _install_backup(out: Path, backup: Path, generation: int, store: StoreConfig) -> Manifest:
    """A full build's backup, copied in as the current version (the backup stays)."""
    restored = load_index_dir(backup, locked=True, store=store)
    tmp = new_index_dir(out)
    try:
        shutil.copytree(backup, tmp, dirs_exist_ok=True)
        (tmp / PREVIOUS).unlink(missing_ok=True)
        manifest = restored.manifest.model_copy(update={"generation": generation})
        (tmp / MANIFEST).write_text(manifest.model_dump_json(indent=1), encoding="utf-8")
        for file in tmp.rglob("*"):
            if file.is_file():
                fsync_file(file)
        install_index_dir(tmp, out, dataclasses.replace(FAISS_STORE, keep_versions=store.keep_versions))
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return manifest
