"""The whole index in Milvus (Milvus Lite, embedded): published from the bundled
index built with the real model, it must answer like the local engine: the
same dense rankings, the same equivalents and candidates for every entry, and
hybrid quality on the gold set within a hair of the local one (BM25 statistics
are Milvus's own)."""

from __future__ import annotations

import dataclasses
import json

import pytest
from glossa.api.errors import STATUS
from glossa.corpus.entry import Entry
from glossa.indexer.engine.changes import engine_changes
from glossa.indexer.engine.collection import EngineCollection
from glossa.indexer.engine.directory import ENGINE_FILE, load_engine_dir
from glossa.indexer.engine.publish import publish
from glossa.indexer.writes import ChangeError
from glossa.search.evaluation import evaluate_run, load_beir
from glossa.search.published_reader import PublishedReader
from glossa.search.searcher import QueryError, Searcher
from typer.testing import CliRunner

from benchmarks.gold.build import BEIR_DIR
from benchmarks.gold.concepts import QUERIES

pytestmark = pytest.mark.slow  # Milvus Lite and the real model

GOLD = [q[0] for q in QUERIES]


@pytest.fixture(scope="module")
def engine_dir(tmp_path_factory, real_index_dir, milvus_store):
    out = tmp_path_factory.mktemp("engine") / "published"
    publish(real_index_dir, out, milvus_store)
    return out


@pytest.fixture(scope="module")
def engine(engine_dir, real_encoder, milvus_store):
    return Searcher(PublishedReader(engine_dir, milvus_store), real_encoder)


def test_the_local_directory_holds_no_entry(engine_dir, real_searcher):
    names = sorted(p.name for p in engine_dir.iterdir())
    assert len(names) == 2 and names[1] == ENGINE_FILE and names[0].endswith(".npz")
    manifest, _ = load_engine_dir(engine_dir)
    assert manifest.count == len(real_searcher.entries) == 234
    assert manifest.languages == real_searcher.index.manifest.languages


def test_dense_rankings_equal_the_local_engine(real_searcher, engine):
    """The same entries in the same order, except where two scores tie (calibrated
    scores amplify float32 differences between the engines' inner products). Every
    other gold query, for the suite's time (all 162 were checked the same way)."""
    for query in GOLD[::2]:
        a = [(h.id, h.score) for h in real_searcher.search(query, 10, mode="dense")]
        b = [(h.id, h.score) for h in engine.search(query, 10, mode="dense")]
        assert len(a) == len(b) == 10, query
        for (x, sx), (y, sy) in zip(a, b, strict=True):
            assert sx == pytest.approx(sy, abs=2e-3), query
            assert x == y or abs(sx - sy) < 2e-3, query


@pytest.mark.parametrize("mode", ["lexical", "hybrid"])
def test_gold_quality_matches_the_local_engine(real_searcher, engine, mode):
    dataset = load_beir(BEIR_DIR)
    figures = {}
    for name, searcher in (("local", real_searcher), ("milvus", engine)):
        run = {qid: {h.id: float(100 - h.rank) for h in searcher.search(text, 10, mode=mode)}
               for qid, text in dataset.queries.items()}  # fmt: skip
        figures[name] = evaluate_run(dataset.qrels, run, ["ndcg@10"])["ndcg@10"]
    assert figures["milvus"] == pytest.approx(figures["local"], abs=0.01), figures


def test_linked_entries_equivalents_and_candidates_equal_the_graphs(real_searcher, engine):
    """Every entry the local graph links, and every sixth other entry (links the
    engine must not invent), answer alike. All 234 were checked once (all equal); the
    suite keeps a tenth of the unlinked ones, for its time."""
    linked = [e for e in real_searcher.entries if real_searcher.equivalents(e.id)]
    others = [e for e in real_searcher.entries if not real_searcher.equivalents(e.id)]
    for entry in linked + others[::10]:
        local = [(e.hit.id, e.status) for e in real_searcher.equivalents(entry.id)]
        remote = [(e.hit.id, e.status) for e in engine.equivalents(entry.id)]
        assert sorted(remote) == sorted(local), entry.id
    for entry in linked[:10]:
        local = {lang: [(c.hit.id, c.status, c.mutual) for c in found]
                 for lang, found in real_searcher.candidates(entry.id).items()}  # fmt: skip
        remote = {lang: [(c.hit.id, c.status, c.mutual) for c in found]
                  for lang, found in engine.candidates(entry.id).items()}  # fmt: skip
        assert {k: sorted(v) for k, v in remote.items()} == {
            k: sorted(v) for k, v in local.items()}, entry.id  # fmt: skip


def test_a_name_typed_whole_comes_first(engine):
    for mode in ("lexical", "hybrid"):
        top = engine.search("NPS", 5, mode=mode)[0]
        assert "NPS" in (top.term, *top.aliases, top.english), mode


def test_filters_run_inside_the_engine(engine, real_searcher):
    for mode in ("dense", "lexical", "hybrid"):
        hits = engine.search("customer effort", 10, lang="fa", mode=mode)
        assert hits and all(h.lang == "fa" for h in hits), mode
        source = real_searcher.sources[1]
        hits = engine.search("customer effort", 10, lang=["pl", "zh"], source=source, mode=mode)
        assert all(h.source == source and h.lang in ("pl", "zh") for h in hits), mode
    with pytest.raises(QueryError, match="unknown language xx; valid: "):
        engine.search("nps", lang="xx")
    with pytest.raises(QueryError, match="unknown entry id"):
        engine.equivalents("no-such-id")


