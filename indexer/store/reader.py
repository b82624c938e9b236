"""Reading one committed version of an index directory: every file checked
against the manifest's checksums, the manifest against what the caller expects.

Why a module of its own: the directory (``index_dir``) owns what is on disk and
how a version is committed; this is what a search holds. A ``LoadedIndex`` is
immutable, so a reader keeps its version however many commits follow, and a
loader given the version it already holds reuses every segment that did not
change (Lucene's reopen).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
from glossa.concepts.linking import concept_keys
from glossa.corpus.entry import Entry
from glossa.corpus.reviews import Review
from glossa.indexer.store.files import sha256_file
from glossa.indexer.store.hints import rebuild_hint, reembed_hint, sources_hint
from glossa.indexer.store.index_dir import IndexLoadError, Manifest, read_manifest
from glossa.indexer.store.locking import index_lock
from glossa.indexer.store.segments import (
    Segment,
    SegmentError,
    load_deletes,
    load_segment,
    read_records,
)
from glossa.indexer.store.vectors import FAISS_STORE, StoreConfig


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

    def concept_of(self, row: int) -> str | None:
        """The concept id a row's entry declares (None: none): stored with its
        segment, or read from its entry for a segment written before they were."""
        s, local = self.split(row)
        stored = self.segments[s].lookup.concept_of(local)
        return (stored if stored is not None else self.entry(row).concept) or None

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
