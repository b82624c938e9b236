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
Loading checks every file against the manifest's checksums and the manifest
against what the caller expects (model, dimension), and refuses a mismatch with
a message that says what differs and how to rebuild. A loader given the version
it already holds reuses every segment that did not change.
"""

from __future__ import annotations

import bisect
import contextlib
import json
import os
import shutil
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

import numpy as np
from glossa.concepts.linking import concept_keys
from glossa.corpus.entry import Entry
from glossa.corpus.reviews import Review
from glossa.indexer.store.files import failpoint, fsync_dir, fsync_file, sha256_file
from glossa.indexer.store.hints import (  # noqa: F401  (re-exported: where callers find them)
    missing_index_hint,
    rebuild_hint,
    reembed_hint,
    sources_hint,
)
from glossa.indexer.store.locking import index_lock
from glossa.indexer.store.segments import (
    DELETES,
    SEGMENTS,
    Segment,
    SegmentError,
    SegmentInfo,
    discard_segment_dir,
    load_deletes,
    load_segment,
    read_records,
)
from glossa.indexer.store.vectors import FAISS_STORE, StoreConfig
from pydantic import BaseModel, ConfigDict, ValidationError

from glossa.errors import ErrorKind, GlossaError

FORMAT_VERSION = 4  # 4: segments carry lookup.npz (entries read on demand)
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


@dataclass(frozen=True, eq=False)
class LoadedIndex:
    """One version of the index. Rows are positions in the concatenation of the
    segments, deleted rows included (``dead``): stable until a merge, so a
    write never renumbers what readers hold. ``entries`` lists the live ones."""

    path: Path
    manifest: Manifest
    segments: tuple[Segment, ...]
    dead: tuple[np.ndarray, ...]  # per segment: bool mask of deleted rows
    pseudo: np.ndarray  # (m, dimension) names-as-query sample
    reviews: tuple[Review, ...] = ()
    bases: tuple[int, ...] = field(init=False)

    def __post_init__(self) -> None:
        bases, total = [], 0
        for segment in self.segments:
            bases.append(total)
            total += len(segment)
        object.__setattr__(self, "bases", tuple(bases))

    @property
    def rows(self) -> int:
        """Rows including deleted ones."""
        return self.bases[-1] + len(self.segments[-1]) if self.segments else 0

    def split(self, row: int) -> tuple[int, int]:
        """(segment number, local row) of a global row."""
        s = bisect.bisect_right(self.bases, row) - 1
        return s, row - self.bases[s]

    def entry(self, row: int) -> Entry:
        s, local = self.split(row)
        return self.segments[s].entries[local]

    def row_of(self, entry_id: str) -> int | None:
        """The live row holding ``entry_id`` (newest segment first)."""
        for s in range(len(self.segments) - 1, -1, -1):
            local = self.segments[s].row_of(entry_id)
            if local is not None and not self.dead[s][local]:
                return self.bases[s] + local
        return None

    def get(self, entry_id: str) -> Entry | None:
        row = self.row_of(entry_id)
        return None if row is None else self.entry(row)

    def concept_keys(self, row: int) -> frozenset[str]:
        """``concepts.linking.concept_keys`` of a row: stored with its segment,
        or computed from its entry for a segment written before they were."""
        s, local = self.split(row)
        stored = self.segments[s].lookup.concept_keys_of(local)
        return stored if stored is not None else concept_keys(self.entry(row))

    def rows_named(self, key: str) -> list[int]:
        """The live rows one of whose names (term, alias, English name) folds to
        ``key``: each segment's name lookup, no entry parsed."""
        return [
            base + int(local)
            for segment, dead, base in zip(self.segments, self.dead, self.bases, strict=True)
            for local in segment.rows_named(key).tolist()
            if not dead[local]
        ]

    @cached_property
    def live_rows(self) -> np.ndarray:
        return np.concatenate(
            [np.flatnonzero(~d) + b for d, b in zip(self.dead, self.bases, strict=True)]
            or [np.zeros(0, np.int64)]
        )

    @cached_property
    def entries(self) -> tuple[Entry, ...]:
        """The live entries, in row order."""
        return tuple(
            e
            for segment, dead in zip(self.segments, self.dead, strict=True)
            for e, gone in zip(segment.entries, dead.tolist(), strict=True)
            if not gone
        )

    def source_languages(self) -> dict[str, set[str]]:
        """Each source's languages among the live entries, from the segments' codes
        (no entry is parsed: ``/sources`` at a million entries reads arrays)."""
        out: dict[str, set[str]] = {}
        for segment, dead in zip(self.segments, self.dead, strict=True):
            lookup = segment.lookup
            width = len(lookup.lang_names)
            pairs = np.unique(lookup.source_codes[~dead].astype(np.int64) * width
                              + lookup.lang_codes[~dead])  # fmt: skip
            for source, lang in zip(*np.divmod(pairs, width), strict=True):
                out.setdefault(str(lookup.source_names[source]), set()).add(
                    str(lookup.lang_names[lang])
                )
        return out

    def release(self) -> None:
        """Drop the resident pages of every segment's mapped files (``Segment.release``)."""
        for segment in self.segments:
            segment.release()

    def vectors_of(self, rows: np.ndarray, *, names: bool = False) -> np.ndarray:
        """Stored document (or names) vectors of global rows, segment by segment."""
        rows = np.asarray(rows, np.int64)
        out = np.zeros((len(rows), self.manifest.dimension), np.float32)
        where = np.searchsorted(np.asarray(self.bases), rows, side="right") - 1
        for s in np.unique(where).tolist():
            pick = np.flatnonzero(where == s)
            local = rows[pick] - self.bases[s]
            segment = self.segments[s]
            out[pick] = segment.names[local] if names else segment.doc_vectors(local)
        return out

    def _live(self, arrays: Sequence[np.ndarray]) -> np.ndarray:
        return np.concatenate([np.asarray(a)[~d] for a, d in zip(arrays, self.dead, strict=True)])

    def doc_vectors(self) -> np.ndarray:
        """The live entries' document vectors (as stored), row-aligned with ``entries``."""
        return self._live([s.doc_vectors() for s in self.segments])

    @cached_property
    def name_vectors(self) -> np.ndarray:
        return self._live([s.names for s in self.segments])

    @cached_property
    def doc_stats(self) -> np.ndarray:
        return self._live([s.doc_stats for s in self.segments])


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
    if current.is_file():
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


