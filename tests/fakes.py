"""A tiny deterministic encoder for plumbing tests (never for quality claims)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np


class FakeEncoder:
    """Bag of hashed words: texts that share words get similar vectors."""

    def __init__(self, dimension: int = 16, model_name: str = "fake-encoder") -> None:
        self.dimension = dimension
        self.model_name = model_name
        self.calls = 0
        self.texts: list[str] = []  # everything ever encoded: tests check what was re-embedded

    def _vector(self, text: str) -> np.ndarray:
        v = np.zeros(self.dimension, np.float32)
        for word in re.findall(r"\w+", text.lower()) or [text]:
            seed = int.from_bytes(hashlib.sha1(word.encode()).digest()[:4], "little")
            v += np.random.default_rng(seed).standard_normal(self.dimension).astype(np.float32)
        return v / max(float(np.linalg.norm(v)), 1e-12)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        self.texts.extend(texts)
        return (
            np.stack([self._vector(t) for t in texts])
            if texts
            else np.zeros((0, self.dimension), np.float32)
        )

    def encode_documents(self, texts: Sequence[str], progress=None) -> np.ndarray:
        out = self.encode_queries(texts)
        if progress:
            progress(len(texts), len(texts))
        return out
