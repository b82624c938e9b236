"""The API over an index published into Milvus (Milvus Lite): the same routes
answer from the engine, writes and reviews go to it by id, and a rebuild is
refused with what to do instead."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from glossa.api.app import create_app
from glossa.indexer.engine.publish import publish
from glossa.search.published_reader import PublishedReader
from glossa.search.searcher import Searcher

from glossa.settings import Settings

pytestmark = pytest.mark.slow  # Milvus Lite and the real model

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
CES_DE = {
    "id": "de-ces", "term": "Kundenaufwandswert", "lang": "de", "aliases": ["CES"],
    "english": "Customer Effort Score",
    "definition": "Kennzahl dafür, wie viel Mühe Kunden aufwenden müssen, um ihr Anliegen zu lösen.",
}  # fmt: skip


@pytest.fixture()
def served(tmp_path, real_index_dir, real_encoder, milvus_store):
    out = tmp_path / "published"
    publish(real_index_dir, out, milvus_store)
    settings = Settings(index_dir=out, admin_token=TOKEN, milvus_uri=milvus_store.milvus_uri)
    searcher = Searcher(PublishedReader(out, milvus_store), real_encoder)
    with TestClient(create_app(settings, searcher=searcher)) as client:
        yield client


def test_reads_answer_from_the_engine(served, real_searcher):
    stats = served.get("/stats").json()
    assert stats["count"] == 234 and stats["index_kind"].startswith("milvus-engine")
    hits = served.get("/search", params={"q": "what measures customer effort", "k": 10}).json()
    local = real_searcher.search("what measures customer effort", 10)
    assert [h["id"] for h in hits["hits"]] == [h.id for h in local]
    fa_ces = served.get("/search", params={"q": "Customer Effort Score", "lang": "fa"}).json()
    entry_id = fa_ces["hits"][0]["id"]
    assert served.get(f"/entries/{entry_id}").json()["id"] == entry_id
    equivalents = served.get(f"/entries/{entry_id}/equivalents").json()
    assert [e["id"] for e in equivalents["equivalents"]] == [
        e.hit.id for e in real_searcher.equivalents(entry_id)
    ]
    assert served.get("/entries/nope/equivalents").status_code == 404
    # a concept, by an entry id and by its concept id, as the local engine gives it
    local_concept = real_searcher.concept(entry_id)
    for key in (entry_id, local_concept.id):
        concept = served.get(f"/concepts/{key}").json()
        assert concept["id"] == local_concept.id
        assert {m["id"]: m["joined"] for ms in concept["languages"].values() for m in ms} == {
            m.hit.id: m.joined for m in real_searcher.concept(concept["anchor"]).members}
    assert served.get("/concepts/nope").status_code == 404
    languages = {x["lang"]: x["count"] for x in served.get("/languages").json()}
    assert languages == real_searcher.index.manifest.languages
    sources = {s["source"]: s["languages"] for s in served.get("/sources").json()}
    assert sources == {s: sorted(v) for s, v in real_searcher.index.source_languages().items()}


def test_writes_and_reviews_go_to_the_engine(served):
    added = served.post("/entries", json={"entries": [CES_DE]}, headers=AUTH)
    assert added.status_code == 201 and added.json()["count"] == 235, added.text
    top = served.get("/search", params={"q": "Kundenaufwandswert", "k": 1}).json()["hits"][0]
    assert top["id"] == "de-ces"
    assert "de" in {x["lang"] for x in served.get("/languages").json()}
    linked = served.get("/entries/de-ces/equivalents").json()["equivalents"]
    other = linked[0]["id"]
    review = served.post("/equivalents/reviews", headers=AUTH,
                         json={"a": "de-ces", "b": other, "decision": "rejected"})  # fmt: skip
    assert review.status_code == 200 and review.json()["changed"], review.text
    after = served.get("/entries/de-ces/equivalents").json()["equivalents"]
    assert other not in [e["id"] for e in after]
    gone = served.delete("/entries/de-ces", headers=AUTH)
    assert gone.status_code == 200 and gone.json()["count"] == 234
    assert served.get("/entries/de-ces").status_code == 404
    refused = served.post("/admin/rebuild", headers=AUTH)
    assert refused.status_code == 409 and "glossa publish" in refused.json()["error"]["message"]
