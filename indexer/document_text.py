"""Which text of an entry is embedded.

The choice is measured, not guessed: ``benchmarks/quality/document_text.py`` compares the
recipes on a judged query set and the default is the best one there. The recipe
is recorded in the manifest because vectors built with one recipe are not
comparable with queries expecting another.
"""

from __future__ import annotations

from collections.abc import Callable

from glossa.corpus.entry import Entry


def _names(entry: Entry) -> str:
    extra = [a for a in (*entry.aliases, entry.english) if a]
    return f"{entry.term} ({', '.join(extra)})" if extra else entry.term


def term_only(entry: Entry) -> str:
    return entry.term


def names_only(entry: Entry) -> str:
    return _names(entry)


def names_and_definition(entry: Entry) -> str:
    """Names, then the definition (own or borrowed); a term without any is its names."""
    return f"{_names(entry)}: {entry.definition}" if entry.definition else _names(entry)


RECIPES: dict[str, Callable[[Entry], str]] = {
    "term": term_only,
    "names": names_only,
    "names+definition": names_and_definition,
}
DEFAULT_RECIPE = "names+definition"


def document_text(entry: Entry, recipe: str = DEFAULT_RECIPE) -> str:
    return RECIPES[recipe](entry)
