"""Layout of 003_ca5edb6b570cf714.txt (Polish, "Czym jest X?").

    Świat nowoczesnej obsługi klienta ...      <- intro paragraph (noise)
    Spis treści                                <- table of contents (noise, NOT entries)
    - Agent
    - AI konwersacyjne ...
    Pojęcia i definicje                        <- the entries start here
    - Agent                                    <- first term heading
    - Kim jest agent?                          <- question line
    Agent to pracownik ... - AI konwersacyjne  <- definition; the NEXT term's heading is
    - Czym jest AI konwersacyjne?                 glued to its end by the scraper

So each question line opens an entry whose term is the heading before it: either
a "- Term" line or the " - Term" tail cut off the previous definition (which must
not keep it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from glossa.corpus.entry import Entry
from glossa.corpus.errors import LayoutError
from glossa.corpus.parsers._common import is_acronym, is_ascii_words, make_entry, paragraphs

BODY_MARKER = "Pojęcia i definicje"
_QUESTION = re.compile(r"^- (?:Czym|Kim) (?:jest|są) .+\?$")
_HEADING_LINE = re.compile(r"^- (?P<term>.+)$")
_GLUED_HEADING = re.compile(r"^(?P<definition>.*[.!?…)”\"])\s+-\s+(?P<term>[^.?!]{1,60})$")
# "CRM (Customer Relationship Management) to ..."; "SLA (ang. Service Level Agreement, ...)"
_OPENING_PAREN = re.compile(r"^(?P<head>[^()]+?)\s+\((?P<inner>[^()]+)\)")


def parse(text: str, source: str, lang: str = "pl") -> Iterator[Entry]:
    paras = paragraphs(text)
    try:
        start = next(i for i, (_, p) in enumerate(paras) if p == BODY_MARKER) + 1
    except StopIteration:
        raise LayoutError(source, 1, f"no {BODY_MARKER!r} heading before the entries") from None
    pending_term: str | None = None
    current: tuple[int, str] | None = None  # (line, term) of the entry being read
    definition: list[str] = []

    def finish() -> Iterator[Entry]:
        if current is None:
            return
        if not definition:
            raise LayoutError(source, current[0], f"term {current[1]!r} has no definition")
        yield _entry(current[1], " ".join(definition), source, lang)

    for number, para in paras[start:]:
        if _QUESTION.match(para):
            if pending_term is None:
                raise LayoutError(source, number, "question with no term heading before it")
            yield from finish()
            current, definition, pending_term = (number, pending_term), [], None
        elif (m := _HEADING_LINE.match(para)) and (current is None or definition):
            yield from finish()
            current, definition = None, []
            pending_term = m.group("term").strip()
        elif current is not None:
            glued = _GLUED_HEADING.match(para)
            if glued:
                definition.append(glued.group("definition"))
                pending_term = glued.group("term").strip()
            else:
                definition.append(para)
        else:
            raise LayoutError(
                source, number, f"unexpected text before the first term: {para[:40]!r}"
            )
    yield from finish()


def _entry(term: str, definition: str, source: str, lang: str) -> Entry:
    aliases: list[str] = []
    english = None
    opening = _OPENING_PAREN.match(definition)
    if opening and opening.group("head").casefold() == term.casefold():
        inner = opening.group("inner")
        if inner.startswith("ang. "):
            candidate = inner[5:].split(",")[0].strip()
            if is_ascii_words(candidate):
                english = candidate
            else:
                aliases.append(candidate)
        elif is_acronym(inner):
            aliases.append(inner)
        elif is_acronym(term) and is_ascii_words(inner):
            english = inner
        else:
            aliases.append(inner)
    return make_entry(
        source=source, lang=lang, term=term, definition=definition, aliases=aliases, english=english
    )
