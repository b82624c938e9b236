"""Rebuild an index from its own entries without losing a write confirmed meanwhile.

A rebuild embeds every entry again (a new model or recipe, damaged vectors, a
lost manifest), which takes minutes; holding the index's lock that long would
stop every other writer, and embedding a snapshot then committing it would
erase whatever committed while it ran. So, as Lucene's IndexWriter carries the
deletes and adds made during a merge into the merged segment, the rebuild
embeds a snapshot without the lock, then catches up: while the committed
generation has moved on, it re-reads the entries and embeds only those added or
changed since (deleted ones drop out), still without the lock; at the commit,
under the lock, it checks the generation once more and carries the last few
changes in if one slipped in between. The lock is held for the commit and that
last, small catch-up, never for the bulk of the embedding.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from glossa.corpus.entry import Entry
from glossa.indexer.build import Embedded, EmptyCorpusError, commit_index, embed
from glossa.indexer.document_text import DEFAULT_RECIPE
from glossa.indexer.encoders.encoder import Progress, TextEncoder
from glossa.indexer.store.index_dir import Manifest
from glossa.indexer.store.vectors import DEFAULT_KIND, FAISS_STORE, StoreConfig, StoreProgress
from glossa.indexer.writes import (
    EntriesSnapshot,
    current_generation,
    entries_snapshot,
    refuse_damaged,
)

CATCH_UP_ROUNDS = 3  # catch-ups without the lock before the commit; the last one is under it


@dataclass(frozen=True)
class RebuildReport:
    manifest: Manifest
    lost: list[str]  # lines or files that could not be read (``file:line: reason``)
    carried: int  # entries added, changed or deleted by writes committed meanwhile
    lost_ids: tuple[str, ...] = ()  # live entries that could not be read, by id
    unnamed: int = 0  # live entries that could not be read and whose id nothing recorded
    lost_file: Path | None = None  # every lost id, one per line (written when any was lost)


def carried_over(
    held: Embedded, entries: list[Entry], encoder: TextEncoder, doc_text: str
) -> tuple[Embedded, int]:
    """``entries`` embedded, reusing ``held``'s vectors for every entry that is
    unchanged; returns them and how many entries were added, changed or deleted."""
    where = {e.id: i for i, e in enumerate(held.entries)}
    kept_new, kept_old, fresh = [], [], []
    for j, entry in enumerate(entries):
        i = where.get(entry.id)
        if i is not None and held.entries[i] == entry:
            kept_new.append(j)
            kept_old.append(i)
        else:
            fresh.append(j)
    vectors = np.empty((len(entries), held.vectors.shape[1]), held.vectors.dtype)
    names = np.empty((len(entries), held.names.shape[1]), held.names.dtype)
    vectors[kept_new], names[kept_new] = held.vectors[kept_old], held.names[kept_old]
    if fresh:
        new = embed([entries[j] for j in fresh], encoder, doc_text)
        vectors[fresh], names[fresh] = new.vectors, new.names
    deleted = len(where.keys() - {e.id for e in entries})
    return Embedded(entries, vectors, names), len(fresh) + deleted


def rebuild_index(
    path: Path,
    encoder: TextEncoder,
    *,
    doc_text: str = DEFAULT_RECIPE,
    index_kind: str = DEFAULT_KIND,
    store: StoreConfig = FAISS_STORE,
    progress: Progress | None = None,
    store_progress: StoreProgress | None = None,
    strict: bool = False,
) -> RebuildReport:
    """Embed every readable entry of the index at ``path`` again and commit the
    result on top of the newest version, carrying whatever committed meanwhile.
    ``strict``: refuse an index whose entries are damaged (the API's background
    rebuild must not proceed on damage) instead of keeping every readable one."""
    path = path.resolve()

    def read(locked: bool) -> EntriesSnapshot:
        snapshot = entries_snapshot(path, locked=locked)
        if strict:
            refuse_damaged(path, snapshot.lost)
        return snapshot

    snapshot = read(locked=False)
    if not snapshot.entries:
        raise EmptyCorpusError("no entries to index")
    caught = _CaughtUp(embed(snapshot.entries, encoder, doc_text, progress),
                       snapshot.generation, 0, list(snapshot.lost), snapshot)  # fmt: skip

    def follow(locked: bool) -> None:
        latest = read(locked)
        caught.held, changed = carried_over(caught.held, latest.entries, encoder, doc_text)
        caught.carried += changed
        caught.generation = latest.generation
        caught.lost += [x for x in latest.lost if x not in caught.lost]
        caught.latest = latest

    for _ in range(CATCH_UP_ROUNDS):
        if current_generation(path) == caught.generation:
            break
        follow(locked=False)

    def catch_up(replaced: int) -> Embedded:
        if replaced != caught.generation:
            follow(locked=True)
        return caught.held

    manifest = commit_index(
        path, caught.held, encoder, doc_text=doc_text, index_kind=index_kind, store=store,
        store_progress=store_progress, catch_up=catch_up,
    )  # fmt: skip
    lost_ids = tuple(caught.latest.lost_ids)
    return RebuildReport(manifest, caught.lost, caught.carried, lost_ids, caught.latest.unnamed,
                         write_lost_ids(path, lost_ids, manifest.generation))  # fmt: skip


def write_lost_ids(path: Path, lost_ids: tuple[str, ...], generation: int) -> Path | None:
    """Keep the ids a recovery could not read in a file beside the index (it
    names them all, however many; the terminal shows the first few): what to
    restore from a source glossary or an export."""
    if not lost_ids:
        return None
    file = path.with_name(f"{path.name}.lost-g{generation:08d}.txt")
    tmp = file.with_name(f".{file.name}.tmp")
    tmp.write_text("".join(f"{i}\n" for i in lost_ids), encoding="utf-8")
    os.replace(tmp, file)
    return file


@dataclass
class _CaughtUp:
    """What a rebuild holds: the entries embedded so far and the version they are."""

    held: Embedded
    generation: int
    carried: int
    lost: list[str]
    latest: EntriesSnapshot  # the last read: whose entries were lost