def test_republishing_swaps_the_collection_and_drops_the_old_one(
    tmp_path, real_index_dir, milvus_store, real_encoder
):
    out = tmp_path / "published"
    first = publish(real_index_dir, out, milvus_store).collection
    second = publish(real_index_dir, out, milvus_store).collection
    assert first != second
    client = EngineCollection.open(milvus_store, second, 384, "FLAT")._client
    assert not client.has_collection(first) and client.has_collection(second)
    assert Searcher(PublishedReader(out, milvus_store), real_encoder).search("NPS", 1)
    EngineCollection.drop(milvus_store, second)


GERMAN_CES = Entry(
    id="de-ces", term="Kundenaufwandswert", lang="de", source="test.jsonl",
    english="Customer Effort Score", aliases=("CES",),
    definition="Misst, wie viel Aufwand ein Kunde betreiben muss, um ein Anliegen zu lösen.",
)  # fmt: skip


def stored_links_are_current(searcher: Searcher, ids: list[str]) -> None:
    stored = searcher.reader.collection.fetch(ids, ["links"])
    for entry_id in ids:
        decided = sorted(e.hit.id for e in searcher.equivalents(entry_id))
        assert sorted(stored[entry_id]["links"]) == decided, entry_id


def test_changes_cost_rows_and_keep_counts_languages_and_links_current(
    tmp_path, real_index_dir, milvus_store, real_encoder
):
    out = tmp_path / "published"
    publish(real_index_dir, out, milvus_store)
    searcher = Searcher(PublishedReader(out, milvus_store), real_encoder)
    fa_ces = searcher.search("Customer Effort Score", 1, lang="fa")[0].id
    assert "de" not in searcher.languages

    report = engine_changes(out, real_encoder, milvus_store, add=[GERMAN_CES])
    assert report.added == ("de-ces",) and report.count == 235 and report.embedded == 2
    assert searcher.search("Kundenaufwandswert", 1)[0].id == "de-ces"  # the server saw it
    assert searcher.languages == ["de", "fa", "pl", "zh"] and searcher.index.manifest.count == 235
    assert searcher.search("Kundenaufwand", 3, lang="de", mode="dense")[0].id == "de-ces"
    assert fa_ces in [e.hit.id for e in searcher.equivalents("de-ces")]
    stored_links_are_current(searcher, ["de-ces", fa_ces])
    again = engine_changes(out, real_encoder, milvus_store, add=[GERMAN_CES])
    assert again.unchanged == ("de-ces",) and again.generation == report.generation

    renamed = dataclasses.replace(GERMAN_CES, term="Kundenaufwand-Score")
    assert engine_changes(out, real_encoder, milvus_store, update=[renamed]).updated == ("de-ces",)
    assert searcher.get("de-ces") == renamed
    assert searcher.search("Kundenaufwand-Score", 1, mode="lexical")[0].id == "de-ces"
    with pytest.raises(ChangeError, match="already exist") as conflict:
        engine_changes(out, real_encoder, milvus_store, add=[GERMAN_CES])
    assert STATUS[conflict.value.kind][0] == 409  # what the API answers

    engine_changes(out, None, milvus_store, delete=["de-ces"])
    assert searcher.get("de-ces") is None and searcher.index.manifest.count == 234
    assert "de" not in searcher.languages
    assert "de-ces" not in [h.id for h in searcher.search("Kundenaufwandswert", 10)]
    stored_links_are_current(searcher, [fa_ces])
    with pytest.raises(ChangeError, match="no entry with id 'de-ces'") as missing:
        engine_changes(out, None, milvus_store, delete=["de-ces"])
    assert STATUS[missing.value.kind][0] == 404  # what the API answers


def test_the_cli_publishes_searches_and_changes_an_index_in_milvus(
    tmp_path, real_index_dir, milvus_store, monkeypatch
):
    from glossa.cli import app

    runner = CliRunner()
    monkeypatch.setenv("GLOSSA_MILVUS_URI", milvus_store.milvus_uri)
    out = tmp_path / "published"
    done = runner.invoke(app, ["publish", "--index", str(real_index_dir), "--to", str(out)])
    assert done.exit_code == 0 and "published 234 entries" in done.output, done.output
    monkeypatch.delenv("GLOSSA_MILVUS_URI")  # the directory remembers its server
    found = runner.invoke(app, ["search", "NPS", "--json", "-k", "3", "--index", str(out)])
    assert found.exit_code == 0, found.output
    top = json.loads(found.stdout)["hits"][0]
    assert "NPS" in (top["term"], *top["aliases"], top["english"])
    shown = runner.invoke(app, ["info", "--index", str(out)])
    assert shown.exit_code == 0 and "collection" in shown.output, shown.output
    linked = runner.invoke(app, ["equivalents", top["id"], "--json", "--index", str(out)])
    assert linked.exit_code == 0 and json.loads(linked.stdout)["entry"]["id"] == top["id"]
    local_only = runner.invoke(app, ["check", "--index", str(out)])
    assert local_only.exit_code == 1 and "published into Milvus" in local_only.stderr
    assert str(real_index_dir) in " ".join(local_only.stderr.split()).replace(" ", "")
    # recognition and termbase QA read the segments: the termbase refuses them the same way
    text = tmp_path / "text.txt"
    text.write_text("Net Promoter Score", encoding="utf-8")
    for command in (["recognize", str(text)], ["lint"]):
        refused = runner.invoke(app, [*command, "--index", str(out)])
        assert refused.exit_code == 1 and "local index" in refused.stderr, refused.output
    gone = runner.invoke(app, ["delete", top["id"], "--index", str(out)])
    assert gone.exit_code == 0, gone.output
    again = runner.invoke(app, ["delete", top["id"], "--index", str(out)])
    assert again.exit_code == 1 and "no entry with id" in again.stderr
    missing = runner.invoke(app, ["search", "NPS", "--index", str(tmp_path / "nowhere")])
    assert missing.exit_code == 1 and "Traceback" not in missing.output
