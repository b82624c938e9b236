"""The term automaton: every name of one segment's entries of one language,
under one match mode, in one Aho-Corasick automaton (pyahocorasick).

A text is turned into its run of word keys joined by a separator, and so is
each name; a name occurs in the text exactly when its keyed run is a substring
that starts and ends at a separator. The automaton finds every such occurrence
in one pass over the text, whatever the number of names (Aho & Corasick 1975),
which a per-term scan cannot.

Segments are immutable, so an automaton is built once per segment and carried
over to every later version of the index: a write costs the automata of the
segments it adds, not the index (deletes are the version's dead rows, applied
when matching).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import ahocorasick
import numpy as np
from glossa.recognition.forms import CASED, is_cased_name, keys, words_of

SEP = "\x1f"  # never part of a word (analysis.spans cuts at it)


def stream(word_keys: list[str]) -> str:
    return SEP + SEP.join(word_keys) + SEP


@dataclass(frozen=True, slots=True)
class Occurrence:
    """A name found in the text: words ``first``..``last`` (inclusive) are
    name ``name`` (an index into ``analysis.entry_names``) of local row ``row``."""

    first: int
    last: int
    row: int
    name: int


class TermAutomaton:
    """The names of some entries under one mode, and where each came from."""

    def __init__(self, named: dict[str, list[tuple[int, int]]]) -> None:
        self.patterns = len(named)
        self._automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        offsets, rows, names, widths = [0], [], [], []
        for number, (pattern, sources) in enumerate(named.items()):
            self._automaton.add_word(pattern, number)
            rows += [r for r, _ in sources]
            names += [n for _, n in sources]
            offsets.append(len(rows))
            widths.append(pattern.count(SEP) - 1)
        if named:
            self._automaton.make_automaton()
        self._offsets = np.asarray(offsets, np.int64)
        self._rows = np.asarray(rows, np.int64)
        self._names = np.asarray(names, np.int32)
        self._widths = np.asarray(widths, np.int32)

    @classmethod
    def build(cls, names: Iterable[tuple[int, int, str, str]], mode: str) -> TermAutomaton:
        """From (local row, name index, name, language of the name) tuples: the
        cased automaton takes only the names that match as written, every other
        mode only the rest."""
        named: dict[str, list[tuple[int, int]]] = {}
        for row, index, name, lang in names:
            if (mode == CASED) != is_cased_name(name):
                continue
            name_keys = keys(words_of(name), lang, mode)
            if name_keys and all(name_keys):
                named.setdefault(stream(name_keys), []).append((row, index))
        return cls(named)

    def find(self, text_stream: str, word_at: dict[int, int]) -> Iterator[Occurrence]:
        """Every occurrence of a name in ``text_stream`` (``stream`` of the text's
        keys); ``word_at`` maps the position of the separator after each word to
        that word's number."""
        if not self.patterns:
            return
        for end, number in self._automaton.iter(text_stream):
            last = word_at[end]
            first = last - int(self._widths[number]) + 1
            for i in range(self._offsets[number], self._offsets[number + 1]):
                yield Occurrence(first, last, int(self._rows[i]), int(self._names[i]))


def word_positions(word_keys: list[str]) -> dict[int, int]:
    """Position of the separator after each word of ``stream(word_keys)``."""
    out, position = {}, 0
    for number, key in enumerate(word_keys):
        position += 1 + len(key)
        out[position] = number
    return out
