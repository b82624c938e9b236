"""Names that look like other names: invisible characters and spelling forms.

Why: a term is found by its name, so two names that render alike must be one
name. Unicode's security guidance (UTS #39) lists how they arise:
- *default-ignorable* characters render as nothing (a soft hyphen, LRM/RLM, the
  Arabic letter mark, an invisible separator, tag characters, variation
  selectors, the Hangul filler): ``N<U+00AD>PS`` looks exactly like ``NPS``;
- the same letters composed or decomposed (NFC ``é`` and NFD ``e`` + accent).
So every text is stored in NFC, and a name (term, alias, English equivalent)
with a default-ignorable character is refused with the character's name. ZWNJ
and ZWJ are kept between two letters of a script that joins (Persian
``می‌خواهم``, Devanagari): there they change the rendering, so they are part
of the spelling. Letters from other scripts that look alike (a Cyrillic ``Р``
in ``NPS``) are real letters: ``glossa lint`` reports such names
(``recognition.termbase_qa``, confusable names).
"""

from __future__ import annotations

import unicodedata

import regex

_IGNORABLE = regex.compile(r"\p{Default_Ignorable_Code_Point}")
_JOINERS = {"\u200c", "\u200d"}
_NON_JOINING = regex.compile(r"\p{Script=Latin}|\p{Script=Cyrillic}|\p{Script=Greek}")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


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
        if char in _JOINERS and _joins(text, match.start()):
            continue
        name = unicodedata.name(char, "a default-ignorable character")
        return (f"contains U+{ord(char):04X} ({name}), which renders as nothing and makes "
                "a look-alike of another name; remove it")  # fmt: skip
    return None
