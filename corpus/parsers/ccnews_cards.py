"""Layout of 000_56f73cb24ade583f.txt (CCNEWS.pl, Polish): category "cards".

    Kategoria: Customer Experience - 30 haseł     <- header names the category
    Customer Experience                           <- each card opens with it
    <blank>
    aktywne słuchanie                             <- term
    <blank>
    Active Listening                              <- optional alias line ("CXM, CEM")
    Zaawansowana kompetencja ... ce...            <- definition (truncated by the site)

Everything before the first card (site menu, title, blurb) is noise.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from glossa.corpus.entry import Entry
from glossa.corpus.errors import LayoutError
from glossa.corpus.parsers._common import (
    has_polish_letters,
    is_acronym,
    is_ascii_words,
    make_entry,
)

_CATEGORY_HEADER = re.compile(r"^Kategoria:\s*(?P<name>.+?)\s+-\s+\d+\s+has", re.MULTILINE)


def parse(text: str, source: str, lang: str = "pl") -> Iterator[Entry]:
    header = _CATEGORY_HEADER.search(text)
    if not header:
        raise LayoutError(source, 1, "no 'Kategoria: NAME - N haseł' header found")
    category = header.group("name")
    lines = text.splitlines()
    start = text.count("\n", 0, header.end()) + 1
    card_starts = [i for i in range(start, len(lines)) if lines[i].strip() == category]
    for n, i in enumerate(card_starts):
        end = card_starts[n + 1] if n + 1 < len(card_starts) else len(lines)
        body = [line.strip() for line in lines[i + 1 : end] if line.strip()]
        if len(body) not in (2, 3):
            raise LayoutError(
                source, i + 1, f"card has {len(body)} non-blank lines, expected 2 or 3"
            )
        term, *rest = body
        alias_line, definition = (rest[0], rest[1]) if len(rest) == 2 else (None, rest[0])
        names = [a.strip() for a in alias_line.split(",")] if alias_line else []
        english = None
        if has_polish_letters(term):
            english = next((a for a in names if is_ascii_words(a) and not is_acronym(a)), None)
        yield make_entry(
            source=source,
            lang=lang,
            term=term,
            definition=definition,
            aliases=names,
            english=english,
            category=category,
        )
