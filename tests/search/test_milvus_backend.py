"""Glossa on Milvus: the bundled corpus embedded with the real model, stored in a
real (embedded) Milvus server, must answer exactly like FAISS exact search, and
everything above the vector store (filters, hybrid ranking, live changes, the
manifest checks, the CLI) must work unchanged."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from glossa.corpus.entry import Entry
from glossa.indexer.build import build_index
from glossa.indexer.store.index_dir import IndexLoadError, read_manifest
from glossa.indexer.store.reader import load_index_dir
from glossa.indexer.store.vectors import FAISS_STORE
from glossa.indexer.writes import apply_changes
from glossa.search.searcher import Searcher
from typer.testing import CliRunner

from benchmarks.gold.concepts import QUERIES

pytestmark = pytest.mark.slow  # starts a Milvus server

GOLD = [q[0] for q in QUERIES]


@pytest.fixture(scope="module")
def milvus_index_dir(tmp_path_factory, bulk_real_encoder, bundled_entries, milvus_store):
    out = tmp_path_factory.mktemp("milvus-index") / "index"
    build_index(bundled_entries, bulk_real_encoder, out, store=milvus_store)
    return out


@pytest.fixture(scope="module")
def milvus_searcher(milvus_index_dir, real_encoder, milvus_store):
    return Searcher.open(milvus_index_dir, real_encoder, store=milvus_store)


def same_up_to_ties(a: list[tuple[str, float]], b: list[tuple[str, float]]) -> bool:
    if len(a) != len(b):
        return False
    return all(x == y or abs(sx - sy) < 1e-4 for (x, sx), (y, sy) in zip(a, b, strict=True))


def test_gold_set_top10_equals_faiss_exact_search(real_searcher, milvus_searcher, real_encoder):
    queries = real_encoder.encode_queries(GOLD)
    (faiss,), (milvus,) = real_searcher.index.segments, milvus_searcher.index.segments
    faiss_scores, faiss_rows = faiss.vectors.search(queries, 10)
    milvus_scores, milvus_rows = milvus.vectors.search(queries, 10)
    assert faiss.vectors.kind == "faiss-flat-ip" and milvus.vectors.kind == "milvus"
    mismatches = [
        i for i in range(len(GOLD))
        if not same_up_to_ties(
            list(zip(faiss_rows[i].tolist(), faiss_scores[i].tolist(), strict=True)),
            list(zip(milvus_rows[i].tolist(), milvus_scores[i].tolist(), strict=True)),
        )
    ]  # fmt: skip
    assert not mismatches, [GOLD[i] for i in mismatches]
    assert len(GOLD) == 162


@pytest.mark.parametrize("mode", ["dense", "hybrid"])
def test_rankers_above_the_store_answer_the_same(real_searcher, milvus_searcher, mode):
    for query in GOLD[:60]:
        a = [(h.id, h.score) for h in real_searcher.search(query, k=10, mode=mode)]
        b = [(h.id, h.score) for h in milvus_searcher.search(query, k=10, mode=mode)]
        assert same_up_to_ties(a, b), query


def test_filters_are_pushed_into_milvus(real_searcher, milvus_searcher):
    for lang, source in (
        ("fa", None),
        (None, "002_f62ddd5e23a5bbc8.txt"),
        ("pl", "001_7895df923257d023.txt"),
    ):
        kwargs = {"lang": lang, "source": source}
        hits = milvus_searcher.search("customer effort", k=10, mode="dense", **kwargs)
        assert hits and all((lang is None or h.lang == lang) and (source is None or h.source == source)
                            for h in hits)  # fmt: skip
        assert [h.id for h in hits] == [
            h.id for h in real_searcher.search("customer effort", k=10, mode="dense", **kwargs)
        ]


def collections(index) -> list[str]:
    return [
        json.loads((index / "segments" / i.name / i.vectors_file).read_text())["collection"]
        for i in read_manifest(index).segments
    ]


def test_live_change_adds_a_segment_collection_and_merges_drop_the_old(
    tmp_path, milvus_store, real_encoder, bundled_entries, monkeypatch
):
    from glossa.indexer.store.milvus import connect

    # one kept version: a collection goes once no kept version names it (with the
    # default three, three writes later)
    milvus_store = dataclasses.replace(milvus_store, keep_versions=1)
    from glossa.indexer.writes import optimize

    out = tmp_path / "idx"
    build_index(bundled_entries[:40], real_encoder, out, store=milvus_store)
    (first,) = collections(out)
    assert read_manifest(out).backend == "milvus" and first.startswith("test_g1_")
    entry = Entry("de-ces", "Kundenaufwandswert", "Wie viel Mühe Kunden aufwenden.", "de", "t")
    loaded, report = apply_changes(out, real_encoder, add=[entry], store=milvus_store,
                                   delete=[bundled_entries[0].id])  # fmt: skip
    # the write costs one small collection for the new segment; the first stays
    assert report.added == ("de-ces",) and collections(out)[0] == first
    client = connect(milvus_store)
    assert all(client.has_collection(c) for c in collections(out))
    searcher = Searcher.of_index(loaded, real_encoder)
    assert searcher.search("Kundenaufwandswert", k=1)[0].id == "de-ces"
    assert bundled_entries[0].id not in {
        h.id for h in searcher.search(bundled_entries[0].term, k=40, mode="dense")
    }  # fmt: skip  (deleted rows never return)
    old = collections(out)
    optimize(out, store=milvus_store)  # one segment again; the old ones serve `restore` ...
    apply_changes(out, real_encoder, delete=["de-ces"], store=milvus_store)
    assert not any(client.has_collection(c) for c in old)  # ... until replaced
    before_rebuild = collections(out)
    build_index(bundled_entries[:20], real_encoder, out, store=milvus_store)  # a full rebuild
    # is a commit like a write: the replaced version's collections serve `restore` ...
    assert all(client.has_collection(c) for c in before_rebuild + collections(out))
    apply_changes(out, real_encoder, delete=[bundled_entries[1].id], store=milvus_store)
    assert not any(client.has_collection(c) for c in before_rebuild)  # ... until replaced
    assert all(client.has_collection(c) for c in collections(out))


def test_backend_mismatch_is_refused_clearly(milvus_index_dir, real_index_dir, milvus_store):
    with pytest.raises(IndexLoadError, match="keeps its vectors in milvus .*GLOSSA_BACKEND=faiss"):
        load_index_dir(milvus_index_dir, store=FAISS_STORE)
    with pytest.raises(IndexLoadError, match="keeps its vectors in faiss .*GLOSSA_BACKEND=milvus"):
        load_index_dir(real_index_dir, store=milvus_store)


def test_cli_on_milvus_and_with_milvus_down(milvus_index_dir, milvus_store, monkeypatch):
    import glossa.runtime
    from glossa.cli import app
    from tests.api.conftest import free_port

    runner = CliRunner()
    monkeypatch.setenv("GLOSSA_BACKEND", "milvus")
    monkeypatch.setenv("GLOSSA_MILVUS_URI", milvus_store.milvus_uri)
    ok = runner.invoke(app, ["search", "NPS", "--json", "--index", str(milvus_index_dir)])
    assert ok.exit_code == 0, ok.output
    monkeypatch.setenv("GLOSSA_MILVUS_URI", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("GLOSSA_MILVUS_TIMEOUT", "2")
    down = runner.invoke(app, ["search", "NPS", "--index", str(milvus_index_dir)])
    assert down.exit_code == 1 and "Traceback" not in down.output
    assert "cannot reach Milvus" in " ".join(down.stderr.split())
    assert glossa.runtime  # the real encoder path was used above
    assert np  # noqa
