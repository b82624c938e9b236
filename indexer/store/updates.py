"""Live changes to an index directory: add, update and delete entries without a
full rebuild.

Only entries whose embedded text changed (new ones, or edits of a term, alias or
definition) are embedded; every other vector is reused as stored. Deleting drops
the entry's vector and, when the searcher is rebuilt from the new directory, its
lexical postings. The change is one read-modify-write under the directory's
exclusive lock, written with the same atomic swap as a build, so a reader (or a
crash) sees the complete old or the complete new index and never a mix; two
writers (the API and ``glossa add``) queue instead of losing each other's work.

The vector structure of the index kind is rebuilt from the stored vectors
(cheap for flat, seconds for HNSW at 100k); approximate kinds (IVF-PQ) re-encode
their stored approximations, so run ``glossa rebuild`` after heavy churn there.
On Milvus the new version is a new collection (the old one is dropped after the
swap), which keeps the same old-or-new guarantee at the cost of re-inserting
the vectors: fine for terminology-sized changes, see the README for the figures.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from glossa.corpus.entry import Entry
from glossa.indexer.build import manifest_fields, pseudo_query_stats
from glossa.indexer.document_text import document_text
from glossa.indexer.encoders.encoder import TextEncoder
from glossa.indexer.store.factory import create_index
from glossa.indexer.store.files import failpoint
from glossa.indexer.store.index_dir import (
    ENTRIES,
    MANIFEST,
    IndexLoadError,
    LoadedIndex,
    load_index_dir,
    read_manifest,
    sources_hint,
    write_index_dir,
)
from glossa.indexer.store.locking import index_lock
from glossa.indexer.store.vectors import FAISS_STORE, StoreConfig


class ChangeError(ValueError):
    """A change that contradicts the index (adding an existing id, updating or
    deleting a missing one). ``status`` is the HTTP status that fits."""

    def __init__(self, message: str, status: int = 409, ids: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.status, self.ids = status, tuple(ids)


@dataclass(frozen=True)
class ChangeReport:
    added: tuple[str, ...]
    updated: tuple[str, ...]
    deleted: tuple[str, ...]
    unchanged: tuple[str, ...]  # re-sent identical entries: a retry is harmless
    embedded: int  # texts sent to the encoder (documents + names)
    count: int
    generation: int


def _names(entries: Iterable[str], limit: int = 5) -> str:
    items = list(entries)
    shown = ", ".join(repr(i) for i in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def plan(
    current: Sequence[Entry],
    add: Sequence[Entry] = (),
    update: Sequence[Entry] = (),
    delete: Sequence[str] = (),
    *,
    upsert: bool = False,
) -> tuple[list[Entry], ChangeReport]:
    """The new entry list (old order kept, additions at the end) and what changes.

    Pure function, so the rules are testable without an index: adding an existing
    id is a conflict unless the entry is identical (then it is "unchanged") or
    ``upsert`` is set; updating or deleting a missing id is "not found".
    """
    by_id = {e.id: e for e in current}
    touched = [e.id for e in add] + [e.id for e in update] + list(delete)
    repeated = sorted({i for i in touched if touched.count(i) > 1})
    if repeated:
        raise ChangeError(f"ids named more than once in one change: {_names(repeated)}", 409)
    missing = [i for i in [e.id for e in update] + list(delete) if i not in by_id]
    if missing:
        raise ChangeError(f"no entry with id {_names(missing)}", 404, missing)
    replace: dict[str, Entry] = {e.id: e for e in update}
    added, unchanged, conflicts = [], [], []
    for entry in add:
        old = by_id.get(entry.id)
        if old is None:
            added.append(entry)
        elif old == entry:
            unchanged.append(entry.id)
        elif upsert:
            replace[entry.id] = entry
        else:
            conflicts.append(entry.id)
    if conflicts:
        raise ChangeError(
            f"entries already exist with id {_names(conflicts)}; update them instead "
            "(glossa update / PUT /entries/{id}, or glossa add --upsert)",
            409,
            conflicts,
        )
    updated = [i for i, e in replace.items() if by_id[i] != e]
    unchanged += [i for i, e in replace.items() if by_id[i] == e]
    gone = set(delete)
    entries = [replace.get(e.id, e) for e in current if e.id not in gone] + added
    report = ChangeReport(
        added=tuple(e.id for e in added),
        updated=tuple(updated),
        deleted=tuple(delete),
        unchanged=tuple(unchanged),
        embedded=0,
        count=len(entries),
        generation=0,
    )
    return entries, report


def _vectors_for(
    entries: Sequence[Entry],
    old: LoadedIndex,
    encoder: TextEncoder | None,
    recipe: str,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Document and name vectors of ``entries``, embedding only changed texts."""
    old_rows = {e.id: row for row, e in enumerate(old.entries)}
    old_docs = old.vectors.reconstruct(np.arange(len(old.entries)))
    docs = np.zeros((len(entries), old.manifest.dimension), np.float32)
    names = np.zeros_like(docs)
    doc_todo: list[int] = []
    name_todo: list[int] = []
    for row, entry in enumerate(entries):
        old_row = old_rows.get(entry.id)
        previous = None if old_row is None else old.entries[old_row]
        if previous is not None and document_text(previous, recipe) == document_text(entry, recipe):
            docs[row] = old_docs[old_row]
        else:
            doc_todo.append(row)
        if previous is not None and document_text(previous, "names") == document_text(
            entry, "names"
        ):
            names[row] = old.name_vectors[old_row]
        else:
            name_todo.append(row)
    if (doc_todo or name_todo) and encoder is None:
        raise ValueError("entries to embed but no encoder given")
    if doc_todo:
        docs[doc_todo] = encoder.encode_documents(
            [document_text(entries[r], recipe) for r in doc_todo]
        )
    if name_todo:
        names[name_todo] = encoder.encode_queries(
            [document_text(entries[r], "names") for r in name_todo]
        )
    return docs, names, len(doc_todo) + len(name_todo)


