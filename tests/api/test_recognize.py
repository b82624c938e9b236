"""POST /recognize over a small termbase (fake encoder, declared concepts)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from glossa.api.app import create_app
from glossa.indexer.build import build_index
from glossa.recognition import MAX_TEXT_CHARS
from glossa.search.searcher import Searcher

from tests.fakes import FakeEncoder
from tests.recognition.test_recognizer import termbase


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    path = tmp_path_factory.mktemp("rec-api") / "idx"
    encoder = FakeEncoder()
    build_index(termbase(), encoder, path)
    with TestClient(create_app(searcher=Searcher.open(path, encoder))) as c:
        yield c


def test_recognize_answers_matches_with_equivalents(client):
    text = "Dbamy o obsługę klientów, NPS rośnie."
    r = client.post("/recognize", json={"text": text, "target": ["zh"]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["lang"] == "pl" and body["mode"] == "inflected"
    got = [(m["text"], m["id"], m["match"], [e["id"] for e in m["equivalents"]])
           for m in body["matches"]]  # fmt: skip
    assert got == [("obsługę klientów", "pl-cs", "inflected", ["zh-cs"]),
                   ("NPS", "pl-nps", "exact", ["zh-nps"])]  # fmt: skip
    for m in body["matches"]:
        assert text[m["start"] : m["end"]] == m["text"]


@pytest.mark.parametrize(
    ("body", "status", "parameter"),
    [
        ({"text": ""}, 422, "text"),
        ({"text": "x" * (MAX_TEXT_CHARS + 1)}, 422, "text"),
        ({"text": "   "}, 422, "text"),
        ({"text": "tekst", "lang": "xx"}, 400, "lang"),
        ({"text": "tekst", "target": ["xx"]}, 400, "target"),
        ({"text": "tekst", "mode": "stems"}, 422, "mode"),
    ],
)
def test_bad_input_is_a_clear_error(client, body, status, parameter):
    r = client.post("/recognize", json=body)
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert error["parameter"] == parameter
    if len(body["text"]) > MAX_TEXT_CHARS:
        assert str(MAX_TEXT_CHARS) in error["message"]


def test_a_body_that_is_not_json_is_415(client):
    r = client.post(
        "/recognize", content=b"obsluga klienta", headers={"content-type": "text/plain"}
    )
    assert r.status_code == 415


def test_translation_qa_says_which_source_terms_lack_their_approved_equivalent(client):
    body = {"source": "Obsługa klienta i NPS.", "target": "客户服务很好。", "source_lang": "pl",
            "target_lang": "zh"}  # fmt: skip
    r = client.post("/qa/translation", json=body)
    assert r.status_code == 200, r.text
    got = r.json()
    verdicts = {t["term"]["id"]: (t["verdict"], t["found"]) for t in got["terms"]}
    assert verdicts == {"pl-cs": ("used", "客户服务"), "pl-nps": ("missing", None)}
    assert got["problems"] == 1
    bad = client.post("/qa/translation", json={**body, "target_lang": "xx"})
    assert bad.status_code == 400 and bad.json()["error"]["parameter"] == "target_lang"


def test_termbase_qa_lists_checks_with_counts(client):
    r = client.get("/qa/termbase", params={"limit": 1})
    assert r.status_code == 200, r.text
    checks = {c["name"]: c for c in r.json()["checks"]}
    assert (
        checks["missing_language"]["count"] >= 1 and len(checks["missing_language"]["items"]) == 1
    )
    assert client.get("/qa/termbase", params={"limit": 0}).status_code == 422
