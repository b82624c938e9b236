"""The server's live state: the current ``Searcher``, and the writes that replace it.

Readers never wait for writers and never see half a change: a request takes the
current ``Searcher`` object and uses it to the end; a write builds the next index
version on disk (``indexer.updates``, atomic), builds a new ``Searcher`` over it,
warms it, and only then replaces the reference. A full rebuild works the same way,
so the server keeps answering from the old index until the new one is complete.

Threads: every encoder call runs on the one encoder thread (see ``api.app``);
writes run one at a time on a writer thread, and whatever they embed is sent to
the encoder thread in small batches (``ExecutorEncoder``), so searches interleave
with a long import or a rebuild instead of queueing behind it. Changes made by
other processes (``glossa add``, ``glossa index``) are noticed by a cheap stat of
the manifest at most every ``reload_interval`` seconds and loaded in the background.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Literal, TypeVar

import numpy as np
from glossa.api.errors import without_paths
from glossa.corpus.entry import Entry
from glossa.indexer.encoders.encoder import Progress, TextEncoder
from glossa.indexer.encoders.known_vectors import KnownVectorsEncoder
from glossa.indexer.engine_changes import engine_changes, engine_review
from glossa.indexer.rebuild import rebuild_index
from glossa.indexer.store.index_dir import MANIFEST, LoadedIndex, load_index_dir
from glossa.indexer.store.updates import (
    ChangeError,
    ChangeReport,
    apply_changes,
    record_review,
)
from glossa.indexer.store.vectors import FAISS_STORE, StoreConfig
from glossa.search.engine_searcher import EngineSearcher
from glossa.search.searcher import Searcher

T = TypeVar("T")
log = logging.getLogger("glossa.api")
WRITE_BATCH = 16  # texts per encoder-thread call during writes
# characters per such call: 16 short entries, or 2 of the longest (512 tokens each), ~0.2 s
# of one core, so a search waits that long at most behind a write, however long its entries
WRITE_BATCH_CHARS = 2400


class WriteAbandoned(RuntimeError):
    """A write stopped before its commit: its client left, or the server is stopping."""


class ExecutorEncoder:
    """An encoder whose calls run on another thread's executor, in small batches
    (at most ``batch`` texts and ``WRITE_BATCH_CHARS`` characters, so a search
    waits for one short call, whatever the entries' length). ``stop`` is asked
    before each batch: a write whose client left, or one running when the server
    is told to stop, ends there, before anything is committed."""

    def __init__(
        self,
        encoder: TextEncoder,
        executor: Executor,
        batch: int = WRITE_BATCH,
        stop: Callable[[], bool] | None = None,
    ) -> None:
        self._encoder, self._executor, self._batch = encoder, executor, batch
        self._stop = stop or (lambda: False)
        self.model_name, self.dimension = encoder.model_name, encoder.dimension

    def _batched(self, function: Callable[[Sequence[str]], np.ndarray], texts: Sequence[str]):
        parts = []
        for chunk in batches(texts, self._batch, WRITE_BATCH_CHARS):
            if self._stop():
                raise WriteAbandoned("the write was abandoned before its commit")
            parts.append(self._executor.submit(function, chunk).result())
        return np.concatenate(parts) if parts else np.zeros((0, self.dimension), np.float32)

    def encode_documents(
        self, texts: Sequence[str], progress: Progress | None = None
    ) -> np.ndarray:
        return self._batched(self._encoder.encode_documents, texts)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._batched(self._encoder.encode_queries, texts)


def batches(texts: Sequence[str], most: int, chars: int) -> list[Sequence[str]]:
    """``texts`` cut into runs of at most ``most`` texts and ``chars`` characters
    (a longer text goes alone)."""
    out, start, size = [], 0, 0
    for i, text in enumerate(texts):
        if i > start and (i - start >= most or size + len(text) > chars):
            out.append(texts[start:i])
            start, size = i, 0
        size += len(text)
    if start < len(texts):
        out.append(texts[start:])
    return out


class SearchService:
    """Holds the current Searcher, its loading state, and applies changes."""

    def __init__(
        self,
        load: Callable[[], Searcher],
        reload_interval: float = 2.0,
        store: StoreConfig = FAISS_STORE,
        bulk_encoder: Callable[[TextEncoder], TextEncoder] | None = None,
    ) -> None:
        self._load = load
        self.store = store
        # what a full rebuild embeds with, given the query encoder (``runtime.build_encoder``)
        self.bulk_encoder = bulk_encoder
        self.searcher: Searcher | None = None
        self.status: Literal["ready", "loading", "error"] = "loading"
        self.detail: str | None = None
        self.loaded_in_s: float | None = None
        self.rebuilding = False
        self.last_reload_error: str | None = None
        self.reload_interval = reload_interval
        self._done = threading.Event()
        self._signature: tuple | None = None
        self._last_check = 0.0
        self._reload_pending = False
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="glossa-encoder")
        self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="glossa-writer")
        self.stopping = threading.Event()  # set at shutdown: running writes stop before commit

    # ------------------------------------------------------------------ lifecycle

    def start(self, background: bool = True) -> None:
        future = self.executor.submit(self._run)
        if not background:
            future.result()

    def close(self) -> None:
        # a running write stops at its next batch unless it is committing: it is
        # committed whole or not at all, and the server stops within seconds
        self.stopping.set()
        self.writer.shutdown(wait=True, cancel_futures=True)
        self.executor.shutdown(wait=False, cancel_futures=True)

    def _run(self) -> None:
        started = time.perf_counter()
        try:
            searcher = self._load()
            searcher.search("warm-up", k=1)  # first encoder call, lexical analysers, jieba
            self._warm(searcher)
            self.searcher, self.status = searcher, "ready"
            self._signature = self._disk_signature()
            self.loaded_in_s = time.perf_counter() - started
        except Exception as exc:  # reported by /health, never raised into the server
            log.exception("the model or index could not be loaded")
            # clients read the reason and the fix, never where the server keeps its files
            # or what the code calls the error (the log has both)
            self.status, self.detail = "error", without_paths(str(exc))
        finally:
            self._done.set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)

    async def run(self, function: Callable[[], T]) -> T:
        """Run ``function`` on the encoder thread without blocking the event loop."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, function)

    async def write(self, function: Callable[[], T]) -> T:
        """Run ``function`` on the writer thread (one write at a time)."""
        return await asyncio.get_running_loop().run_in_executor(self.writer, function)

    # ------------------------------------------------------------------ swapping

    @staticmethod
    def _warm(searcher: Searcher) -> None:
        if isinstance(searcher, Searcher) and searcher.has_graph:
            _ = searcher.graph  # built once here rather than inside a request

    @property
    def published(self) -> EngineSearcher | None:
        """The searcher when the index lives in Milvus (``glossa publish``): it
        adopts committed changes itself, and changes go to the engine by id."""
        current = self.searcher
        return current if isinstance(current, EngineSearcher) else None

    def _swap(self, loaded: LoadedIndex) -> None:
        current = self.searcher
        assert current is not None
        fresh = current.with_index(loaded)
        self._warm(fresh)
        self.searcher = fresh  # one reference assignment: readers see old or new
        self._signature = self._disk_signature()

    def _disk_signature(self) -> tuple | None:
        if self.searcher is None:
            return None
        try:
            st = os.stat(self.searcher.index.path / MANIFEST)
        except OSError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def check_for_changes(self) -> None:
        """Called on requests: at most every ``reload_interval`` s, stat the manifest;
        if another process changed the index, load it in the background."""
        if not self.reload_interval or self.searcher is None or self._reload_pending:
            return
        if self.published is not None:
            return  # it stats its own manifest on every call
        now = time.monotonic()
        if now - self._last_check < self.reload_interval:
            return
        self._last_check = now
        if self._disk_signature() != self._signature:
            self._reload_pending = True
            self.writer.submit(self._reload)

    def _load_current(self) -> LoadedIndex:
        """The index directory as it is on disk now, checked against our encoder and store."""
        current = self.searcher
        assert current is not None
        return load_index_dir(
            current.index.path,
            expected_model=current.encoder.model_name,
            expected_dimension=current.encoder.dimension,
            store=self.store,
            reuse=current.index,  # segments we hold are not read again
        )

    def _reload(self) -> None:
        try:
            current = self.searcher
            assert current is not None
            signature = self._disk_signature()
            loaded = self._load_current()
            if (loaded.manifest.generation, loaded.manifest.corpus_checksum) != (
                current.index.manifest.generation,
                current.index.manifest.corpus_checksum,
            ):
                self._swap(loaded)
                log.info("reloaded the index: generation %s", loaded.manifest.generation)
            self._signature, self.last_reload_error = signature, None
        except Exception as exc:  # keep serving the version we have
            self.last_reload_error = f"{type(exc).__name__}: {exc}"
            log.warning("index reload failed, still serving the loaded version: %s", exc)
        finally:
            self._reload_pending = False

    # ------------------------------------------------------------------ writes

    def apply(
        self,
        *,
        add: Sequence[Entry] = (),
        update: Sequence[Entry] = (),
        delete: Sequence[str] = (),
        abandoned: threading.Event | None = None,
    ) -> ChangeReport:
        """Apply one change set (on the writer thread) and swap the result in.
        ``abandoned``: set when the client has gone; the write then stops before
        its commit (``WriteAbandoned``), as it does when the server stops."""
        current = self.searcher
        assert current is not None

        def stop() -> bool:
            return self.stopping.is_set() or (abandoned is not None and abandoned.is_set())

        published = self.published
        if published is not None:
            report = engine_changes(
                published.path, ExecutorEncoder(published.encoder, self.executor, stop=stop),
                published.store, add=add, update=update, delete=delete,
            )  # fmt: skip
            published.refresh()
            return report
        loaded, report = apply_changes(
            current.index.path,
            ExecutorEncoder(current.encoder, self.executor, stop=stop),
            add=add,
            update=update,
            delete=delete,
            store=self.store,
            current=current.index,
        )
        if loaded.manifest.generation != current.index.manifest.generation:
            self._swap(loaded)
        return report

    def review(self, a: str, b: str, decision: str) -> tuple[int, bool]:
        """Record a reviewer's decision on an equivalent (on the writer thread) and
        swap in the index that carries it; returns (generation, changed)."""
        current = self.searcher
        assert current is not None
        published = self.published
        if published is not None:
            generation, changed = engine_review(published.path, published.store, a, b, decision)
            published.refresh()
            return generation, changed
        loaded, changed = record_review(
            current.index.path, a, b, decision, store=self.store, current=current.index
        )
        if changed:
            self._swap(loaded)
        return loaded.manifest.generation, changed

    def rebuild(self) -> None:
        """Embed every entry again into a new index version, then swap it in."""
        current = self.searcher
        assert current is not None
        try:
            manifest = current.index.manifest
            report = rebuild_index(
                current.index.path,
                self._rebuild_encoder(current.encoder),
                doc_text=manifest.doc_text,
                index_kind=manifest.index_kind,
                store=self.store,
                strict=True,
            )
            if report.carried:
                log.info("rebuild carried %d change(s) committed while it ran", report.carried)
            self._swap(self._load_current())
        except Exception as exc:
            self.last_reload_error = f"rebuild failed: {type(exc).__name__}: {exc}"
            log.exception("rebuild failed; still serving the previous index")
        finally:
            self.rebuilding = False

    def _rebuild_encoder(self, encoder: TextEncoder) -> TextEncoder:
        """The bulk encoder when it differs from the query encoder: it runs on this
        writer thread (its own thread pool), so searches keep the encoder thread;
        else the query encoder, in small batches on the encoder thread."""

        def make(_texts: int) -> TextEncoder:
            bulk = self.bulk_encoder(encoder) if self.bulk_encoder is not None else encoder
            if bulk is not encoder:
                return bulk
            return ExecutorEncoder(encoder, self.executor, stop=self.stopping.is_set)

        # the bundled glossaries' texts are read from the known vectors, not embedded
        return KnownVectorsEncoder(make, encoder.model_name, encoder.dimension)

    def start_rebuild(self) -> bool:
        """Queue a rebuild unless one is running; returns whether one was started."""
        if self.published is not None:
            raise ChangeError(
                "this index lives in Milvus: rebuild the local index it was published from, "
                "then publish it again (glossa rebuild, glossa publish)", 409,
            )  # fmt: skip
        if self.rebuilding:
            return False
        self.rebuilding = True
        self.writer.submit(self.rebuild)
        return True
