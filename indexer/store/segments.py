"""Immutable segments: the unit a write adds and a merge replaces (Lucene's model).

A segment is a directory under ``segments/`` holding a batch of entries and
everything derived from them, row-aligned:

- ``entries.jsonl``: the entries;
- the vector index (``vectors.faiss``, or ``vectors.milvus.json`` pointing at a
  Milvus collection that belongs to this segment alone);
- ``names.npy``: each entry's names embedded as a query (equivalents);
- ``doc_stats.npy``: each entry's pseudo-query mean and std (hubness correction);
- ``postings.npz``: the lexical postings of its analysed text (``indexer.store.postings``);
- ``lookup.npz``: what loading needs without parsing a single entry: each
  entry's byte offset in ``entries.jsonl``, its id (sorted, for binary search),
  language and source codes, and its folded names (sorted, for exact matches).
  Entries are parsed when asked for (a hit, an id lookup, an export), so a
  million-entry segment loads in the time it takes to read a few arrays.

A segment is never modified once the manifest names it. Deleting an entry
writes a new *deletes* file for its segment (``deletes/<segment>.<generation>.npy``,
the sorted local rows that are gone) and the manifest points at it; an update
is a delete plus an addition in the new segment. So a write of k entries costs
one k-entry segment, the deletes files of the segments it touches, and the
manifest: what it changes, not the size of the index.
"""

from __future__ import annotations

import contextlib
import json
import mmap
import os
import shutil
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from glossa.analysis import analyze, lexical_text, name_keys
from glossa.concepts.linking import concept_keys
from glossa.corpus.entry import Entry
from glossa.indexer.store.factory import create_index, discard_index, load_index
from glossa.indexer.store.files import failpoint, fsync_dir, fsync_file, sha256_file
from glossa.indexer.store.milvus import FILE_NAME as MILVUS_POINTER
from glossa.indexer.store.postings import Postings, build_postings
from glossa.indexer.store.sorted_strings import SortedStrings
from glossa.indexer.store.vectors import FAISS_STORE, MILVUS, StoreConfig, VectorIndex
from pydantic import BaseModel, ConfigDict

SEGMENTS = "segments"
DELETES = "deletes"
ENTRIES = "entries.jsonl"
NAMES = "names.npy"
KEY_SEPARATOR = "\x1f"  # between a row's stored concept keys (no name holds it)
DOC_STATS = "doc_stats.npy"
POSTINGS = "postings.npz"
LOOKUP = "lookup.npz"


class SegmentError(RuntimeError):
    """A segment file is missing, damaged or inconsistent (the message names it)."""


class SegmentInfo(BaseModel):
    """What the manifest records about one segment."""

    model_config = ConfigDict(frozen=True)

    name: str
    count: int  # rows, deleted ones included
    kind: str  # vector index kind
    vectors_file: str
    sha256: dict[str, str]  # file name -> checksum
    deletes: str | None = None  # file under deletes/ listing the deleted local rows
    deletes_sha256: str | None = None
    deleted: int = 0

    @property
    def live(self) -> int:
        return self.count - self.deleted


PARSED_KEPT = 1024  # parsed entries a segment keeps: a search's hits are read again soon


class StoredEntries(Sequence[Entry]):
    """A segment's entries, parsed from ``entries.jsonl`` when asked for (the file
    is memory-mapped; each entry's byte range comes from ``lookup.npz``). Parsed
    entries are kept (they are immutable), up to ``PARSED_KEPT``: then the kept
    ones are dropped and keeping starts again. Parsing was a fifth of a served
    search's ranking on the bundled termbase."""

    def __init__(self, path: Path, offsets: np.ndarray) -> None:
        self.path, self._offsets = path, offsets
        self._parsed: dict[int, Entry] = {}
        with path.open("rb") as f:
            self._data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if offsets[-1] else b""

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def release(self) -> None:
        self._parsed.clear()
        release_pages(self._data)

    def __getitem__(self, row):  # type: ignore[override]
        if isinstance(row, slice):
            return [self[i] for i in range(*row.indices(len(self)))]
        if row < 0:
            row += len(self)
        entry = self._parsed.get(row)
        if entry is not None:
            return entry
        line = self._data[self._offsets[row] : self._offsets[row + 1]]
        try:
            entry = Entry.from_dict(json.loads(line))
        except (ValueError, KeyError, TypeError) as exc:
            raise SegmentError(f"{self.path}:{row + 1}: damaged entry record ({exc})") from exc
        if len(self._parsed) >= PARSED_KEPT:
            self._parsed.clear()  # bounded, and no order to keep across threads
        self._parsed[row] = entry
        return entry


