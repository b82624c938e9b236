"""Reading a text to check: UTF-8, bounded, with errors that say where.

A text file is read only up to one character past the limit, so a huge file
costs no more memory than the largest text accepted; bytes that are not UTF-8
are reported with their offset, and a file holding NUL bytes is refused as
binary rather than matched as garbage.
"""

from __future__ import annotations

import codecs
from typing import BinaryIO

from glossa.recognition.recognizer import MAX_TEXT_CHARS, RecognitionError

CHUNK = 1 << 16


def read_text(stream: BinaryIO, name: str, limit: int = MAX_TEXT_CHARS) -> str:
    """The text of ``stream`` (called ``name`` in errors), at most ``limit`` characters."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    parts: list[str] = []
    size = consumed = 0
    while True:
        chunk = stream.read(CHUNK)
        try:
            text = decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            raise RecognitionError(
                f"{name}: not UTF-8 text (byte {consumed + exc.start}: {exc.reason})", "text"
            ) from exc
        if "\x00" in text:
            raise RecognitionError(f"{name}: a binary file (NUL byte), not a text", "text")
        parts.append(text)
        size += len(text)
        consumed += len(chunk)
        if size > limit:
            raise RecognitionError(
                f"{name}: over the limit of {limit} characters; split it into parts", "text"
            )
        if not chunk:
            return "".join(parts)
