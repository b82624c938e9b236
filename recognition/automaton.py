"""The term automaton: every name of one segment's entries of one language,
under one match mode, in one Aho-Corasick automaton (pyahocorasick).

Names and texts are runs of words, each with its keys (``forms``). Each word
of the names gets a number, shared by all its keys (and by every other name
word that shares one of them), written as one character (two when a segment
has more than a million distinct words), so a name is a short string and
a text is the string of its words' numbers (a word with no key of any name is
a number no name has). A
name then occurs in the text exactly where its string does, on word
boundaries by construction, and the automaton finds every occurrence in one
pass over the text whatever the number of names (Aho & Corasick 1975). One
character per word rather than per letter keeps the trie small: a node per
word of each distinct name prefix.

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

_FIRST = 0x100  # word numbers are written from here, away from control characters
_LOW = 0xD800 - _FIRST  # numbers written below the surrogates
_SPAN = _LOW + 0x110000 - 0xE000  # and above them: one "digit"
ONE_CHARACTER = _SPAN  # distinct words a segment can number with one character each


def _digit(value: int) -> str:
    return chr(_FIRST + value if value < _LOW else 0xE000 + value - _LOW)


def _number_keys(words: Iterable[tuple[str, ...]]) -> dict[str, int]:
    """A number for every key, one per class of keys that some word holds
    together (union-find): a word whose lemma is one word's key and whose
    written form is another's joins the two."""
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for alternatives in words:
        for key in alternatives:
            parent.setdefault(key, key)
        first = root(alternatives[0])
        for key in alternatives[1:]:
            other = root(key)
            if other != first:
                parent[other] = first
    numbers: dict[str, int] = {}
    classes: dict[str, int] = {}
    for key in parent:
        numbers[key] = classes.setdefault(root(key), len(classes))
    return numbers


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

    def __init__(self, named: dict[tuple[tuple[str, ...], ...], list[tuple[int, int]]]) -> None:
        self.patterns = len(named)
        self._numbers = _number_keys(alternatives for words in named for alternatives in words)
        count = len(set(self._numbers.values()))
        self.width = 1 if count < ONE_CHARACTER else 2
        self._unknown = self._write(count)
        self._automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        offsets, rows, names, lengths = [0], [], [], []
        for number, (words, sources) in enumerate(named.items()):
            self._automaton.add_word(self.encode(words), number)
            rows += [r for r, _ in sources]
            names += [n for _, n in sources]
            offsets.append(len(rows))
            lengths.append(len(words))
        if named:
            self._automaton.make_automaton()
        self._offsets = np.asarray(offsets, np.int64)
        self._rows = np.asarray(rows, np.int64)
        self._names = np.asarray(names, np.int32)
        self._lengths = np.asarray(lengths, np.int32)  # words of each name

    def _write(self, number: int) -> str:
        if self.width == 1:
            return _digit(number)
        high, low = divmod(number, _SPAN)
        return _digit(high) + _digit(low)

    def _number(self, alternatives: tuple[str, ...]) -> str:
        for key in alternatives:
            number = self._numbers.get(key)
            if number is not None:
                return self._write(number)
        return self._unknown

    def encode(self, words: Iterable[tuple[str, ...]]) -> str:
        """The string of the words' numbers, each word given by its keys."""
        return "".join(self._number(alternatives) for alternatives in words)

    @classmethod
    def build(cls, names: Iterable[tuple[int, int, str, str]], mode: str) -> TermAutomaton:
        """From (local row, name index, name, language of the name) tuples: the
        cased automaton takes only the names that match as written, every other
        mode only the rest."""
        named: dict[tuple[tuple[str, ...], ...], list[tuple[int, int]]] = {}
        for row, index, name, lang in names:
            if (mode == CASED) != is_cased_name(name):
                continue
            name_keys = tuple(keys(words_of(name), lang, mode))
            if name_keys and all(all(k) for k in name_keys):
                named.setdefault(name_keys, []).append((row, index))
        return cls(named)

    def find(self, words: list[tuple[str, ...]]) -> Iterator[Occurrence]:
        """Every occurrence of a name among the text's ``words`` (their keys)."""
        if not self.patterns:
            return
        width = self.width
        for end, number in self._automaton.iter(self.encode(words)):
            if (end + 1) % width:
                continue  # two-character numbers: a match must start on a word
            last = (end + 1) // width - 1
            first = last - int(self._lengths[number]) + 1
            for i in range(self._offsets[number], self._offsets[number + 1]):
                yield Occurrence(first, last, int(self._rows[i]), int(self._names[i]))
