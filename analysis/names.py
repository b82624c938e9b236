"""An entry's names (term, aliases, English equivalent) and the key a name
matches exactly under, so an acronym or term lookup can rank its entry first
whatever the scores say."""

from __future__ import annotations

from glossa.analysis.segmentation import words
from glossa.corpus.entry import Entry


def entry_names(entry: Entry) -> list[str]:
    return [entry.term, *entry.aliases, *([entry.english] if entry.english else [])]


def name_key(text: str) -> str:
    """The key under which a name (term, alias, English equivalent) matches exactly."""
    return " ".join(words(text))


def name_keys(entry: Entry) -> frozenset[str]:
    """The keys of all an entry's names (what its exact-name lookup holds)."""
    return frozenset({name_key(x) for x in entry_names(entry)} - {""})