def collect_garbage(path: Path, manifest: Manifest | None, store: StoreConfig | None = None) -> None:
    """Remove segments, deletes, samples and review files that no kept manifest
    (current, previous, history) names: left by merges, older versions or
    writers that failed or were killed (``manifest`` None: a directory whose
    first build failed, where nothing is named yet)."""
    for stale in path.parent.glob(f".{path.name}.building-*"):  # an older Glossa's killed build
        shutil.rmtree(stale, ignore_errors=True)
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
        with contextlib.suppress(Exception):
            collect_garbage(path, current_manifest(path) if (path / MANIFEST).exists()
                            else None, store)  # fmt: skip
        raise


def orphans(path: Path, manifest: Manifest | None) -> list[Path]:
    """Segment folders, deletes, samples and review files no kept manifest names
    (callers hold the exclusive lock, so no other commit's temporary files exist)."""
    keep = manifest.files() if manifest is not None else set()
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
    the exclusive lock). A directory whose current version cannot be read (a
    damaged manifest, an older format) is never written into: it is moved aside
    whole, as ``.<name>.unreadable-<time>``, for ``glossa export --salvage`` or a
    person to read, and its path returned. What a killed first build left (files
    but no version) stays: the commit's clean-up removes it."""
    out.parent.mkdir(parents=True, exist_ok=True)
    aside = None
    readable = current_manifest(out) is not None
    if not readable and any((out / name).exists() for name in (MANIFEST, PREVIOUS, HISTORY, ENTRIES)):
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        aside = out.with_name(f".{out.name}.unreadable-{stamp}")
        os.replace(out, aside)
        fsync_dir(out.parent)
    out.mkdir(exist_ok=True)
    return aside


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
    if found != FORMAT_VERSION:
        raise IndexLoadError(
            f"index at {path} has format version {found}, this Glossa reads version "
            f"{FORMAT_VERSION}; {rebuild_hint(path)}"
        )
    try:
        return Manifest.model_validate(raw)
    except ValidationError as exc:
        raise IndexLoadError(
            f"{manifest_path} is damaged or truncated; {missing_index_hint(path)}"
        ) from exc


