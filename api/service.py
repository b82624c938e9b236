"""The server's live state: its ``Termbase``, and the writer thread that changes it.

Readers never wait for writers and never see half a change: a request takes the
termbase's current version and uses it to the end; a write commits the next
version on disk (``indexer.store.updates``, atomic) and the termbase makes it
current. A full rebuild works the same way, so the server keeps answering from
the old version until the new one is committed. Commits by other processes
(``glossa add``, ``glossa restore``...) are seen before the next request is
answered (``Termbase.current``: one stat per request).

Threads: every encoder call runs on the one encoder thread (see ``api.app``);
writes run one at a time on a writer thread, and whatever they embed is sent to
the encoder thread in small batches (``ExecutorEncoder``), so searches interleave
with a long import or a rebuild instead of queueing behind it.
"""

from __future__ import annotations

import asyncio
import logging
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
from glossa.indexer.writes import ChangeReport
from glossa.search.searcher import Searcher

from glossa.errors import ErrorKind, GlossaError
from glossa.termbase import Termbase

T = TypeVar("T")
log = logging.getLogger("glossa.api")
WRITE_BATCH = 16  # texts per encoder-thread call during writes
# characters per such call: 16 short entries, or 2 of the longest (512 tokens each), ~0.2 s
# of one core, so a search waits that long at most behind a write, however long its entries
WRITE_BATCH_CHARS = 2400


class WriteAbandoned(GlossaError, RuntimeError):
    """A write stopped before its commit: its client left, or the server is stopping."""

    kind = ErrorKind.BUSY


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
                raise WriteAbandoned("the server is stopping or the client left; nothing was written")
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
    """Holds the server's ``Termbase``, its loading state, and runs its writes on
    the writer thread. Reads ask ``searcher`` (or ``termbase``) per request: the
    termbase follows every commit, by this server or any other writer."""

    def __init__(
        self,
        load: Callable[[], Termbase],
        bulk_encoder: Callable[[TextEncoder], TextEncoder] | None = None,
        executor: ThreadPoolExecutor | None = None,
        name: str = "default",
    ) -> None:
        self._load = load
        self.name = name
        # what a full rebuild embeds with, given the query encoder (``runtime.build_encoder``)
        self.bulk_encoder = bulk_encoder
        self.termbase: Termbase | None = None
        self.status: Literal["ready", "loading", "error"] = "loading"
        self.detail: str | None = None
        self.loaded_in_s: float | None = None
        self.rebuilding = False
        self.last_reload_error: str | None = None
        self._done = threading.Event()
        # the encoder thread; a server's termbases share one (one model, one thread team)
        self._own_executor = executor is None
        self.executor = executor or ThreadPoolExecutor(max_workers=1,
                                                       thread_name_prefix="glossa-encoder")  # fmt: skip
        self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="glossa-writer")
        self.stopping = threading.Event()  # set at shutdown: running writes stop before commit
        self.writes: dict[str, int] = {"added": 0, "updated": 0, "deleted": 0, "reviews": 0,
                                       "rebuilds": 0}  # committed, for /metrics  # fmt: skip

    @property
    def searcher(self) -> Searcher | None:
        """The newest committed version's searcher (None while loading)."""
        return self.termbase.searcher if self.termbase is not None else None

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
        if self._own_executor:
            self.executor.shutdown(wait=False, cancel_futures=True)

    def _run(self) -> None:
        started = time.perf_counter()
        try:
            termbase = self._load()
            termbase.warm()  # first encoder call, analysers, jieba, the concept links
            self.termbase, self.status = termbase, "ready"
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

    # ------------------------------------------------------------------ writes

    def _termbase(self) -> Termbase:
        assert self.termbase is not None, "writes are routed only once the termbase is loaded"
        return self.termbase

    def apply(
        self,
        *,
        add: Sequence[Entry] = (),
        update: Sequence[Entry] = (),
        delete: Sequence[str] = (),
        abandoned: threading.Event | None = None,
    ) -> ChangeReport:
        """Apply one change set (on the writer thread); its version is current when
        this returns. ``abandoned``: set when the client has gone; the write then
        stops before its commit (``WriteAbandoned``), as it does when the server stops."""
        termbase = self._termbase()

        def stop() -> bool:
            return self.stopping.is_set() or (abandoned is not None and abandoned.is_set())

        encoder = ExecutorEncoder(termbase.encoder, self.executor, stop=stop)
        report = termbase.change(add=add, update=update, delete=delete, encoder=encoder)
        for kind in ("added", "updated", "deleted"):
            self.writes[kind] += len(getattr(report, kind))
        return report

    def review(self, a: str, b: str, decision: str) -> tuple[int, bool]:
        """Record a reviewer's decision on an equivalent (on the writer thread);
        returns (generation, changed)."""
        found = self._termbase().review(a, b, decision)
        self.writes["reviews"] += found[1]
        return found

    def rebuild(self) -> None:
        """Embed every entry again into a new index version; searches keep being
        answered from the current one until it is committed."""
        termbase = self._termbase()
        try:
            report = termbase.rebuild(self._rebuild_encoder(termbase.encoder), strict=True)
            self.writes["rebuilds"] += 1
            if report.carried:
                log.info("rebuild carried %d change(s) committed while it ran", report.carried)
            self.last_reload_error = termbase.last_error  # committed, but not opened
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
        """Queue a rebuild unless one is running; returns whether one was started
        (a termbase that cannot rebuild says so here, before anything is queued)."""
        self._termbase().require("rebuild")
        if self.rebuilding:
            return False
        self.rebuilding = True
        self.writer.submit(self.rebuild)
        return True
