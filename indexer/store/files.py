"""File helpers for durable writes: checksums and fsync (file and directory)."""

from __future__ import annotations

import hashlib
import os
import signal
from pathlib import Path


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fsync_file(path: Path) -> None:
    with path.open("rb") as f:
        os.fsync(f.fileno())


def fsync_dir(path: Path) -> None:
    """Make a rename inside ``path`` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


FAILPOINT_ENV = "GLOSSA_FAILPOINT"


def failpoint(name: str) -> None:
    """Die here, as a power cut would, when ``GLOSSA_FAILPOINT`` names this point.

    Why: crash safety is only believable if a writer is actually killed between
    every two steps of a write; the crash tests set the variable in a child
    process and check the index afterwards (fail-rs / etcd "failpoints"). Costs a
    dictionary lookup when unset.
    """
    if os.environ.get(FAILPOINT_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