def load_index_dir(
    path: Path,
    *,
    expected_model: str | None = None,
    expected_dimension: int | None = None,
    expected_doc_text: str | None = None,
    locked: bool = False,
    store: StoreConfig | None = None,
    reuse: LoadedIndex | None = None,
) -> LoadedIndex:
    """Load and verify an index directory (under a shared lock unless the caller
    holds the exclusive one). With ``store``, the index must live in that backend.
    ``reuse``: a version already loaded from ``path``; its segments that the
    current manifest still names are taken as they are (immutable, verified then)."""
    path = path.resolve()
    if not locked:
        with index_lock(path, exclusive=False):
            return load_index_dir(
                path, expected_model=expected_model, expected_dimension=expected_dimension,
                expected_doc_text=expected_doc_text, locked=True, store=store, reuse=reuse,
            )  # fmt: skip
    manifest = read_manifest(path)
    if store is not None and manifest.backend != store.backend:
        raise IndexLoadError(
            f"index at {path} keeps its vectors in {manifest.backend} but the settings select "
            f"GLOSSA_BACKEND={store.backend}; set GLOSSA_BACKEND={manifest.backend}, or "
            f"re-index into {store.backend} with: "
            f"GLOSSA_BACKEND={store.backend} glossa rebuild --index {path}"
        )
    if expected_model is not None and manifest.model != expected_model:
        raise IndexLoadError(
            f"index at {path} was built with model {manifest.model!r} but the settings select "
            f"{expected_model!r}; set GLOSSA_MODEL={manifest.model} or {rebuild_hint(path)}"
        )
    if expected_dimension is not None and manifest.dimension != expected_dimension:
        raise IndexLoadError(
            f"index at {path} holds {manifest.dimension}-dimensional vectors but the model makes "
            f"{expected_dimension}-dimensional ones; {rebuild_hint(path)}"
        )
    if expected_doc_text is not None and manifest.doc_text != expected_doc_text:
        raise IndexLoadError(
            f"index at {path} embeds {manifest.doc_text!r} but the settings select "
            f"{expected_doc_text!r}; {rebuild_hint(path)}"
        )
    return _load(path, manifest, store or FAISS_STORE, reuse, verify=True)


def _load(
    path: Path, manifest: Manifest, store: StoreConfig, reuse: LoadedIndex | None, *, verify: bool
) -> LoadedIndex:
    # the deletes file each held segment had *in the held version*: a segment object
    # is carried across versions, so its own ``info`` names the deletes it was first
    # loaded with, and a restore back to that name must not reuse a later mask
    held = {} if reuse is None or reuse.path != path else {
        s.info.name: (s, d, info.deletes)
        for s, d, info in zip(reuse.segments, reuse.dead, reuse.manifest.segments, strict=True)
    }  # fmt: skip
    segments, dead = [], []
    for info in manifest.segments:
        kept = held.get(info.name)
        if kept and (kept[0].info.sha256, kept[0].info.count) != (info.sha256, info.count):
            kept = None  # the same name for other content (an index built before names were unique)
        if kept and not kept[0].unchanged_on_disk():
            kept = None  # changed since it was verified (damage, a hand edit): verify it again
        try:
            segment = kept[0] if kept else load_segment(path, info, store, verify=verify)
            if kept and kept[2] == info.deletes:
                mask = kept[1]
            else:
                mask = load_deletes(path, info, verify=verify)
        except SegmentError as exc:
            hint = sources_hint(path) if "entries.jsonl" in str(exc) else reembed_hint(path)
            raise IndexLoadError(f"{exc}; {hint}") from exc
        segments.append(segment)
        dead.append(mask)
    if segments and segments[0].names.shape[1] != manifest.dimension:
        raise IndexLoadError(f"segment vectors do not have dimension {manifest.dimension}")
    pseudo_path = path / manifest.pseudo
    if not pseudo_path.is_file() or (verify and sha256_file(pseudo_path) != manifest.pseudo_sha256):
        raise IndexLoadError(f"{pseudo_path} is missing or damaged; {reembed_hint(path)}")
    reviews: tuple[Review, ...] = ()
    if manifest.reviews:
        file = path / manifest.reviews
        if not file.is_file() or sha256_file(file) != manifest.reviews_sha256:
            raise IndexLoadError(f"{file} is missing or damaged; {sources_hint(path)}")
        reviews = tuple(read_reviews(file))
    loaded = LoadedIndex(
        path, manifest, tuple(segments), tuple(dead), np.load(pseudo_path), reviews
    )
    live = sum(int((~d).sum()) for d in dead)
    if live != manifest.count:
        raise IndexLoadError(
            f"index at {path} is inconsistent: manifest count {manifest.count}, {live} live "
            f"entries in its segments; {rebuild_hint(path)}"
        )
    return loaded


def read_reviews(path: Path) -> list[Review]:
    return read_records(path, Review.from_json, "review", IndexLoadError)
