import numpy as np
import pytest
from glossa.indexer.store.factory import create_index, load_index


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
    index = create_index("faiss-flat-ip", 8)
    index.add(data)
    allowed = np.arange(0, 100, 7)  # 15 rows
    scores, rows = index.search(data[:1], 10, allowed)
    assert len(rows[0]) == 10 and set(rows[0]) <= set(allowed.tolist())
    _, few = index.search(data[:1], 20, np.array([3, 4]))
    assert sorted(r for r in few[0] if r >= 0) == [3, 4]


def test_save_load_and_validation(tmp_path):
    index = create_index("faiss-flat-ip", 4)
    index.add(unit_rows(3, 4))
    index.save(tmp_path / "v.faiss")
    again = load_index("faiss-flat-ip", tmp_path / "v.faiss")
    assert len(again) == 3 and again.dimension == 4
    assert np.allclose(again.reconstruct(np.array([2])), index.reconstruct(np.array([2])))
    with pytest.raises(ValueError, match="expected vectors of shape"):
        index.add(unit_rows(2, 5))
    with pytest.raises(ValueError, match="unknown index kind"):
        create_index("annoy", 4)


def clustered(n, d, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((20, d)).astype(np.float32)
    v = centres[rng.integers(0, 20, n)] + 0.3 * rng.standard_normal((n, d)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


@pytest.mark.parametrize("kind", ["faiss-flat-ip", "faiss-hnsw", "faiss-ivfpq"])
def test_each_index_kind_returns_the_exact_top1_for_its_own_vectors(kind, tmp_path):
    data = clustered(4000, 32)
    index = create_index(kind, 32, expected_count=len(data))
    index.add(data)
    probe = np.arange(0, 4000, 20)
    _, rows = index.search(data[probe], 5)
    assert (rows[:, 0] == probe).mean() == 1.0, kind
    # filters hold for every kind
    allowed = np.arange(0, 4000, 2)
    _, rows = index.search(data[probe[:20]], 5, allowed)
    assert set(rows[rows >= 0].tolist()) <= set(allowed.tolist())
    index.save(tmp_path / "v.faiss")
    again = load_index(kind, tmp_path / "v.faiss")
    assert len(again) == 4000 and again.kind == kind
    assert np.allclose(again.reconstruct(np.array([7])), data[7], atol=0.05)


def test_auto_kind_by_collection_size():
    from glossa.indexer.store.vectors import choose_kind

    assert choose_kind(234) == "faiss-flat-ip"
    assert choose_kind(100_000) == "faiss-hnsw"
    assert choose_kind(8_000_000) == "faiss-ivfpq"
    assert create_index("auto", 8, expected_count=10).kind == "faiss-flat-ip"
