"""The index directory (format 4): a manifest of immutable segments.

    manifest.json            the commit point: model, counts, the segments and their deletes
    manifest.previous.json   the version before the last write (``glossa restore``)
    history/manifest.g<gen>.json  the last replaced versions (``glossa restore --to``)
    pseudo.g<gen>.npy        the pseudo-query sample new entries are standardised
                             against, as of the full build that made it (``pseudo.npy``
                             in an index built before samples were versioned)
    segments/s000001/ ...    immutable segments (``store.segments``)
    deletes/<seg>.g<gen>.npy which rows of a segment are gone, as of a generation
    reviews.g<gen>.jsonl     reviewers' decisions on equivalents, as of a generation

A write (``indexer.writes``) adds files and then renames a new ``manifest.json``
into place: that rename is the commit, so a reader (or a crash) sees the whole
old or the whole new version and never a mix, and a write costs what it
changes. Files no manifest names any more are removed after the commit (files
named by a kept manifest stay, so the last writes can be undone). A full build
is a commit like any other: fresh segments and a fresh pseudo-query sample,
then a manifest naming only them; the version it replaced is kept like the
one a write replaces. There is one way to commit and one way to undo.

Writers hold the directory's exclusive lock (``store.locking``), loaders a
shared one. ``failpoint`` calls mark the steps the crash tests kill a writer at.
Reading a committed version, checked file by file, is ``store.reader``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from glossa.corpus.entry import Entry
from glossa.corpus.reviews import Review
from glossa.indexer.store.files import failpoint, fsync_dir, fsync_file, sha256_file
from glossa.indexer.store.hints import (  # noqa: F401  (re-exported: where callers find them)
    missing_index_hint,
    rebuild_hint,
    reembed_hint,
    sources_hint,
)
from glossa.indexer.store.segments import (
    DELETES,
    SEGMENTS,
    SegmentInfo,
    discard_segment_dir,
)
from glossa.indexer.store.vectors import FAISS_STORE, StoreConfig
from pydantic import BaseModel, ConfigDict, ValidationError

from glossa.errors import ErrorKind, GlossaError

# 4: segments carry lookup.npz (entries read on demand); 5: the pseudo-query sample
# is named by the manifest (pseudo.g<generation>.npy). Both are read; a full build
# writes 5, so an older Glossa says "format version 5" instead of "sample missing"
FORMAT_VERSION = 5
READABLE_FORMATS = (4, 5)
MANIFEST = "manifest.json"
PREVIOUS = "manifest.previous.json"
HISTORY = "history"  # manifest.g<generation>.json of the last replaced versions
PSEUDO = "pseudo.npy"  # the sample's file in an index built before samples were versioned
BUILD, WRITE, RESTORE = "build", "write", "restore"  # Manifest.made_by
ENTRIES = "entries.jsonl"  # inside each segment (and at the top of a format-2 index)


class IndexLoadError(GlossaError, RuntimeError):
    """The index directory is missing, damaged, or does not fit the settings."""

    kind = ErrorKind.DAMAGED


class Manifest(BaseModel):
    model_config = ConfigDict(frozen=True, protected_namespaces=())

    format_version: int
    model: str
    dimension: int
    count: int  # live entries
    index_kind: str
    doc_text: str
    analyzer: str
    corpus_checksum: str
    built_at: str
    build_seconds: float
    sources: dict[str, int]
    languages: dict[str, int]
    glossa_version: str
    segments: tuple[SegmentInfo, ...]
    next_segment: int
    pseudo_sha256: str
    generation: int = 0  # +1 per write: readers tell "changed on disk" from "same"
    backend: str = "faiss"  # where the vectors live: the segments, or Milvus collections
    reviews: str | None = None  # reviews.g<generation>.jsonl, once a reviewer decided anything
    reviews_sha256: str | None = None
    # source id -> {"title", "publisher"?, "url"?}: what people read instead of file names
    source_titles: dict[str, dict[str, str]] = {}
    pseudo: str = PSEUDO  # the pseudo-query sample's file: each full build writes its own
    made_by: str = WRITE  # BUILD, WRITE or RESTORE: how this version replaced the one before

    def files(self) -> set[str]:
        """Every path (relative to the index directory) this version needs."""
        names = {MANIFEST, self.pseudo}
        for info in self.segments:
            names.add(f"{SEGMENTS}/{info.name}")
            if info.deletes:
                names.add(f"{DELETES}/{info.deletes}")
        if self.reviews:
            names.add(self.reviews)
        return names


def counts(entries: Sequence[Entry]) -> tuple[dict[str, int], dict[str, int]]:
    return (
        dict(sorted(Counter(e.source for e in entries).items())),
        dict(sorted(Counter(e.lang for e in entries).items())),
    )


# ---------------------------------------------------------------- writing


def write_manifest(path: Path, manifest: Manifest, store: StoreConfig = FAISS_STORE) -> None:
    """Commit ``manifest`` as the current version of the index at ``path`` (the
    caller holds the exclusive lock and has fsynced every file it names). The
    current manifest becomes the previous one; then files neither names are removed."""
    tmp = path / f".{MANIFEST}.tmp"
    tmp.write_text(manifest.model_dump_json(indent=1), encoding="utf-8")
    fsync_file(tmp)
    failpoint("commit:written")
    current = path / MANIFEST
    if _kept_manifest(current) is not None:  # a damaged one is no version to keep
        previous_tmp = path / f".{PREVIOUS}.tmp"
        shutil.copyfile(current, previous_tmp)
        fsync_file(previous_tmp)
        _keep_in_history(path, previous_tmp, store.keep_versions)
        os.replace(previous_tmp, path / PREVIOUS)
    os.replace(tmp, current)
    fsync_dir(path)
    failpoint("commit:renamed")
    collect_garbage(path, manifest, store)


def _keep_in_history(path: Path, manifest_file: Path, keep: int) -> None:
    """Copy a replaced version's manifest into ``history/`` (named by its
    generation) and forget the oldest beyond ``keep_versions``; the files they
    name stay until no kept manifest names them."""
    replaced = _kept_manifest(manifest_file)
    if replaced is None:
        return  # an unreadable manifest is not a version anyone can restore
    generation = replaced.generation
    folder = path / HISTORY
    folder.mkdir(exist_ok=True)
    target = folder / f"manifest.g{generation:08d}.json"
    tmp = folder / f".{target.name}.tmp"
    shutil.copyfile(manifest_file, tmp)
    fsync_file(tmp)
    os.replace(tmp, target)
    for old in sorted(folder.glob("manifest.g*.json"))[: -max(1, keep)]:
        old.unlink(missing_ok=True)
    fsync_dir(folder)


def history(path: Path) -> list[Manifest]:
    """The kept replaced versions of the index at ``path``, newest first."""
    files = sorted((path / HISTORY).glob("manifest.g*.json"), reverse=True)
    return [m for m in map(_kept_manifest, files) if m is not None]


def kept_versions(path: Path) -> list[Manifest]:
    """Every readable replaced version this directory keeps: the one before the
    last write (``manifest.previous.json``), then ``history/``, newest first."""
    previous = _previous(path)
    return ([previous] if previous else []) + history(path)


def _previous(path: Path) -> Manifest | None:
    return _kept_manifest(path / PREVIOUS)


def _kept_manifest(file: Path) -> Manifest | None:
    """A kept manifest file, or None when it is missing or unreadable (a
    version nobody can restore, not damage to the current one)."""
    try:
        return Manifest.model_validate_json(file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def collect_garbage(path: Path, manifest: Manifest, store: StoreConfig | None = None) -> None:
    """Remove segments, deletes, samples and review files that no kept manifest
    (current, previous, history) names: left by merges, older versions or
    writers that failed or were killed. What an older Glossa left mid-swap is
    finished: its temporary build removed, the version it replaced kept where
    ``glossa restore --list`` finds it."""
    for stale in path.parent.glob(f".{path.name}.building-*"):  # an older Glossa's killed build
        shutil.rmtree(stale, ignore_errors=True)
    aside = path.with_name(f".{path.name}.previous")
    if aside.exists():  # an older Glossa killed after its second rename
        age = 0
        while backup_path(path, age).exists():
            age += 1
        os.replace(aside, backup_path(path, age))
    for orphan in orphans(path, manifest):
        if orphan.parent.name == SEGMENTS:
            discard_segment_dir(orphan, store or FAISS_STORE)
        else:
            orphan.unlink(missing_ok=True)


@contextlib.contextmanager
def cleaned_on_failure(path: Path, store: StoreConfig | None = None) -> Iterator[None]:
    """For a write under the exclusive lock: if it fails part-way (a full disk,
    a damaged base), the files it wrote that no kept manifest names are removed
    at once rather than at the next write. The committed manifest is read
    again first, so a failure after the commit removes nothing it names."""
    try:
        yield
    except BaseException:
        with contextlib.suppress(Exception):  # a damaged or lost manifest: remove nothing
            collect_garbage(path, read_manifest(path), store)
        raise


def orphans(path: Path, manifest: Manifest) -> list[Path]:
    """Segment folders, deletes, samples and review files no kept manifest names
    (callers hold the exclusive lock, so no other commit's temporary files exist)."""
    keep = manifest.files()
    for kept in kept_versions(path):
        keep |= kept.files()
    found = []
    for folder in (path / SEGMENTS, path / DELETES):
        children = sorted(folder.iterdir()) if folder.is_dir() else []
        found += [child for child in children if f"{folder.name}/{child.name}" not in keep]
    for pattern in ("reviews.g*.jsonl", "pseudo*.npy"):
        found += [child for child in sorted(path.glob(pattern)) if child.name not in keep]
    return found + sorted(path.glob(".*.tmp"))  # a failed or killed commit's manifests


def write_reviews(path: Path, reviews: Sequence[Review], generation: int) -> tuple[str, str]:
    name = f"reviews.g{generation:08d}.jsonl"
    (path / name).write_text("".join(r.to_json() + "\n" for r in reviews), encoding="utf-8")
    fsync_file(path / name)
    return name, sha256_file(path / name)


def pseudo_file(generation: int) -> str:
    """The name of the pseudo-query sample a full build of ``generation`` writes."""
    return f"pseudo.g{generation:08d}.npy"


def write_pseudo(path: Path, pseudo: np.ndarray, generation: int) -> tuple[str, str]:
    name = pseudo_file(generation)
    np.save(path / name, pseudo)
    fsync_file(path / name)
    return name, sha256_file(path / name)


def writable_dir(out: Path) -> Path | None:
    """Make ``out`` ready for a version to be committed into it (the caller holds
    the exclusive lock). A folder that holds files but no readable current
    version (a damaged or lost manifest, an older format, a killed first build)
    is never written into: it is moved aside whole, as
    ``.<name>.unreadable-<time>``, for ``glossa export --salvage`` or a person to
    read, said in a warning, and its path returned."""
    out.parent.mkdir(parents=True, exist_ok=True)
    aside = None
    if current_manifest(out) is None and out.is_dir() and any(
        p.is_file() for p in out.rglob("*")
    ):
        aside = unreadable_path(out)
        os.replace(out, aside)
        fsync_dir(out.parent)
        logging.getLogger(__name__).warning(
            "%s held no readable index version; it was moved aside whole to %s "
            "(glossa export --salvage --index %s reads what it holds)", out, aside, aside)
    out.mkdir(exist_ok=True)
    return aside


def unreadable_path(out: Path) -> Path:
    """Where a folder holding no readable version is kept, beside the index."""
    return out.with_name(f".{out.name}.unreadable-{datetime.now(UTC):%Y%m%dT%H%M%S%f}")


def backup_path(out: Path, age: int = 0) -> Path:
    """Where an older Glossa kept the version a full build replaced (``age`` 0:
    the last one, 1 the one before...). Nothing writes these any more; they are
    listed and restored (as a commit) so an upgrade loses no undo."""
    return out.with_name(f".{out.name}.backup" + (f".{age}" if age else ""))


def current_manifest(out: Path) -> Manifest | None:
    """The manifest of the index at ``out``, or None when there is none or it is
    unreadable (a build replaces whatever is there)."""
    try:
        return read_manifest(out) if (out / MANIFEST).is_file() else None
    except IndexLoadError:
        return None


def index_exists(path: Path) -> bool:
    # ``.<name>.previous``: an older Glossa swapped whole directories and may have
    # been killed between its two renames (``read_manifest`` puts it back)
    return (path / MANIFEST).is_file() or (
        path.with_name(f".{path.name}.previous") / MANIFEST
    ).is_file()


# ---------------------------------------------------------------- reading


def read_manifest(path: Path) -> Manifest:
    manifest_path = path / MANIFEST
    if not manifest_path.is_file():
        aside = path.with_name(f".{path.name}.previous")
        if (aside / MANIFEST).is_file() and not path.exists():
            # a swap was interrupted: the previous index is whole (another loader
            # may have restored it first)
            with contextlib.suppress(FileNotFoundError):
                os.replace(aside, path)
        if not manifest_path.is_file():
            raise IndexLoadError(f"no index at {path} (no {MANIFEST}); {missing_index_hint(path)}")
    try:
        raw = json.loads(manifest_path.read_text(encoding="utf-8"))
        found = raw.get("format_version") if isinstance(raw, dict) else None
    except (OSError, ValueError) as exc:
        raise IndexLoadError(
            f"{manifest_path} is damaged or truncated; {missing_index_hint(path)}"
        ) from exc
    if found not in READABLE_FORMATS:
        raise IndexLoadError(
            f"index at {path} has format version {found}, this Glossa reads versions "
            f"{' and '.join(map(str, READABLE_FORMATS))}; {rebuild_hint(path)}"
        )
    try:
        return Manifest.model_validate(raw)
    except ValidationError as exc:
        raise IndexLoadError(
            f"{manifest_path} is damaged or truncated; {missing_index_hint(path)}"
        ) from exc
