"""The equivalence graph kept up to date by writes gives the same links and
candidates as one built from scratch on the new version (with the same language
means, which a graph fixes when it is built)."""

from __future__ import annotations

import dataclasses

import numpy as np
from glossa.concepts.equivalents import EquivalenceGraph
from glossa.corpus.entry import Entry
from glossa.indexer.build import build_index
from glossa.indexer.concept_links import physical_rows, vector_fetcher
from glossa.indexer.store.reader import load_index_dir
from glossa.indexer.writes import apply_changes
from glossa.search.searcher import Searcher

from tests.fakes import FakeEncoder


def answers(searcher: Searcher, graph: EquivalenceGraph) -> dict:
    index = searcher.index
    out = {}
    for row in index.live_rows.tolist():
        entry = index.entry(row).id
        # the fast path hybrid search spreads along names exactly the confirmed links
        assert set(graph.linked(row)) == {eq.row for eq in graph.equivalents(row)}
        out[entry] = (
            [(index.entry(eq.row).id, eq.status, round(eq.score, 5)) for eq in graph.equivalents(row)],
            {lang: [(index.entry(c.row).id, round(c.score, 5), c.status) for c in found]
             for lang, found in graph.candidates(row).items()},
        )  # fmt: skip
    return out


def fresh_graph(searcher: Searcher, means: EquivalenceGraph) -> EquivalenceGraph:
    """A graph built from scratch over ``searcher``'s version, centred as ``means``."""
    langs, live = physical_rows(searcher.index)
    return EquivalenceGraph.over(
        searcher.index.entry, searcher.index.row_of, langs, live,
        vector_fetcher(searcher.index), searcher.index.reviews, means=means,
    )  # fmt: skip


def test_graph_advanced_through_writes_equals_a_fresh_one(tmp_path, bundled_entries):
    encoder = FakeEncoder()
    out = tmp_path / "idx"
    build_index(bundled_entries[:150], encoder, out)
    searcher = Searcher.of_index(load_index_dir(out), encoder)
    assert searcher.equivalents(bundled_entries[0].id) is not None  # builds the graph
    graph = searcher.graph
    for step in range(9):  # enough writes for merges to renumber rows
        new = [Entry(f"de-inc{step}-{i}", f"{bundled_entries[step * 3 + i].term}",
                     f"Definition {step} {i}.", "de", "inc", concept=f"k{step}")
               for i in range(2)]  # fmt: skip
        # updates that join a concept declared in this write, or leave one declared earlier
        concept = f"k{step}" if step % 2 == 0 else None
        changed = dataclasses.replace(bundled_entries[40 + step], definition=f"Neu {step}.",
                                      concept=concept)  # fmt: skip
        if step % 2:  # the entry that joined k{step - 1} last step leaves it
            changed = dataclasses.replace(bundled_entries[40 + step - 1], concept=None)
        loaded, report = apply_changes(out, encoder, add=new, update=[changed],
                                       delete=[bundled_entries[60 + step].id],
                                       current=searcher.index)  # fmt: skip
        searcher = searcher.with_index(loaded)
        assert searcher.reader.graph_ready and searcher.graph.generation == graph.generation + 1
        graph = searcher.graph  # advanced into a new graph, not rebuilt
    assert graph.generation == 9 and len(searcher.index.segments) < 9
    fresh = fresh_graph(searcher, graph)
    assert answers(searcher, graph) == answers(searcher, fresh)
    declared = {
        searcher.index.entry(eq.row).id
        for eq in graph.equivalents(searcher.index.row_of("de-inc8-0"))
        if eq.status == "declared"
    }
    assert declared == {bundled_entries[48].id}  # joined k8 in the last write
    left = graph.equivalents(searcher.index.row_of(bundled_entries[46].id))  # left k6 again
    assert not any(eq.status == "declared" for eq in left)
    assert "de-inc6-0" not in {searcher.index.entry(eq.row).id for eq in left}
    linked = {searcher.index.entry(eq.row).id
              for eq in graph.equivalents(searcher.index.row_of("de-inc8-0"))}  # fmt: skip
    assert "de-inc8-1" not in linked  # same language: never an equivalent
    assert np.all(physical_rows(searcher.index)[1][searcher.index.live_rows])


def test_graph_advanced_through_a_restore_equals_a_fresh_one(tmp_path, bundled_entries):
    """A restore to before a delete makes a row live again in a segment both
    versions share: the advanced graph lists it again, as a fresh one does."""
    from glossa.indexer.store.versions import restore_version

    encoder = FakeEncoder()
    out = tmp_path / "idx"
    build_index(bundled_entries[:150], encoder, out)
    searcher = Searcher.of_index(load_index_dir(out), encoder)
    graph = searcher.graph
    gone = next(e.id for e in bundled_entries[:150]  # one that others list as an equivalent
                if graph.equivalents(searcher.index.row_of(e.id)))  # fmt: skip
    loaded, _ = apply_changes(out, encoder, delete=[gone], current=searcher.index)
    searcher = searcher.with_index(loaded)
    restore_version(out)
    searcher = searcher.with_index(load_index_dir(out, reuse=searcher.index))
    advanced = searcher.graph  # advanced twice (the delete, the restore), not rebuilt
    assert advanced.generation == graph.generation + 2 and searcher.get(gone) is not None
    fresh = fresh_graph(searcher, advanced)
    assert answers(searcher, advanced) == answers(searcher, fresh)
