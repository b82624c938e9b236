"""Overload control: a full encoder queue answers 503 with Retry-After at once,
cached queries skip the queue, searches past their deadline are not computed.
A gated encoder (it waits until the test opens it) makes "slow" deterministic:
nothing here measures time."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from glossa.api.app import create_app
from glossa.indexer.build import build_index
from glossa.indexer.encoders.encoder import CachedQueryEncoder
from glossa.search.searcher import Searcher

from glossa.settings import Settings
from tests.fakes import FakeEncoder


class GatedEncoder(FakeEncoder):
    """Query encodes block until ``release`` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.started = threading.Event()

    def encode_queries(self, texts):
        self.started.set()
        assert self.release.wait(30), "test never released the encoder"
        return super().encode_queries(texts)


@pytest.fixture()
def gated(tmp_path, bundled_entries):
    build_index(bundled_entries[:40], FakeEncoder(), tmp_path / "idx")
    inner = GatedEncoder()
    inner.release.set()
    encoder = CachedQueryEncoder(inner, 64)
    searcher = Searcher.open(tmp_path / "idx", encoder)
    settings = Settings(index_dir=tmp_path / "idx", search_queue=2, search_timeout=30)
    with TestClient(create_app(settings, searcher=searcher)) as client:
        yield client, inner


def test_full_queue_answers_503_and_cached_queries_still_pass(gated):
    client, encoder = gated
    assert client.get("/search", params={"q": "customer churn"}).status_code == 200  # now cached
    encoder.release.clear()
    encoder.started.clear()
    with ThreadPoolExecutor(4) as pool:
        waiting = [pool.submit(client.get, "/search", params={"q": f"query {i}"}) for i in range(2)]
        assert encoder.started.wait(30)
        gate = client.app.state.gate
        for _ in range(600):  # both admitted (a condition, not a time: the cap only ends a hang)
            if gate.pending == 2:
                break
            threading.Event().wait(0.05)
        assert gate.pending == 2
        # the gate holds 2; the third distinct query is refused at once
        refused = client.get("/search", params={"q": "one more distinct query"})
        assert refused.status_code == 503, refused.text
        assert refused.json()["error"]["code"] == "overloaded"
        assert int(refused.headers["retry-after"]) >= 1
        # a cached query and a lexical search need no encoder: answered while full
        assert client.get("/search", params={"q": "customer churn"}).status_code == 200
        lexical = client.get("/search", params={"q": "anything", "mode": "lexical"})
        assert lexical.status_code == 200
        encoder.release.set()
        assert [f.result().status_code for f in waiting] == [200, 200]
    assert client.app.state.gate.pending == 0 and client.app.state.gate.rejected == 1


def test_a_search_past_its_deadline_is_503_and_never_computed(tmp_path, bundled_entries):
    build_index(bundled_entries[:40], FakeEncoder(), tmp_path / "idx")
    inner = GatedEncoder()
    inner.release.set()  # the service warms up with one encode
    searcher = Searcher.open(tmp_path / "idx", CachedQueryEncoder(inner, 64))
    settings = Settings(index_dir=tmp_path / "idx", search_queue=4, search_timeout=0.2)
    with TestClient(create_app(settings, searcher=searcher)) as client:
        inner.release.clear()
        blocked = client.get("/search", params={"q": "first"})  # holds the encoder thread
        assert blocked.status_code == 503 and "did not finish" in blocked.json()["error"]["message"]
        late = client.get("/search", params={"q": "second"})  # queued behind it, times out
        assert late.status_code == 503
        inner.release.set()  # the first encode finishes; the second job must be skipped
        gate = client.app.state.gate
        for _ in range(100):
            if gate.skipped:
                break
            threading.Event().wait(0.05)
        assert gate.skipped == 1
        assert "second" not in inner.texts  # the abandoned query never reached the encoder
