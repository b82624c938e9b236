"""``ChangeError``: a change that contradicts the index.

Why a module of its own: readers (the runtime, the CLI's read commands) name it
without importing the write path that raises it (``indexer.writes``), which pulls in
the importers and the full build.
"""

from __future__ import annotations

from collections.abc import Sequence

from glossa.errors import ErrorKind, GlossaError


class ChangeError(GlossaError, ValueError):
    """A change that contradicts the index (adding an existing id, updating or
    deleting a missing one). ``kind`` says which (a conflict by default)."""

    def __init__(
        self, message: str, kind: ErrorKind = ErrorKind.CONFLICT, ids: Sequence[str] = ()
    ) -> None:
        super().__init__(message, kind=kind)
        self.ids = tuple(ids)
