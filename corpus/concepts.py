"""Concept-level facts shared by the entries of one concept.

Termbases are concept-oriented: a definition is usually written once, at the
concept or in one language, and the other languages' terms have none of their
own. Such a term is still worth finding, and a search result without any
definition is hard to judge, so an entry without a definition borrows its
concept's: the concept-level one if there is one, else the English entry's, else
the first other entry's in reading order. ``definition_from`` records which, so
nothing borrowed is mistaken for the entry's own text (exports leave it out,
the page says "definition from en").
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable

from glossa.corpus.entry import CONCEPT_LEVEL, Entry

PREFERRED_LENDER = "en"


def borrow_definitions(
    entries: Iterable[Entry], concept_definitions: dict[str, str] | None = None
) -> list[Entry]:
    """The entries, with each definition-less entry of a concept given its
    concept's definition. Entries keep their order; nothing else changes."""
    entries = list(entries)
    concept_definitions = concept_definitions or {}
    own: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        if entry.concept and entry.definition and not entry.definition_from:
            own[entry.concept].append(entry)
    borrowed = []
    for entry in entries:
        if entry.definition or not entry.concept:
            borrowed.append(entry)
            continue
        text, origin = concept_definitions.get(entry.concept), CONCEPT_LEVEL
        if not text:
            lenders = own.get(entry.concept, ())
            lender = next((e for e in lenders if e.lang == PREFERRED_LENDER), None) or next(
                iter(lenders), None
            )
            text, origin = (lender.definition, lender.lang) if lender else (None, None)
        borrowed.append(
            dataclasses.replace(entry, definition=text, definition_from=origin) if text else entry
        )
    return borrowed
