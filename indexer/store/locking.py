"""One writer at a time per index directory, across threads and processes.

A lock file next to the directory (``.<name>.lock``) is locked with ``flock``:
exclusively by writers for their whole read-modify-write (so two writers, say
``glossa add`` and the API, never lose each other's changes), shared by loaders
(so a loader never sees the instant between the two renames of a swap). The
kernel drops the lock when its holder dies, so a killed writer never leaves the
index locked.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from glossa.errors import ErrorKind, GlossaError

DEFAULT_TIMEOUT = 120.0


class IndexBusyError(GlossaError, RuntimeError):
    """Another writer has held the index for longer than we are willing to wait."""

    kind = ErrorKind.BUSY


def lock_path(index_dir: Path) -> Path:
    return index_dir.with_name(f".{index_dir.name}.lock")


@contextmanager
def index_lock(
    index_dir: Path, *, exclusive: bool, timeout: float = DEFAULT_TIMEOUT
) -> Iterator[None]:
    path = lock_path(index_dir.resolve())
    if not exclusive and not index_dir.exists():
        yield  # nothing there to read (the reader says so): no lock file left behind
        return
    try:
        if exclusive:
            path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        if exclusive:
            raise
        yield  # a read-only location: nobody can write there, so nothing to wait for
        return
    try:
        mode = (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, mode)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise IndexBusyError(
                        f"the index at {index_dir} is locked by another writer "
                        f"(waited {timeout:.0f} s); try again when it has finished"
                    ) from None
                time.sleep(0.02)
        yield
    finally:
        os.close(fd)  # closing releases the lock
