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

from array import array
from collections.abc import Callable, Iterable, Iterator
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


Names = Iterable[tuple[int, int, str, str]] | Callable[[], Iterable[tuple[int, int, str, str]]]


@dataclass(frozen=True, slots=True)
class Occurrence:
    """A name found in the text: words ``first``..``last`` (inclusive) are
    name ``name`` (an index into ``analysis.entry_names``) of local row ``row``."""

    first: int
    last: int
    row: int
    name: int


CODES_REMEMBERED = 200_000  # word codes per automaton (a few MB)


class TermAutomaton:
    """The names of some entries under one mode, and where each came from.

    Built in two passes over the names (``build``), holding no name in memory
    between them: the first joins the keys into classes, the second writes
    each name's string into the automaton and its source into flat arrays
    (a million names would otherwise hold a million tuples while building)."""

    def __init__(self, numbers: dict[str, int]) -> None:
        self._numbers = numbers
        self._codes: dict[str, str] = {}
        count = len(set(numbers.values()))
        self.width = 1 if count < ONE_CHARACTER else 2
        self._unknown = self._write(count)
        self._automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        self.patterns = 0
        self._offsets = np.zeros(1, np.int64)
        self._rows = np.zeros(0, np.int64)
        self._names = np.zeros(0, np.int32)
        self._lengths = np.zeros(0, np.int32)  # words of each name

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

    def encode_words(self, words: Iterable[str], key: Callable[[str], tuple[str, ...]]) -> str:
        """``encode`` of a text's words, ``key`` giving a word's keys (the same
        function for every call: an automaton is built for one language and mode).
        Each word's code is remembered, up to ``CODES_REMEMBERED`` words: texts
        repeat their words, and translation QA of a large file spent half its
        time finding the keys and numbers of words it had seen."""
        codes = self._codes
        out = []
        for word in words:
            code = codes.get(word)
            if code is None:
                code = self._number(key(word))
                if len(codes) >= CODES_REMEMBERED:
                    codes.clear()
                codes[word] = code
            out.append(code)
        return "".join(out)

    @classmethod
    def build(cls, names: Names, mode: str, split_cased: bool = True) -> TermAutomaton:
        """From (local row, name index, name, language of the name) tuples (a
        sequence, or a function that yields them afresh: they are read twice):
        the cased automaton takes only the names that match as written, every
        other mode only the rest (all of them when not ``split_cased``)."""
        again = names if callable(names) else (lambda: names)

        def keyed() -> Iterator[tuple[int, int, list[tuple[str, ...]]]]:
            for row, index, name, lang in again():
                if split_cased and (mode == CASED) != is_cased_name(name):
                    continue
                name_keys = keys(words_of(name), lang, mode)
                if name_keys and all(all(k) for k in name_keys):
                    yield row, index, name_keys

        built = cls(_number_keys(alternatives for *_, ks in keyed() for alternatives in ks))
        numbers, rows, names_at, lengths = array("q"), array("q"), array("i"), array("i")
        for row, index, name_keys in keyed():
            pattern = built.encode(name_keys)
            number = built._automaton.get(pattern, None)
            if number is None:
                number = len(lengths)
                built._automaton.add_word(pattern, number)
                lengths.append(len(name_keys))
            numbers.append(number)
            rows.append(row)
            names_at.append(index)
        built.patterns = len(lengths)
        if built.patterns:
            built._automaton.make_automaton()
        order = np.argsort(np.frombuffer(numbers, np.int64), kind="stable")
        built._rows = np.frombuffer(rows, np.int64)[order]
        built._names = np.frombuffer(names_at, np.int32)[order]
        counts = np.bincount(np.frombuffer(numbers, np.int64), minlength=built.patterns)
        built._offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        built._lengths = np.frombuffer(lengths, np.int32).copy()
        return built

    def find(self, words: list[str], key: Callable[[str], tuple[str, ...]]) -> Iterator[Occurrence]:
        """Every occurrence of a name among the text's ``words``, ``key`` giving a
        word's keys (``encode_words``)."""
        if self.patterns:
            yield from self._found(self.encode_words(words, key))

    def _found(self, encoded: str) -> Iterator[Occurrence]:
        width = self.width
        for end, number in self._automaton.iter(encoded):
            if (end + 1) % width:
                continue  # two-character numbers: a match must start on a word
            last = (end + 1) // width - 1
            first = last - int(self._lengths[number]) + 1
            for i in range(self._offsets[number], self._offsets[number + 1]):
                yield Occurrence(first, last, int(self._rows[i]), int(self._names[i]))
