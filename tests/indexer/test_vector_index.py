import numpy as np
import pytest

from indexer.vector_index import FaissFlatIndex, create_index, load_index


def unit_rows(n, d, seed=0):
    v = np.random.default_rng(seed).standard_normal((n, d)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_flat_search_is_exact_inner_product():
    data = unit_rows(200, 8)
    index = create_index("faiss-flat-ip", 8)
    index.add(data)
    queries = unit_rows(5, 8, seed=1)
    scores, rows = index.search(queries, 10)
    expected = np.argsort(-(queries @ data.T), axis=1)[:, :10]
    assert (rows == expected).all()
    assert np.allclose(scores, np.take_along_axis(queries @ data.T, expected, axis=1), atol=1e-5)


def test_allow_list_filters_before_the_top_k_cut():
    data = unit_rows(100, 8)
    index = FaissFlatIndex(8)
    index.add(data)
    allowed = np.arange(0, 100, 7)  # 15 rows
    scores, rows = index.search(data[:1], 10, allowed)
    assert len(rows[0]) == 10 and set(rows[0]) <= set(allowed.tolist())
    _, few = index.search(data[:1], 20, np.array([3, 4]))
    assert sorted(r for r in few[0] if r >= 0) == [3, 4]


def test_save_load_and_validation(tmp_path):
    index = FaissFlatIndex(4)
    index.add(unit_rows(3, 4))
    index.save(tmp_path / "v.faiss")
    again = load_index("faiss-flat-ip", tmp_path / "v.faiss")
    assert len(again) == 3 and again.dimension == 4
    assert np.allclose(again.reconstruct(np.array([2])), index.reconstruct(np.array([2])))
    with pytest.raises(ValueError, match="expected vectors of shape"):
        index.add(unit_rows(2, 5))
    with pytest.raises(ValueError, match="unknown index kind"):
        create_index("annoy", 4)
