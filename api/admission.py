"""Overload control for searches: the encoder is the one scarce resource.

Without it, a burst of distinct queries queues without bound in front of the
single encoder thread; every request waits for all before it, abandoned ones are
still computed, and a fresh query waits minutes. Instead:

- at most ``capacity`` searches wait for or use the encoder; one more gets 503
  with ``Retry-After`` at once (a client can back off; memory stays bounded);
- each admitted search has a deadline: one that has not finished by then gets
  503, and a job whose deadline passed, or whose client has gone, is skipped when
  its turn comes instead of being computed for nobody;
- a query whose embedding is cached (or a lexical search) needs no encoder: it
  skips the gate and runs on its own thread, so it is answered at once even
  while the encoder queue is full.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Executor
from typing import TypeVar

from glossa.api.errors import ApiError
from starlette.requests import Request

T = TypeVar("T")
DISCONNECT_POLL = 0.1  # seconds between checks that the client is still there


class Overloaded(Exception):
    """503: the gate is full, or the search ran out of time."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Skipped(Exception):
    """A queued job whose client left or whose deadline passed before it started."""


class SearchGate:
    def __init__(self, capacity: int, timeout: float) -> None:
        self.capacity, self.timeout = capacity, timeout
        self.pending = 0  # changed only on the event loop's thread
        self.rejected = self.skipped = 0

    async def run(self, request: Request, executor: Executor, function: Callable[[], T]) -> T:
        if self.pending >= self.capacity:
            self.rejected += 1
            raise Overloaded(
                f"{self.pending} searches are waiting for the encoder; retry shortly", 1
            )
        self.pending += 1
        deadline = time.monotonic() + self.timeout
        try:
            async with client_gone(request) as gone:

                def job() -> T:
                    if gone.is_set() or time.monotonic() > deadline:
                        self.skipped += 1
                        raise Skipped
                    return function()

                future = asyncio.get_running_loop().run_in_executor(executor, job)
                # a skipped job's Skipped is read here, so nobody is warned about an
                # exception "never retrieved" when its requester has already gone
                future.add_done_callback(lambda f: f.cancelled() or f.exception())
                try:
                    return await asyncio.wait_for(asyncio.shield(future), self.timeout)
                except TimeoutError as exc:
                    gone.set()
                    raise Overloaded(
                        f"the search did not finish within {self.timeout:g} s", 2
                    ) from exc
        finally:
            self.pending -= 1


@contextlib.asynccontextmanager
async def client_gone(request: Request) -> AsyncIterator[threading.Event]:
    """An event set when ``request``'s client disconnects, watched while the
    block runs: what a queued search or a write checks before doing work for
    no one."""
    gone = threading.Event()
    watcher = asyncio.create_task(_watch_disconnect(request, gone))
    try:
        yield gone
    finally:
        watcher.cancel()


async def _watch_disconnect(request: Request, gone: threading.Event) -> None:
    """Flag ``gone`` when the client disconnects."""
    try:
        while not gone.is_set():
            if await request.is_disconnected():
                gone.set()
                return
            await asyncio.sleep(DISCONNECT_POLL)
    except asyncio.CancelledError:
        pass


async def admitted(gate: SearchGate, request: Request, executor: Executor,
                   function: Callable[[], T]) -> T:  # fmt: skip
    """``gate.run``, its refusal answered as the API's 503 with Retry-After: what
    every route that needs the encoder (a search, a semantic recognition) says."""
    try:
        return await gate.run(request, executor, function)
    except Overloaded as exc:
        raise ApiError(503, "overloaded", str(exc),
                       headers={"Retry-After": str(exc.retry_after)}) from exc  # fmt: skip