@dataclass(frozen=True, eq=False)
class Lookup:
    """Per-row facts a search needs without the entries themselves. Ids and
    folded names are ``SortedStrings``: their memory follows their bytes, not
    the longest one (a 500-character term no longer pads every other name)."""

    offsets: np.ndarray  # int64, rows + 1: byte range of each entry line
    ids: SortedStrings  # sorted
    id_rows: np.ndarray  # int32: the row of each sorted id
    lang_codes: np.ndarray  # int16 into lang_names
    lang_names: np.ndarray  # str
    source_codes: np.ndarray  # int32 into source_names
    source_names: np.ndarray  # str
    name_keys: SortedStrings  # sorted: every folded name of every entry
    name_rows: np.ndarray  # int32: the row of each name key
    # per row, in row order (not sorted): ``concepts.linking.concept_keys`` joined by
    # KEY_SEPARATOR, so a search's concept links need no word segmentation (jieba's
    # dictionary, 0.7 s, for every Chinese name); None in segments written before
    concept_keys: SortedStrings | None = None
    # per row, in row order: the concept id the entry declares ("" for none), so
    # following a hit's concept reads no entry line (parsing one per member was
    # most of a hybrid search at a million entries); None in segments written before
    concepts: SortedStrings | None = None

    STRINGS = ("ids", "name_keys", "concept_keys", "concepts")

    @classmethod
    def of(cls, entries: Sequence[Entry], offsets: np.ndarray) -> Lookup:
        ids = [e.id for e in entries]
        order = sorted(range(len(ids)), key=ids.__getitem__)
        lang_names, lang_codes = np.unique(np.array([e.lang for e in entries], dtype=str),
                                           return_inverse=True)  # fmt: skip
        source_names, source_codes = np.unique(
            np.array([e.source for e in entries], dtype=str), return_inverse=True
        )
        pairs = sorted(
            (key, row)
            for row, e in enumerate(entries)
            for key in name_keys(e)
        )
        return cls(
            offsets.astype(np.int64), SortedStrings.of([ids[i] for i in order]),
            np.array(order, np.int32), lang_codes.astype(np.int16), lang_names,
            source_codes.astype(np.int32), source_names,
            SortedStrings.of([k for k, _ in pairs]), np.array([r for _, r in pairs], np.int32),
            SortedStrings.of([KEY_SEPARATOR.join(sorted(concept_keys(e))) for e in entries]),
            SortedStrings.of([e.concept or "" for e in entries]),
        )  # fmt: skip

    def save(self, path: Path) -> None:
        arrays = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if value is None:
                continue
            if name in self.STRINGS:
                arrays[f"{name}_data"], arrays[f"{name}_offsets"] = value.data, value.offsets
            else:
                arrays[name] = value
        with path.open("wb") as f:
            np.savez(f, **arrays)

    @classmethod
    def load(cls, path: Path) -> Lookup:
        with np.load(path, allow_pickle=False) as data:
            fields = {}
            for name in cls.__dataclass_fields__:
                if name not in cls.STRINGS:
                    fields[name] = data[name]
                elif name in data.files:  # written before SortedStrings: plain string arrays
                    fields[name] = SortedStrings.of(
                        [s.decode() if isinstance(s, bytes) else s for s in data[name].tolist()]
                    )
                elif f"{name}_data" in data.files:
                    fields[name] = SortedStrings(data[f"{name}_data"], data[f"{name}_offsets"])
            return cls(**fields)

    def rows_named(self, key: str) -> np.ndarray:
        start, end = self.name_keys.span(key)
        return self.name_rows[start:end]

    def concept_keys_of(self, row: int) -> frozenset[str] | None:
        """The stored ``concept_keys`` of ``row`` (None when not stored)."""
        if self.concept_keys is None:
            return None
        joined = self.concept_keys[row].decode("utf-8")
        return frozenset(joined.split(KEY_SEPARATOR)) if joined else frozenset()

    def concept_of(self, row: int) -> str | None:
        """The stored concept id of ``row`` ("" when it declares none; None when
        not stored)."""
        return None if self.concepts is None else self.concepts[row].decode("utf-8")

    def row_of(self, entry_id: str) -> int | None:
        at = self.ids.find(entry_id)
        return None if at is None else int(self.id_rows[at])

    def source_rows(self, sources: Iterable[str]) -> np.ndarray:
        """A mask of the rows whose source is one of ``sources``."""
        codes = np.flatnonzero(np.isin(self.source_names, list(sources)))
        return np.isin(self.source_codes, codes)