def apply_changes(
    path: Path,
    encoder: TextEncoder | None,
    *,
    add: Sequence[Entry] = (),
    update: Sequence[Entry] = (),
    delete: Sequence[str] = (),
    upsert: bool = False,
    store: StoreConfig = FAISS_STORE,
    source_titles: dict[str, dict[str, str]] | None = None,
) -> tuple[LoadedIndex, ChangeReport]:
    """Apply one change set to the index at ``path``; returns the new index and a report.

    Nothing is written when nothing changes (a retried request stays a no-op).
    ``encoder`` may be None for pure deletions (no model needs loading).
    """
    path = path.resolve()
    started = time.perf_counter()
    with index_lock(path, exclusive=True):
        old = load_index_dir(
            path,
            expected_model=encoder.model_name if encoder else None,
            expected_dimension=encoder.dimension if encoder else None,
            locked=True,
            store=store,
        )
        entries, report = plan(old.entries, add, update, delete, upsert=upsert)
        if not entries:
            raise ChangeError(
                "this change would leave the index empty; an index needs entries", 422
            )
        if not (report.added or report.updated or report.deleted):
            return old, _with(report, generation=old.manifest.generation)
        docs, names, embedded = _vectors_for(entries, old, encoder, old.manifest.doc_text)
        failpoint("update:embedded")
        index = create_index(
            old.manifest.index_kind, old.manifest.dimension, len(entries), store,
            generation=old.manifest.generation + 1,
        )  # fmt: skip
        index.add(docs, [e.lang for e in entries], [e.source for e in entries])
        doc_stats = pseudo_query_stats(docs, names)
        fields = manifest_fields(
            old.manifest.model, old.manifest.dimension, entries, index.kind,
            old.manifest.doc_text, started, old.manifest.generation + 1,
        )  # fmt: skip
        fields["source_titles"] = source_titles or {}
        manifest = write_index_dir(
            path,
            fields,
            entries,
            index,
            doc_stats,
            names,
            locked=True,
        )
    loaded = LoadedIndex(path, manifest, tuple(entries), index, doc_stats, names, old.reviews)
    return loaded, _with(report, embedded=embedded, generation=manifest.generation)


