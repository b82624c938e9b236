"""The concept layer of a stored index version: its calibration statistics and
its equivalence graph, built over the version's rows and advanced by a write.

``concepts`` knows entries, vectors and reviews, not how an index stores them;
this module is where the two meet, so the read path (``search.Searcher``) and
the write path (``indexer.publish``) build the same graph and the same
calibration from the same pieces, and neither builds the other's objects.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from glossa.concepts.calibration import LanguageCalibration
from glossa.concepts.equivalents import EquivalenceGraph
from glossa.indexer.store.reader import LoadedIndex


def physical_rows(index: LoadedIndex) -> tuple[np.ndarray, np.ndarray]:
    """Every physical row's language and whether it is live (deleted rows keep
    their place until a merge)."""
    langs = np.concatenate([seg.langs for seg in index.segments])
    live = np.concatenate([~dead for dead in index.dead])
    return langs, live


def vector_fetcher(index: LoadedIndex) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Rows -> their document and names vectors, as the graph reads them."""

    def fetch(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return index.vectors_of(rows), index.vectors_of(rows, names=True)

    return fetch


def build_graph(index: LoadedIndex) -> EquivalenceGraph:
    """The equivalence graph over every row of ``index``; gives back the mapped
    pages it read (every row's names vectors and entry line)."""
    langs, live = physical_rows(index)
    graph = EquivalenceGraph.over(
        index.entry, index.row_of, langs, live, vector_fetcher(index), index.reviews,
        named=index.rows_named, keys=index.concept_keys, concepts=index.concept_of,
    )
    index.release()
    return graph


def advance_graph(graph: EquivalenceGraph, old: LoadedIndex, new: LoadedIndex) -> EquivalenceGraph:
    """The graph of ``new``: ``graph`` (over ``old``'s rows, left as it is for its
    readers) advanced by what a write changed, in graph rows: rows renumbered by a merge, rows deleted, rows added
    (new entries and new versions of updated ones, and rows a restore brought
    back to life in a segment both versions share)."""
    where = {seg.name: base for seg, base in zip(new.segments, new.bases, strict=True)}
    mapping = np.full(old.rows, -1, np.int64)
    renumbered = False
    for seg, base in zip(old.segments, old.bases, strict=True):
        moved = where.get(seg.name)
        if moved is None:
            renumbered = True
        else:
            mapping[base : base + len(seg)] = moved + np.arange(len(seg))
            renumbered |= moved != base
    kept = {seg.name: s for s, seg in enumerate(old.segments)}
    added = []
    for s, (seg, base) in enumerate(zip(new.segments, new.bases, strict=True)):
        if seg.name in kept:  # live again (a restore to before a delete): as added
            added.extend((base + np.flatnonzero(old.dead[kept[seg.name]] & ~new.dead[s])).tolist())
            continue
        for local in np.flatnonzero(~new.dead[s]).tolist():
            entry = seg.entries[local]
            before = old.row_of(entry.id)
            if before is not None and mapping[before] < 0 and old.entry(before) == entry:
                mapping[before] = base + local  # moved by a merge, unchanged
            else:
                added.append(base + local)
    langs, live = physical_rows(new)
    was_live = old.live_rows
    now = mapping[was_live]
    deleted = now[(now >= 0) & ~live[np.maximum(now, 0)]]
    return graph.advance(
        langs, live, np.array(added, np.int64), deleted, new.reviews,
        mapping=mapping if renumbered else None, entry=new.entry, row_of=new.row_of,
        fetch=vector_fetcher(new), named=new.rows_named, keys=new.concept_keys,
        concepts=new.concept_of,
    )  # fmt: skip


def calibrate(index: LoadedIndex, *, entry_statistics: bool) -> LanguageCalibration:
    """Per-language score statistics sampled from the live rows; with
    ``entry_statistics`` each document's pseudo-query statistics are used too
    (the ``calibrated`` scoring)."""
    live = index.live_rows
    langs = np.concatenate(
        [seg.langs[~dead] for seg, dead in zip(index.segments, index.dead, strict=True)]
    )

    def fetch(rows: np.ndarray) -> np.ndarray:
        return index.vectors_of(live[rows])

    return LanguageCalibration(fetch, langs, index.doc_stats if entry_statistics else None)
