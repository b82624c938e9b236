"""The read path's errors: what a caller must fix, and what to retry."""

from __future__ import annotations

from glossa.errors import ErrorKind, GlossaError


class QueryError(GlossaError, ValueError):
    """A query, filter or option the caller must fix; the message says what is valid."""

    def __init__(self, message: str, parameter: str | None = None) -> None:
        super().__init__(message, parameter=parameter)


class GraphNotReady(GlossaError, RuntimeError):
    """Equivalents are not available yet (being computed); retrying will work."""

    kind = ErrorKind.NOT_READY
