"""Shared fixtures. The real model and the real FAISS index are built once per
session; plumbing tests use the tiny FakeEncoder instead."""

from __future__ import annotations

from pathlib import Path

import pytest
from glossa.corpus.entry import Entry
from glossa.corpus.sources import load_entries
from glossa.indexer.build import build_index

from tests.fakes import FakeEncoder


def pytest_configure(config):
    """The session's own data and cache folders (created termbases, the access
    file; the materialised model, its ONNX graphs), so a developer's termbases
    are never served by a test server, and what tests prepare never changes what
    the developer's own commands run (an ONNX export left in the user's cache once
    switched every later build to it). Set before any Settings is made; child
    processes inherit them."""
    import os
    import tempfile

    os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="glossa-test-data-")
    os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="glossa-test-cache-")


@pytest.fixture(scope="session")
def bundled_entries() -> list[Entry]:
    return load_entries()


@pytest.fixture()
def fake_encoder() -> FakeEncoder:
    return FakeEncoder()


@pytest.fixture(scope="session")
def real_encoder():
    """The default encoder exactly as the product builds it (settings -> backend -> cache)."""
    from glossa.runtime import make_encoder
    from glossa.settings import Settings

    return make_encoder(Settings())


@pytest.fixture(scope="session")
def st_encoder():
    """multilingual-e5-small through sentence-transformers/PyTorch."""
    from glossa.indexer.encoders.encoder import SentenceTransformerEncoder

    return SentenceTransformerEncoder()


@pytest.fixture(scope="session")
def bulk_real_encoder(real_encoder):
    """The real encoder behind the bundled glossaries' known vectors, as the
    product builds (tests/indexer/encoders/test_known_vectors.py checks they are
    the model's own): bundled entries are read, anything else embedded."""
    from glossa.indexer.encoders.known_vectors import KnownVectorsEncoder

    return KnownVectorsEncoder(
        lambda _texts: real_encoder, real_encoder.model_name, real_encoder.dimension
    )


@pytest.fixture(scope="session")
def real_index_dir(tmp_path_factory, bulk_real_encoder, bundled_entries) -> Path:
    """The bundled corpus with the real model's vectors in a real FAISS index."""
    out = tmp_path_factory.mktemp("real") / "index"
    build_index(bundled_entries, bulk_real_encoder, out)
    return out


@pytest.fixture(scope="session")
def real_searcher(real_index_dir, real_encoder):
    from glossa.search.searcher import Searcher

    return Searcher.open(real_index_dir, real_encoder)


@pytest.fixture(scope="session")
def milvus_store(tmp_path_factory):
    """Milvus Lite (embedded: the ``milvus-lite`` package behind pymilvus 3, one
    local file) for the session, and the store settings that point at it."""
    from glossa.indexer.store.vectors import StoreConfig

    yield StoreConfig(
        backend="milvus",
        milvus_uri=str(tmp_path_factory.mktemp("milvus") / "milvus.db"),
        milvus_collection="test",
        milvus_timeout=20,
    )
