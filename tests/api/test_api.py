import re
import threading
import urllib.parse

import pytest
from fastapi.testclient import TestClient
from glossa.api import models
from glossa.api.app import create_app
from glossa.indexer.build import build_index
from glossa.search.searcher import Searcher

from glossa.settings import Settings
from glossa.termbase import open_termbase
from tests.fakes import FakeEncoder


def assert_error(response, status, code, fragment, parameter=None):
    assert response.status_code == status, response.text
    body = models.ErrorResponse.model_validate(response.json())  # the one error shape
    assert body.error.code == code
    assert fragment in body.error.message
    if parameter:
        assert body.error.parameter == parameter


def test_search_shape_and_cross_language_hits(client):
    response = client.get("/search", params={"q": "what measures customer effort", "k": 10})
    assert response.status_code == 200
    body = models.SearchResult.model_validate(response.json())
    assert (
        body.query == "what measures customer effort" and body.mode == "hybrid" and body.took_ms > 0
    )
    assert len(body.hits) == 10
    assert set(response.json()["hits"][0]) == {
        "id",
        "term",
        "aliases",
        "english",
        "definition",
        "lang",
        "source",
        "source_title",
        "concept",
        "definition_from",
        "term_status",
        "discouraged",
        "score",
    }
    assert {"امتیاز تلاش مشتری", "客户努力得分"} <= {h.term for h in body.hits}
    assert "_" not in {h.source: h.source_title for h in body.hits}.get(
        "004_4c7066f51d2a5c3e.txt", ""
    )


def test_repeated_filters_and_modes(client):
    response = client.get(
        "/search", params=[("q", "NPS"), ("lang", "zh"), ("lang", "fa"), ("k", "5")]
    )
    hits = response.json()["hits"]
    assert len(hits) == 5 and {h["lang"] for h in hits} <= {"zh", "fa"}
    source = "003_ca5edb6b570cf714.txt"
    hits = client.get("/search", params={"q": "chat", "source": source, "mode": "lexical"}).json()[
        "hits"
    ]
    assert hits and all(h["source"] == source for h in hits)
    for mode in ("dense", "lexical", "hybrid"):
        assert client.get("/search", params={"q": "CSAT", "mode": mode}).json()["mode"] == mode


@pytest.mark.parametrize(
    "query",
    [
        "客户流失",
        "امتیاز خالص مروجان",
        "می\u200cتوانید",
        "Zażółć gęślą jaźń",
        "😀 customer 🎧",
        "a&b=c?#%",
    ],
)
def test_any_script_works_url_encoded(client, query):
    url = "/search?q=" + urllib.parse.quote(query, safe="")
    response = client.get(url)
    assert response.status_code == 200, response.text
    assert response.json()["query"] == query


@pytest.mark.parametrize(
    ("params", "status", "fragment", "parameter"),
    [
        ({}, 422, "q: Field required", "q"),
        ({"q": ""}, 422, "at least 1 character", "q"),
        ({"q": "   \t "}, 422, "the query is empty", "q"),
        ({"q": "x" * 1001}, 422, "at most 1000 characters", "q"),
        ({"q": "x", "k": 0}, 422, "greater than or equal to 1", "k"),
        ({"q": "x", "k": 101}, 422, "less than or equal to 100", "k"),
        ({"q": "x", "k": "ten"}, 422, "valid integer", "k"),
        ({"q": "x", "lang": "de"}, 400, "unknown language de; valid: fa, pl, zh", "lang"),
        ({"q": "x", "source": "nope.txt"}, 400, "unknown source nope.txt; valid: 000_", "source"),
        ({"q": "x", "mode": "bm25"}, 422, "'dense', 'lexical' or 'hybrid'", "mode"),
    ],
)
def test_bad_search_input_gets_a_clear_4xx(client, params, status, fragment, parameter):
    assert_error(
        client.get("/search", params=params), status, "invalid_parameter", fragment, parameter
    )


def test_entries_and_equivalents(client, real_searcher):
    entry = next(e for e in real_searcher.entries if e.term == "净推荐值")
    body = models.Entry.model_validate(client.get(f"/entries/{entry.id}").json())
    assert body.term == "净推荐值" and body.aliases == ["NPS"] and body.lang == "zh"
    eq = models.Equivalents.model_validate(client.get(f"/entries/{entry.id}/equivalents").json())
    assert eq.entry.id == entry.id
    assert "امتیاز خالص مروجان" in {e.term for e in eq.equivalents}
    assert_error(
        client.get("/entries/nope"), 404, "not_found", "no entry with id 'nope'", "entry_id"
    )
    assert_error(client.get("/entries/nope/equivalents"), 404, "not_found", "no entry with id")
    assert_error(client.get("/nowhere"), 404, "not_found", "Not Found")


