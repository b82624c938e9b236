"""One contract, two vector stores: FAISS (in-process) and Milvus (a real server).
Same add / delete / search / filter / persistence behaviour, checked against
exact NumPy search as the ground truth."""

from __future__ import annotations

import numpy as np
import pytest
from glossa.indexer.store.factory import create_index, load_index
from glossa.indexer.store.milvus import VectorStoreUnavailable, filter_expression
from glossa.indexer.store.vectors import FAISS_STORE, RowFilter, StoreConfig

LANGS = ["pl", "fa", "zh"]


def unit_rows(n: int, dim: int, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


@pytest.fixture(params=["faiss", pytest.param("milvus", marks=pytest.mark.slow)])
def store(request) -> StoreConfig:
    if request.param == "faiss":
        return FAISS_STORE
    return request.getfixturevalue("milvus_store")


def new_index(store: StoreConfig, data: np.ndarray):
    index = create_index("faiss-flat-ip", data.shape[1], len(data), store, generation=1)
    langs = [LANGS[i % 3] for i in range(len(data))]
    sources = [f"g{i % 2}" for i in range(len(data))]
    index.add(data, langs, sources)
    return index, np.array(langs), np.array(sources)


def exact(data: np.ndarray, queries: np.ndarray, k: int, allowed: np.ndarray) -> np.ndarray:
    scores = queries @ data[allowed].T
    return allowed[np.argsort(-scores, axis=1, kind="stable")[:, :k]]


def test_search_equals_exact_search(store):
    data, queries = unit_rows(300, 16), unit_rows(5, 16, seed=1)
    index, _, _ = new_index(store, data)
    assert len(index) == 300
    scores, rows = index.search(queries, 10)
    np.testing.assert_array_equal(rows, exact(data, queries, 10, np.arange(300)))
    np.testing.assert_allclose(scores[:, 0], (queries @ data.T).max(axis=1), atol=1e-5)


def test_filters_are_applied_inside_the_search(store):
    data, queries = unit_rows(300, 16), unit_rows(4, 16, seed=2)
    index, langs, sources = new_index(store, data)
    allowed = np.flatnonzero((langs == "fa") & (sources == "g1"))
    where = RowFilter(allowed, frozenset(["fa"]), frozenset(["g1"]))
    _, rows = index.search(queries, 10, where)
    np.testing.assert_array_equal(rows, exact(data, queries, 10, allowed))
    few = RowFilter(np.array([3, 4]), frozenset(["pl", "fa"]), None)  # rows 3 (pl), 4 (fa)
    _, rows = index.search(queries[:1], 10, RowFilter(np.array([3, 4])))
    assert set(rows[0][rows[0] >= 0].tolist()) == {3, 4}
    assert filter_expression(few) == 'lang in ["fa", "pl"]'


def test_delete_closes_the_gaps_like_a_list(store):
    data, queries = unit_rows(50, 8), unit_rows(3, 8, seed=3)
    index, _, _ = new_index(store, data)
    index.delete(np.array([0, 7, 49]))
    remaining = np.delete(data, [0, 7, 49], axis=0)
    assert len(index) == 47
    np.testing.assert_allclose(index.reconstruct(np.arange(47)), remaining, atol=1e-6)
    _, rows = index.search(queries, 5)
    np.testing.assert_array_equal(rows, exact(remaining, queries, 5, np.arange(47)))


def test_persistence_round_trip(store, tmp_path):
    data, queries = unit_rows(40, 8), unit_rows(2, 8, seed=4)
    index, _, _ = new_index(store, data)
    path = tmp_path / index.file_name
    index.save(path)
    again = load_index(index.kind, path, store)
    assert len(again) == 40 and again.dimension == 8
    np.testing.assert_array_equal(again.search(queries, 5)[1], index.search(queries, 5)[1])
    np.testing.assert_allclose(again.reconstruct(np.array([5, 1])), data[[5, 1]], atol=1e-6)


def test_milvus_server_down_is_a_clear_error_within_the_timeout():
    from tests.api.conftest import free_port

    down = StoreConfig(backend="milvus", milvus_uri=f"http://127.0.0.1:{free_port()}",
                       milvus_timeout=2)  # fmt: skip
    with pytest.raises(
        VectorStoreUnavailable,
        match=r"cannot reach Milvus at http://127\.0\.0\.1:\d+ .* within 2 s",
    ):
        create_index("auto", 8, 10, down)  # how long it takes is the benchmark's business
