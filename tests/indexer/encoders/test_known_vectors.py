"""The bundled glossaries' vectors computed at release time (``known_vectors``):
current for today's glossaries, equal to what the model computes, and only in
front of the encoder (unknown texts are embedded, in order)."""

from __future__ import annotations

import numpy as np
import pytest
from glossa.indexer.encoders.known_vectors import (
    KnownVectorsEncoder,
    bundled_texts,
    load_table,
    text_key,
    write_table,
)

from tests.fakes import FakeEncoder

REGENERATE = "python -m glossa.indexer.encoders.known_vectors"


def test_the_table_holds_every_text_a_bundled_build_embeds():
    model, keys, vectors = load_table()
    missing = [(side, text[:60]) for side, texts in bundled_texts().items() for text in texts
               if text_key(model, side, text) not in keys]  # fmt: skip
    assert not missing, (
        f"stale table: run `{REGENERATE}` ({len(missing)} texts, e.g. {missing[:3]})"
    )
    assert vectors.shape == (len(keys), 384)


@pytest.mark.slow
def test_known_vectors_are_the_models_own(real_encoder):
    """A sample of each side, embedded now, equals the table (cosine >= 0.9999)."""
    known = KnownVectorsEncoder(lambda _texts: pytest.fail("a known text was embedded"),
                                real_encoder.model_name, real_encoder.dimension)  # fmt: skip
    texts = bundled_texts()
    passages, names = texts["passage"][::40], texts["query"][::40]
    fresh = np.vstack([real_encoder.encode_documents(passages), real_encoder.encode_queries(names)])
    table = np.vstack([known.encode_documents(passages), known.encode_queries(names)])
    assert (np.sum(fresh * table, axis=1) >= 0.9999).all()


def test_unknown_texts_are_embedded_in_order_and_known_ones_are_not(tmp_path):
    fake = FakeEncoder()
    seen: list[str] = []

    class Recording(FakeEncoder):
        def encode_documents(self, texts, progress=None):
            seen.extend(texts)
            return fake.encode_documents(texts, progress)

    path = tmp_path / "table.npz"

    class Bundled(FakeEncoder):  # what the table is written with
        pass

    def texts():
        return {"passage": ["alpha", "beta"], "query": ["a"]}

    import glossa.indexer.encoders.known_vectors as known_vectors

    original = known_vectors.bundled_texts
    known_vectors.bundled_texts = texts
    try:
        assert write_table(Bundled(), path) == 3
    finally:
        known_vectors.bundled_texts = original
    encoder = KnownVectorsEncoder(lambda _texts: Recording(), fake.model_name, fake.dimension, path)
    calls: list[tuple[int, int]] = []
    out = encoder.encode_documents(["beta", "gamma", "alpha"], lambda n, t: calls.append((n, t)))
    assert seen == ["gamma"]
    assert np.allclose(out, fake.encode_documents(["beta", "gamma", "alpha"]))
    assert calls[-1] == (3, 3)
    other = KnownVectorsEncoder(lambda _texts: Recording(), "another-model", fake.dimension, path)
    other.encode_documents(["alpha"])
    assert seen == ["gamma", "alpha"]  # another model's texts are never read from the table