def test_search_grouped_by_concept(client):
    body = client.get("/search", params={"q": "what measures customer effort", "k": 5,
                                         "group": "concept"}).json()  # fmt: skip
    result = models.ConceptSearchResult.model_validate(body)
    assert result.group == "concept" and 1 <= len(result.concepts) <= 5
    assert [c.rank for c in result.concepts] == list(range(1, len(result.concepts) + 1))
    ces = next(c for c in result.concepts if "客户努力得分" in {e.term for e in c.entries})
    assert {e.term for e in ces.entries} >= {"امتیاز تلاش مشتری", "客户努力得分"}
    ids = [e.id for c in result.concepts for e in c.entries]
    assert len(ids) == len(set(ids))  # an entry is in one concept only
    only_zh = client.get("/search", params={"q": "NPS", "group": "concept", "lang": "zh"}).json()
    assert all(e["lang"] == "zh" for c in only_zh["concepts"] for e in c["entries"])
    assert only_zh["concepts"][0]["entries"][0]["term"] == "净推荐值"
    flat = client.get("/search", params={"q": "NPS"}).json()
    assert "hits" in flat and "concepts" not in flat  # the flat list stays the default


def test_a_concept_by_id_with_how_each_member_joined(client, real_searcher):
    nps_zh = next(e for e in real_searcher.entries if e.term == "净推荐值")
    by_entry = models.Concept.model_validate(client.get(f"/concepts/{nps_zh.id}").json())
    assert by_entry.anchor == nps_zh.id and set(by_entry.languages) == {"zh", "fa", "pl"}
    assert len(by_entry.languages["pl"]) == 2  # both Polish glossaries' NPS
    assert by_entry.languages["zh"][0].joined == "anchor"
    assert all(m.joined == "automatic" and 0 < m.probability <= 1
               for m in by_entry.languages["fa"] + by_entry.languages["pl"])  # fmt: skip
    by_id = models.Concept.model_validate(client.get(f"/concepts/{by_entry.id}").json())
    assert by_id.id == by_entry.id  # the concept id finds the same concept
    assert {m.id for ms in by_id.languages.values() for m in ms} == {
        m.id for ms in by_entry.languages.values() for m in ms}
    assert_error(client.get("/concepts/nope"), 404, "not_found", "no concept or entry", "concept_id")
    long = client.get("/concepts/" + "x" * 5000)
    assert long.status_code == 404 and len(long.json()["error"]["message"]) < 200


def test_languages_sources_stats_health(client):
    languages = [models.LanguageCount.model_validate(x) for x in client.get("/languages").json()]
    assert {(x.lang, x.count) for x in languages} == {("pl", 146), ("fa", 45), ("zh", 43)}
    sources = [models.SourceCount.model_validate(x) for x in client.get("/sources").json()]
    assert sum(s.count for s in sources) == 234 and len(sources) == 5
    persian = next(s for s in sources if s.source.startswith("002"))
    assert persian.languages == ["fa"]
    assert (persian.title, persian.publisher) == ("واژه نامه آنلاین تجربه مشتری", "داناپرداز")
    stats = models.Stats.model_validate(client.get("/stats").json())
    assert (
        stats.count == 234
        and stats.dimension == 384
        and stats.model == "intfloat/multilingual-e5-small"
    )
    assert client.get("/health").json() == {"status": "ready", "detail": None}


def test_page_and_docs_are_served(client):
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert 'id="q"' in page.text and "/static/app.js" in page.text
    assert client.get("/static/app.js").status_code == 200
    assert client.get("/docs").status_code == 200
    assert client.get("/redoc").status_code == 404  # not offered (its bundle needs a CDN)
    for page in ("/docs",):  # offline: every asset comes from this server
        html = client.get(page).text
        assets = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert assets and all(a.startswith("/") for a in assets), assets
        assert "cdn" not in html.lower() and "googleapis" not in html
        for asset in assets:
            assert client.get(asset).status_code == 200, asset
    schema = client.get("/openapi.json").json()
    for path in ("/search", "/entries/{entry_id}", "/entries/{entry_id}/equivalents", "/languages",
                 "/sources", "/health", "/stats"):  # fmt: skip
        assert "200" in schema["paths"][path]["get"]["responses"], path
        assert (
            "schema"
            in schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        )


