"""Names that look like other names: invisible characters and spelling forms.

Why: a term is found by its name, so two names that render alike must be one
name. Unicode's security guidance (UTS #39) lists how they arise:
- *default-ignorable* characters render as nothing (a soft hyphen, LRM/RLM, the
  Arabic letter mark, an invisible separator, tag characters, variation
  selectors, the Hangul filler): ``N<U+00AD>PS`` looks exactly like ``NPS``;
- the same letters composed or decomposed (NFC ``é`` and NFD ``e`` + accent).
So every text is stored in NFC, and a name (term, alias, English equivalent)
with a default-ignorable character is refused with the character's name. ZWNJ
and ZWJ are accepted: between two letters of a script that joins (Persian
``می‌خواهم``, Devanagari) they change the rendering and are part of the
spelling; anywhere else ``glossa lint`` reports them (``misplaced_joiner``), as
it reports letters from other scripts that look alike (a Cyrillic ``Р`` in
``NPS``: real letters, ``recognition.termbase_qa``, confusable names). The API
schema states the same rule (``ignorable_class``).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import regex

_IGNORABLE = regex.compile(r"\p{Default_Ignorable_Code_Point}")
_JOINERS = {"\u200c", "\u200d"}
_NON_JOINING = regex.compile(r"\p{Script=Latin}|\p{Script=Cyrillic}|\p{Script=Greek}")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def misplaced_joiner(text: str) -> str | None:
    """The first ZWNJ/ZWJ of ``text`` that shapes nothing (not between two letters
    of a joining script), by code point and name; None when there is none."""
    for at, char in enumerate(text):
        if char in _JOINERS and not _joins(text, at):
            return f"U+{ord(char):04X} ({unicodedata.name(char)})"
    return None


@lru_cache(maxsize=1)
def ignorable_class() -> str:
    """The default-ignorable code points a name may not hold (ZWNJ/ZWJ apart), as
    the body of a regular-expression character class, read from the Unicode data
    the ``regex`` module carries: what the API schema excludes from names, so it
    states the import rule exactly."""
    every = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)
    points = [ord(m.group()) for m in _IGNORABLE.finditer(every) if m.group() not in _JOINERS]
    ranges: list[list[int]] = []
    for point in points:
        if ranges and point == ranges[-1][1] + 1:
            ranges[-1][1] = point
        else:
            ranges.append([point, point])

    def escaped(point: int) -> str:
        return f"\\u{point:04x}" if point <= 0xFFFF else f"\\U{point:08x}"

    return "".join(escaped(a) if a == b else f"{escaped(a)}-{escaped(b)}" for a, b in ranges)


def _joins(text: str, at: int) -> bool:
    """A ZWNJ/ZWJ at ``at`` between two letters of a script where it shapes text."""
    before, after = text[at - 1 : at], text[at + 1 : at + 2]
    return all(c.isalpha() and not _NON_JOINING.match(c) for c in (before, after) if c) and bool(
        before and after
    )


def invisible_in_name(text: str) -> str | None:
    """Why ``text`` cannot be a name (None if it can): its first invisible
    character, by code point and name."""
    for match in _IGNORABLE.finditer(text):
        char = match.group()
        if char in _JOINERS:
            continue  # part of a spelling where a script joins; lint reports the rest
        name = unicodedata.name(char, "a default-ignorable character")
        return (f"contains U+{ord(char):04X} ({name}), which renders as nothing and makes "
                "a look-alike of another name; remove it")  # fmt: skip
    return None
