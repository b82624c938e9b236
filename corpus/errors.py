"""Input errors that point at the place to fix: file, line, reason."""

from __future__ import annotations

from dataclasses import dataclass

from glossa.errors import ErrorKind, GlossaError


def place(source: str, line: int) -> str:
    """``file:line``, or the file alone when the line is 0 (the file as a whole)."""
    return f"{source}:{line}" if line else source


class CorpusError(GlossaError, ValueError):
    """Bad glossary input. ``line`` is 1-based; 0 means the file as a whole."""

    kind = ErrorKind.INVALID

    def __init__(self, source: str, line: int, reason: str) -> None:
        self.source, self.line, self.reason = source, line, reason
        super().__init__(f"{place(source, line)}: {reason}")


class LayoutError(CorpusError):
    """The text does not have the layout its parser was chosen for."""


class ImportErrorReport(CorpusError):
    """A JSONL/CSV record or file that cannot be imported."""


@dataclass(frozen=True)
class ImportNote:
    """Something an import read differently from how it was written, or chose for
    the file (a delimiter, a normalised language tag): not a problem, but the user
    is told, once per kind, so nothing changes behind their back."""

    source: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{place(self.source, self.line)}: {self.message}"