def test_health_is_ready_only_once_loaded(tmp_path, bundled_entries):
    encoder = FakeEncoder()
    build_index(bundled_entries[:30], encoder, tmp_path / "idx")
    gate = threading.Event()

    def slow_load():
        gate.wait(10)
        return open_termbase(None, Settings(), searcher=Searcher.open(tmp_path / "idx", encoder))

    app = create_app(load=slow_load, background=True)
    with TestClient(app) as c:
        loading = c.get("/health")
        assert loading.status_code == 503 and loading.json()["status"] == "loading"
        assert_error(c.get("/search", params={"q": "x"}), 503, "not_ready", "still loading")
        gate.set()
        assert app.state.services.default.wait(10)
        assert c.get("/health").json()["status"] == "ready"
        assert c.get("/search", params={"q": "customer"}).status_code == 200


def test_failed_load_is_reported_by_health_without_paths_or_exception_classes(tmp_path):
    from glossa.indexer.store.index_dir import IndexLoadError

    def broken_load():
        raise IndexLoadError(f"{tmp_path}/idx/segments/s000001/vectors.faiss is damaged; "
                             f"run: glossa rebuild --index {tmp_path}/idx")  # fmt: skip

    app = create_app(load=broken_load, background=False)
    with TestClient(app) as c:
        response = c.get("/health")
        assert response.status_code == 503
        detail = response.json()["detail"]
        assert response.json()["status"] == "error" and "glossa rebuild" in detail
        assert str(tmp_path) not in detail and "IndexLoadError" not in detail
        assert_error(c.get("/languages"), 503, "not_ready", "vectors.faiss is damaged")
        assert str(tmp_path) not in c.get("/languages").text


def test_a_405_allows_every_method_of_the_path(client):
    """GET /entries/{id} and its PUT and DELETE live in two routers; Allow names all."""
    wrong = client.patch("/entries/nope")
    assert wrong.status_code == 405
    assert wrong.headers["allow"] == "DELETE, GET, HEAD, PUT"  # was "GET"
    assert client.post("/search?q=NPS").headers["allow"] == "GET, HEAD"


def test_http_hygiene_allow_head_and_security_headers(client):
    wrong = client.post("/search?q=NPS")
    assert wrong.status_code == 405 and "GET" in wrong.headers["allow"]  # RFC 9110
    assert wrong.json()["error"]["code"] == "method_not_allowed"
    for path in ("/", "/search?q=NPS", "/health", "/docs"):
        head, get = client.head(path), client.get(path)
        assert head.status_code == get.status_code == 200, path
        assert head.content == b"" and head.headers["content-type"] == get.headers["content-type"]
    page = client.get("/")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    for response in (page, client.get("/search?q=NPS"), client.get("/static/app.js")):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"


@pytest.mark.slow  # a real `glossa serve` process
def test_half_sent_requests_are_dropped_by_glossa_serve(real_index_dir, tmp_path):
    """A slowloris connection (headers never finished) is closed by the server, a
    body that never completes gets 408; a normal request on the same server works. The socket timeout below is a
    guard against a hang, not a speed claim."""
    import os
    import socket
    import subprocess
    import sys

    from benchmarks.harness import free_port, wait_ready

    port = free_port()
    env = {**os.environ, "GLOSSA_INDEX_DIR": str(real_index_dir), "GLOSSA_HEADER_TIMEOUT": "1"}
    server = subprocess.Popen([sys.executable, "-m", "glossa.cli", "serve", "--port", str(port)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        import time

        wait_ready(f"http://127.0.0.1:{port}", time.perf_counter(), limit=120)
        with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
            s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")  # no blank line: never finished
            assert s.recv(1024) == b""  # closed by the server
        with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
            s.sendall(
                b"POST /entries HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b'Content-Length: 100\r\n\r\n{"entries"'
            )  # a body that never completes
            assert s.recv(1024).startswith(b"HTTP/1.1 408")
        with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
            s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert s.recv(1024).startswith(b"HTTP/1.1 200")
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_header_deadline_is_on_either_http_parser(monkeypatch):
    """``glossa serve`` takes httptools' parser where it is installed and h11's
    otherwise; the request-header deadline is added to whichever it gets."""
    import sys

    from glossa.api.http import timed_protocol
    from uvicorn.protocols.http.h11_impl import H11Protocol
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    assert issubclass(timed_protocol(1.0), HttpToolsProtocol)
    monkeypatch.setitem(sys.modules, "uvicorn.protocols.http.httptools_impl", None)  # not installed
    fallback = timed_protocol(1.0)
    assert issubclass(fallback, H11Protocol) and not issubclass(fallback, HttpToolsProtocol)
    assert {"_arm", "_expire", "data_received", "on_response_complete"} <= set(vars(fallback))
