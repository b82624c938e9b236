"""One error hierarchy for every room: a ``GlossaError`` says *what kind* of
failure it is, never how a front door shows it.

Why kinds and not HTTP statuses: the indexer and the search path are used by the
CLI, the API and any later entry point (an MCP server); each maps a kind to its
own answer in one place (``api.errors.STATUS`` for HTTP, ``glossa.cli``'s one
handler for a terminal). A failure that must reach a user as "what is wrong and
what to do" is a ``GlossaError``; anything else is a bug and stays a traceback in
the log.

The existing classes keep their Python bases (``ValueError``, ``RuntimeError``,
``ConnectionError``) so callers that catch those keep working.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorKind(StrEnum):
    """What went wrong, as a caller can act on it."""

    INVALID = "invalid"  # a query, filter or option the caller must fix
    UNPROCESSABLE = "unprocessable"  # well-formed, but the change cannot be applied
    NOT_FOUND = "not_found"  # no such entry, concept, termbase or file
    CONFLICT = "conflict"  # contradicts the current state (an id that exists)
    TOO_LARGE = "too_large"  # over a documented limit
    UNSUPPORTED = "unsupported"  # this kind of termbase cannot do it (a published one)
    BUSY = "busy"  # another writer holds the termbase: retrying will work
    NOT_READY = "not_ready"  # still being computed: retrying will work
    DAMAGED = "damaged"  # files on disk are missing or damaged: an operator must act
    UNAVAILABLE = "unavailable"  # a service it needs cannot be reached (Milvus, the model)
    UNAUTHORIZED = "unauthorized"  # no token where one is needed
    FORBIDDEN = "forbidden"  # a token without the role it needs
    DISABLED = "disabled"  # nobody may do it here: no token was ever given that role


class GlossaError(Exception):
    """A failure with a message for the user. ``kind`` (per class, or per
    instance) says how to answer it; ``parameter`` names the input at fault."""

    kind: ErrorKind = ErrorKind.INVALID

    def __init__(
        self, message: str = "", *, kind: ErrorKind | None = None, parameter: str | None = None
    ) -> None:
        super().__init__(message)
        if kind is not None:
            self.kind = kind
        self.parameter = parameter
