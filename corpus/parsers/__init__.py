"""One parser per scraped layout, and the table that says which file has which.

A parser is a generator ``parse(text, source, lang) -> Iterator[Entry]``; it
raises ``LayoutError`` (file and line) when the text is not the layout it knows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from glossa.corpus.entry import Entry
from glossa.corpus.errors import LayoutError
from glossa.corpus.parsers import (
    ccnews_cards,
    letter_sections,
    numbered_zh,
    persian_pairs,
    question_headings,
)

Parser = Callable[[str, str, str], Iterator[Entry]]


@dataclass(frozen=True)
class Layout:
    name: str
    lang: str
    parse: Parser
    description: str


LAYOUTS: dict[str, Layout] = {
    layout.name: layout
    for layout in (
        Layout(
            "ccnews-cards", "pl", ccnews_cards.parse, "category card, term, alias line, definition"
        ),
        Layout("letter-sections", "pl", letter_sections.parse, "letter headings, 'Back to top'"),
        Layout("persian-pairs", "fa", persian_pairs.parse, "'Persian (English)' then definition"),
        Layout("question-headings", "pl", question_headings.parse, "'- Term' / 'Czym jest X?'"),
        Layout("numbered-zh", "zh", numbered_zh.parse, "'N.术语 definition'"),
    )
}

# The bundled glossaries: the file name is the entry's ``source``.
BUNDLED_LAYOUTS: dict[str, str] = {
    "000_56f73cb24ade583f.txt": "ccnews-cards",
    "001_7895df923257d023.txt": "letter-sections",
    "002_f62ddd5e23a5bbc8.txt": "persian-pairs",
    "003_ca5edb6b570cf714.txt": "question-headings",
    "004_4c7066f51d2a5c3e.txt": "numbered-zh",
}

__all__ = ["BUNDLED_LAYOUTS", "LAYOUTS", "Layout", "LayoutError", "Parser"]