@dataclass(frozen=True, eq=False)
class Segment:
    """A loaded segment: entries (parsed on demand), vectors and lookups, shared
    by every index version that names it (a reload reuses the segments it holds)."""

    info: SegmentInfo
    entries: Sequence[Entry]
    vectors: VectorIndex
    names: np.ndarray
    doc_stats: np.ndarray
    postings: Postings
    lookup: Lookup
    folder: Path | None = None  # where its files are (None: not on local disk)
    langs: np.ndarray = field(init=False)
    lang_rows: dict[str, np.ndarray] = field(init=False)
    stamps: dict[str, tuple[int, int]] = field(init=False)  # file -> (size, mtime) when verified

    def __post_init__(self) -> None:
        lookup = self.lookup
        set_ = object.__setattr__
        set_(self, "stamps", file_stamps(self.folder, self.info) if self.folder else {})
        set_(self, "langs", lookup.lang_names[lookup.lang_codes])
        set_(self, "lang_rows", {str(name): np.flatnonzero(lookup.lang_codes == code)
                                 for code, name in enumerate(lookup.lang_names)})  # fmt: skip

    @property
    def name(self) -> str:
        return self.info.name

    def unchanged_on_disk(self) -> bool:
        """Whether its files still have the size and modification time they had
        when it was verified or written: the cheap check a writer makes before
        building on a segment it holds (a changed one is verified again)."""
        return not self.folder or file_stamps(self.folder, self.info) == self.stamps

    def __len__(self) -> int:
        return len(self.entries)

    def row_of(self, entry_id: str) -> int | None:
        return self.lookup.row_of(entry_id)

    def rows_named(self, key: str) -> np.ndarray:
        return self.lookup.rows_named(key)

    def doc_vectors(self, rows: np.ndarray | None = None) -> np.ndarray:
        rows = np.arange(len(self)) if rows is None else np.asarray(rows, np.int64)
        return self.vectors.reconstruct(rows)

    def release(self) -> None:
        """Give back this process's resident pages of the memory-mapped files (names
        vectors, entry lines). A pass over every row (the equivalence graph's build)
        would otherwise leave all of them counted in the server's RSS; later reads
        fault in only the pages they touch, from the page cache."""
        release_pages(getattr(self.names, "_mmap", None))
        if isinstance(self.entries, StoredEntries):
            self.entries.release()


def release_pages(mapped: object) -> None:
    """``madvise(MADV_DONTNEED)`` on a read-only file mapping: the pages leave the
    process (the kernel keeps them cached), and the mapping stays valid."""
    if isinstance(mapped, mmap.mmap) and hasattr(mmap, "MADV_DONTNEED") and len(mapped):
        mapped.madvise(mmap.MADV_DONTNEED)


def file_stamps(folder: Path, info: SegmentInfo) -> dict[str, tuple[int, int]]:
    """Size and modification time of each file the manifest checksums (-1 when missing)."""
    out = {}
    for file in info.sha256:
        try:
            st = os.stat(folder / file)
            out[file] = (st.st_size, st.st_mtime_ns)
        except OSError:
            out[file] = (-1, -1)
    return out


def segment_name(number: int) -> str:
    return f"s{number:06d}"


def write_segment(
    root: Path,
    name: str,
    entries: Sequence[Entry],
    docs: np.ndarray,
    names: np.ndarray,
    doc_stats: np.ndarray,
    *,
    kind: str,
    analyzer: str,
    store: StoreConfig = FAISS_STORE,
    generation: int = 0,
    vectors: VectorIndex | None = None,
) -> Segment:
    """Write a new segment under ``root/segments/name`` (fsynced) and return it
    loaded. Nothing refers to it until a manifest names it, so a crash here
    leaves an orphan directory the next writer removes."""
    folder = root / SEGMENTS / name
    if folder.exists():  # an orphan of a killed writer that picked the same name
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    if vectors is None:
        vectors = create_index(kind, docs.shape[1], len(entries), store, generation=generation)
        vectors.add(docs, [e.lang for e in entries], [e.source for e in entries])
    vectors.save(folder / vectors.file_name)
    failpoint("segment:vectors")
    offsets = np.zeros(len(entries) + 1, np.int64)
    with (folder / ENTRIES).open("wb") as f:
        for row, entry in enumerate(entries):
            line = (entry.to_json() + "\n").encode("utf-8")
            f.write(line)
            offsets[row + 1] = offsets[row] + len(line)
    lookup = Lookup.of(entries, offsets)
    lookup.save(folder / LOOKUP)
    np.save(folder / NAMES, np.ascontiguousarray(names, dtype=np.float32))
    np.save(folder / DOC_STATS, np.ascontiguousarray(doc_stats, dtype=np.float32))
    postings = build_postings(analyze(lexical_text(e), analyzer) for e in entries)
    postings.save(folder / POSTINGS)
    files = [vectors.file_name, ENTRIES, NAMES, DOC_STATS, POSTINGS, LOOKUP]
    for file in files:
        fsync_file(folder / file)
    fsync_dir(folder)
    fsync_dir(folder.parent)
    failpoint("segment:written")
    info = SegmentInfo(
        name=name, count=len(entries), kind=vectors.kind, vectors_file=vectors.file_name,
        sha256={file: sha256_file(folder / file) for file in files},
    )  # fmt: skip
    return Segment(info, tuple(entries), vectors, np.asarray(names, np.float32),
                   np.asarray(doc_stats, np.float32), postings, lookup, folder)  # fmt: skip


