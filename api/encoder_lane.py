"""What the server's one encoder thread does before each search: embed every
waiting query in one call, with as many threads as other work leaves free.

Why: every encoder call runs on one thread (``api.app``), one at a time, so
under load queries queue behind each other. Two measured facts shape this:

- a batch of short queries costs little more than one query, so the first
  search to reach the encoder embeds its own query *and every query still
  waiting at the gate* in one call (dynamic batching, as inference servers do,
  without a timer: a batch is whatever queued while the previous call ran);
  the searches after it find their embedding in the query cache and only rank;
- with both cores free, two OpenMP threads answer a query faster than one, but
  with another process holding a core they are slower than one
  (``benchmarks/results/speed/encoder_threads.md``). So each call uses the cores
  other processes left free over the last fraction of a second (read from
  ``/proc``), never fewer than one.
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from collections import Counter
from os import times
from pathlib import Path
from time import monotonic

from glossa.indexer.encoders.encoder import set_threads

MAX_BATCH = 32  # queries per batched call (GLOSSA_QUERY_BATCH): the gate's default queue
SAMPLE_EVERY = 0.25  # seconds: how stale a load reading may be


class OtherLoad:
    """Cores kept busy by everything but this process: the machine's busy time
    (``/proc/stat``) minus this process's own CPU time (``os.times``), over the
    wall time between two readings.

    With ``sampler``, a daemon thread takes a reading every ``SAMPLE_EVERY`` / 2
    seconds, so the figure always covers the last fraction of a second. Read
    only when asked (the default), the first search after a quiet spell would
    see the average since the previous search, including a burst of other work
    that has ended since, and answer with one thread on an idle machine."""

    def __init__(self, stat: Path = Path("/proc/stat"), sampler: bool = False) -> None:
        self._stat = stat
        self._hz = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        self._last: tuple[float, float, float] | None = None
        self._value = 0.0
        self._lock = threading.Lock()
        self._sampler = sampler
        self._thread: threading.Thread | None = None

    def _read(self) -> tuple[float, float, float] | None:
        try:
            fields = self._stat.read_text().split("\n", 1)[0].split()[1:]
            ticks = [int(x) for x in fields]
            idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)  # idle + iowait
        except (OSError, ValueError, IndexError):  # no /proc, or a line it cannot parse
            return None
        own = times()
        return monotonic(), (sum(ticks[:8]) - idle) / self._hz, own.user + own.system

    def _update(self) -> None:
        reading = self._read()
        if reading is None:
            return
        if self._last is not None:
            wall = reading[0] - self._last[0]
            busy = (reading[1] - self._last[1]) - (reading[2] - self._last[2])
            self._value = max(0.0, busy / wall) if wall > 0 else self._value
        self._last = reading

    def cores(self) -> float:
        with self._lock:
            if self._sampler:
                if self._thread is None:
                    self._update()
                    self._thread = threading.Thread(
                        target=_sample, args=(weakref.ref(self),), name="glossa-load", daemon=True
                    )
                    self._thread.start()
                return self._value
            now = monotonic()
            if self._last is not None and now - self._last[0] < SAMPLE_EVERY:
                return self._value
            self._update()  # no /proc: no reading, the machine counts as idle
            return self._value


def _sample(ref: weakref.ref[OtherLoad]) -> None:
    """The sampler thread: a reading every half ``SAMPLE_EVERY``, until the
    ``OtherLoad`` it serves is gone."""
    while (load := ref()) is not None:
        with load._lock:
            load._update()
        del load
        time.sleep(SAMPLE_EVERY / 2)


def threads_for(free_cores: float, most: int) -> int:
    """Threads for the next call: the whole cores left free, 1 to ``most``."""
    return max(1, min(most, int(free_cores + 0.5)))


class EncoderLane:
    """The queries waiting for the encoder, and what runs before each search on
    the encoder thread (``prepare``)."""

    def __init__(
        self,
        most_threads: int | None = None,
        load: OtherLoad | None = None,
        max_batch: int = MAX_BATCH,
    ) -> None:
        self.cores = os.cpu_count() or 1
        self.max_batch = max_batch
        self.most_threads = most_threads or self.cores
        self.load = load or OtherLoad(sampler=True)
        self._waiting: Counter[str] = Counter()
        self._lock = threading.Lock()
        self.batches = self.batched_queries = 0  # for /stats and the benchmarks

    def want(self, text: str) -> None:
        """A search for ``text`` is waiting at the gate."""
        with self._lock:
            self._waiting[text] += 1

    def done(self, text: str) -> None:
        with self._lock:
            self._waiting[text] -= 1
            if self._waiting[text] <= 0:
                del self._waiting[text]

    def prepare(self, encoder: object, text: str) -> None:
        """On the encoder thread, before a search for ``text``: choose threads by
        load, and embed ``text`` with every other waiting query not cached yet."""
        threads = threads_for(self.cores - self.load.cores(), self.most_threads)
        set_threads(encoder, threads)
        cached = getattr(encoder, "is_cached", None)
        if cached is None or cached(text):
            return
        with self._lock:
            others = [t for t in self._waiting if t != text]
        batch = [text] + [t for t in others if not cached(t)][: self.max_batch - 1]
        if len(batch) > 1:
            encoder.encode_queries(batch)  # type: ignore[attr-defined]  # fills the cache
            self.batches += 1
            self.batched_queries += len(batch)
