"""Sorted strings as one UTF-8 buffer and offsets, searched by bisection.

Why not a NumPy string array: ``np.array(strings, dtype=str)`` pads every
string to the longest one at 4 bytes per character, so one 500-character term
among a million short names makes the array gigabytes. Here each string costs its
UTF-8 bytes plus an 8-byte offset, whatever the others are like; a lookup is a
bisection over byte strings (UTF-8 sorts like the code points it encodes, so the
order is Python's ``sorted``).

Why a sample of every ``BLOCK``-th string: each step of a bisection over the
buffer reads two offsets and slices the bytes in Python (about a microsecond), and
an id lookup at a million rows took twenty of them. Like Lucene's terms index,
the first string of each block is kept as a Python list (made on the first
lookup, 1/``BLOCK`` of the strings), bisected at C speed, so the buffer is
bisected within one block only.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

BLOCK = 64  # strings per block of the in-memory sample


@dataclass(frozen=True, eq=False)
class SortedStrings(Sequence[bytes]):
    data: np.ndarray  # uint8: the strings' UTF-8 bytes, one after the other
    offsets: np.ndarray  # int64, len + 1: where each string starts (and the end)

    @classmethod
    def of(cls, strings: Sequence[str]) -> SortedStrings:
        """``strings`` must already be sorted (``sorted`` order)."""
        encoded = [s.encode("utf-8") for s in strings]
        offsets = np.zeros(len(encoded) + 1, np.int64)
        np.cumsum([len(b) for b in encoded], out=offsets[1:])
        data = np.frombuffer(b"".join(encoded), np.uint8) if encoded else np.zeros(0, np.uint8)
        return cls(data.copy(), offsets)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return self.data[self.offsets[i] : self.offsets[i + 1]].tobytes()

    @cached_property
    def _sample(self) -> list[bytes]:
        """The first string of every block."""
        return [self[i] for i in range(0, len(self), BLOCK)]

    def _block(self, b: int) -> tuple[int, int]:
        """The positions where a bisection can land when the sample's own
        bisection landed at ``b``: after the start of block ``b - 1``, at most at
        the start of block ``b``."""
        return max(0, (b - 1) * BLOCK + 1), min(b * BLOCK, len(self))

    def _left(self, encoded: bytes) -> int:
        return bisect_left(self, encoded, *self._block(bisect_left(self._sample, encoded)))

    def span(self, key: str) -> tuple[int, int]:
        """The positions holding ``key``: an empty range where it would go when absent."""
        encoded = key.encode("utf-8")
        right = bisect_right(self, encoded, *self._block(bisect_right(self._sample, encoded)))
        return self._left(encoded), right

    def find(self, key: str) -> int | None:
        """The first position holding ``key``, or None: one bisection (an id
        lookup is the hot path of following concept links at scale)."""
        encoded = key.encode("utf-8")
        at = self._left(encoded)
        return at if at < len(self) and self[at] == encoded else None

    @property
    def nbytes(self) -> int:
        return self.data.nbytes + self.offsets.nbytes
