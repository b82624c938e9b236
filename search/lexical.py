"""What lexical search reads of an entry: its names and its lexical text.

The lexical text of an entry is its names (term, aliases, English equivalent),
twice, then its definition: a name hit counts more than a word in passing. It
is analysed (``search.analysis``) into the per-segment BM25 postings
(``search.bm25``); exact matches of the whole query against a folded name are
looked up in each segment's ``lookup.npz``, so an acronym or term lookup can
rank its entry first whatever the scores say.
"""

from __future__ import annotations

from glossa.corpus.entry import Entry

DEFAULT_ANALYZER = "stems+ngrams"


def entry_names(entry: Entry) -> list[str]:
    return [entry.term, *entry.aliases, *([entry.english] if entry.english else [])]


def lexical_text(entry: Entry) -> str:
    names = " ; ".join(entry_names(entry))
    return f"{names} ; {names} ; {entry.definition}"