def write_deletes(root: Path, info: SegmentInfo, dead: np.ndarray, generation: int) -> SegmentInfo:
    """A new deletes file for a segment (the old one stays for the previous
    version); returns the segment's info pointing at it."""
    rows = np.flatnonzero(dead).astype(np.int32)
    folder = root / DELETES
    folder.mkdir(exist_ok=True)
    file = f"{info.name}.g{generation:08d}.npy"
    np.save(folder / file, rows)
    fsync_file(folder / file)
    fsync_dir(folder)
    return info.model_copy(
        update={"deletes": file, "deletes_sha256": sha256_file(folder / file), "deleted": len(rows)}
    )


def load_segment(
    root: Path, info: SegmentInfo, store: StoreConfig = FAISS_STORE, *, verify: bool = True
) -> Segment:
    folder = root / SEGMENTS / info.name
    if verify:
        for file in info.sha256:
            if not (folder / file).is_file():
                raise SegmentError(f"{folder / file} is missing")
        # hashing releases the GIL: one thread per file uses every core on big segments
        with ThreadPoolExecutor(max_workers=len(info.sha256)) as pool:
            digests = dict(zip(info.sha256, pool.map(lambda f: sha256_file(folder / f),
                                                     info.sha256), strict=True))  # fmt: skip
        for file, digest in info.sha256.items():
            if digests[file] != digest:
                raise SegmentError(
                    f"{folder / file} is damaged or truncated (its checksum differs from the "
                    "manifest's)"
                )
    try:
        vectors = load_index(info.kind, folder / info.vectors_file, store)
    except (RuntimeError, ValueError) as exc:
        raise SegmentError(f"cannot read {folder / info.vectors_file}: {exc}") from exc
    lookup = Lookup.load(folder / LOOKUP)
    entries = StoredEntries(folder / ENTRIES, lookup.offsets)
    names = np.load(folder / NAMES, mmap_mode="r")
    doc_stats = np.load(folder / DOC_STATS)
    postings = Postings.load(folder / POSTINGS)
    if not (len(entries) == len(vectors) == len(names) == len(doc_stats) == postings.count
            == info.count):  # fmt: skip
        raise SegmentError(
            f"segment {folder} is inconsistent: manifest count {info.count}, {len(entries)} "
            f"entries, {len(vectors)} vectors, {len(names)} name vectors, "
            f"{len(doc_stats)} statistics, {postings.count} postings documents"
        )
    return Segment(info, entries, vectors, names, doc_stats, postings, lookup, folder)


def load_deletes(root: Path, info: SegmentInfo, *, verify: bool = True) -> np.ndarray:
    """The segment's dead-row mask (all False when nothing was deleted)."""
    dead = np.zeros(info.count, dtype=bool)
    if info.deletes is None:
        return dead
    path = root / DELETES / info.deletes
    if not path.is_file():
        raise SegmentError(f"{path} is missing")
    if verify and sha256_file(path) != info.deletes_sha256:
        raise SegmentError(f"{path} is damaged or truncated (its checksum differs)")
    rows = np.load(path)
    if len(rows) != info.deleted or (len(rows) and (rows.min() < 0 or rows.max() >= info.count)):
        raise SegmentError(f"{path} does not fit segment {info.name}")
    dead[rows] = True
    return dead


def read_records(path: Path, parse, what: str, error: type[Exception]) -> list:
    """Every line of a JSON-lines file parsed by ``parse``; a line that does not
    parse raises ``error`` naming the file and line."""
    records = []
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            try:
                records.append(parse(line))
            except (ValueError, KeyError, TypeError) as exc:
                raise error(f"{path}:{number}: damaged {what} record ({exc})") from exc
    return records


def discard_segment_dir(folder: Path, store: StoreConfig) -> None:
    """Remove a segment folder no manifest names any more, and the Milvus
    collection its pointer file names, if it has one (an orphan collection is
    waste, not damage, so a failure to drop it is ignored)."""
    pointer = folder / MILVUS_POINTER
    if store.backend == "milvus" and pointer.is_file():
        with contextlib.suppress(Exception):
            discard_index(MILVUS, pointer, store)
    shutil.rmtree(folder, ignore_errors=True)
