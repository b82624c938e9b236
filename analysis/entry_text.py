"""The lexical text of an entry: what BM25 indexes of it.

Its names (term, aliases, English equivalent), twice, then its definition: a
name hit counts more than a word in passing.
"""

from __future__ import annotations

from glossa.analysis.names import entry_names
from glossa.corpus.entry import Entry


def lexical_text(entry: Entry) -> str:
    names = " ; ".join(entry_names(entry))
    return f"{names} ; {names} ; {entry.definition}"