def record_review(
    path: Path, a: str, b: str, decision: str, *, store: StoreConfig = FAISS_STORE
) -> tuple[LoadedIndex, bool]:
    """Record a reviewer's decision on the pair (a, b): ``accepted`` confirms the
    link, ``rejected`` removes it and keeps it from being proposed again. Returns
    the index and whether anything changed (a repeated decision writes nothing).
    Nothing is embedded: entries and vectors are carried over as they are."""
    from glossa.corpus.reviews import DECISIONS, Review, with_review

    if decision not in DECISIONS:
        raise ChangeError(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}", 422)
    path = path.resolve()
    started = time.perf_counter()
    with index_lock(path, exclusive=True):
        old = load_index_dir(path, locked=True, store=store)
        by_id = {e.id: e for e in old.entries}
        for entry_id in (a, b):
            if entry_id not in by_id:
                raise ChangeError(f"unknown entry id {entry_id!r}", 404)
        if by_id[a].lang == by_id[b].lang:
            raise ChangeError(
                f"{a} and {b} are both {by_id[a].lang!r}: equivalents link different languages",
                422,
            )
        review = Review(a, b, decision)
        if review in old.reviews or Review(b, a, decision) in old.reviews:
            return old, False
        reviews = with_review(old.reviews, review)
        manifest = write_index_dir(
            path,
            manifest_fields(
                old.manifest.model,
                old.manifest.dimension,
                old.entries,
                old.vectors.kind,
                old.manifest.doc_text,
                started,
                old.manifest.generation + 1,
            ),  # fmt: skip
            old.entries,
            old.vectors,
            old.doc_stats,
            old.name_vectors,
            locked=True,
            reviews=reviews,
        )
    return dataclasses.replace(old, manifest=manifest, reviews=reviews), True


def _with(report: ChangeReport, **changes) -> ChangeReport:
    return ChangeReport(**{**report.__dict__, **changes})


def read_index_entries(path: Path) -> list[Entry]:
    """The entries stored in an index directory, checked against the manifest's
    checksum (the API's background rebuild: it must not proceed on damage)."""
    entries, lost = recover_index_entries(path)
    if lost:
        raise IndexLoadError(
            f"{path / ENTRIES} is damaged ({'; '.join(lost[:5])}); {sources_hint(path)}"
        )
    return entries


def recover_index_entries(path: Path) -> tuple[list[Entry], list[str]]:
    """Every readable entry of an index directory, and what could not be read.

    What ``glossa rebuild`` re-embeds. With an intact manifest and entries file this
    is exactly the stored entries. With the manifest missing or unreadable, or the
    entries file not matching its checksum, nothing readable is dropped: each line
    that parses is kept and each one that does not is named (``file:line: reason``)
    so the user knows what to restore from a source glossary or an export.
    """
    from glossa.corpus.importers import jsonl_entries
    from glossa.corpus.sources import collect
    from glossa.indexer.store.files import sha256_file

    path = path.resolve()
    entries_file = path / ENTRIES
    with index_lock(path, exclusive=False):
        try:
            expected = read_manifest(path).entries_sha256
        except IndexLoadError:
            expected = None  # no usable manifest: the entries file is all there is
        if not entries_file.is_file():
            raise IndexLoadError(f"{entries_file} is missing; {sources_hint(path)}")
        result = collect(jsonl_entries(entries_file))
        lost = [str(problem) for problem in result.problems]
        if expected is not None and sha256_file(entries_file) != expected and not lost:
            lost.append(
                f"{entries_file}: differs from the checksum in {MANIFEST} (edited by hand?)"
            )
        return result.entries, lost
