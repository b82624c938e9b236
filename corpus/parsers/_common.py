"""Small text helpers shared by the layout parsers.

Each parser knows its own layout; what they share is how an acronym looks, how
"Term (ACR)" splits, and how an ``Entry`` is assembled with deduplicated aliases.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from glossa.corpus.entry import Entry, make_entry_id

_ACRONYM = re.compile(r"^[A-Za-z][A-Za-z0-9&/-]{1,9}$")
_POLISH_LETTERS = set("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ")


def is_acronym(text: str) -> bool:
    """'CSAT', 'eNPS', 'GigCS', 'B2B' are acronyms; 'Macro' and 'wow' are not."""
    text = text.strip()
    return bool(_ACRONYM.match(text)) and sum(c.isupper() for c in text) >= 2


def is_ascii_words(text: str) -> bool:
    """Latin text without Polish letters: a candidate English equivalent."""
    return bool(text) and all(ord(c) < 128 for c in text) and any(c.isalpha() for c in text)


def has_polish_letters(text: str) -> bool:
    return any(c in _POLISH_LETTERS for c in text)


_TRAILING_PAREN = re.compile(r"^(?P<head>.*?)\s*[(（]\s*(?P<inner>[^()（）]+?)\s*[)）]\s*$")


def split_trailing_parenthetical(text: str) -> tuple[str, str | None]:
    """'After-Call Work (ACW)' -> ('After-Call Work', 'ACW'); no parentheses -> (text, None)."""
    m = _TRAILING_PAREN.match(text.strip())
    if not m or not m.group("head"):
        return text.strip(), None
    return m.group("head").strip(), m.group("inner").strip()


def unique(items: Iterable[str | None], exclude: Iterable[str | None] = ()) -> tuple[str, ...]:
    """Order-preserving, case-insensitive dedupe that drops blanks and excluded values."""
    seen = {x.casefold() for x in exclude if x}
    out: list[str] = []
    for item in items:
        if not item:
            continue
        item = item.strip()
        key = item.casefold()
        if item and key not in seen:
            seen.add(key)
            out.append(item)
    return tuple(out)


def make_entry(
    *,
    source: str,
    lang: str,
    term: str,
    definition: str,
    aliases: Iterable[str | None] = (),
    english: str | None = None,
    category: str | None = None,
) -> Entry:
    term = term.strip()
    english = english.strip() if english else None
    if english and english.casefold() == term.casefold():
        english = None
    return Entry(
        id=make_entry_id(source, term, lang),
        term=term,
        definition=definition.strip(),
        lang=lang,
        source=source,
        aliases=unique(aliases, exclude=(term, english)),
        english=english,
        category=category,
    )


def paragraphs(text: str) -> list[tuple[int, str]]:
    """Non-blank lines with their 1-based line numbers (NBSP-only lines count as blank)."""
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.replace("\xa0", " ").strip()
        if stripped:
            out.append((number, line.strip()))
    return out
