"""Layout of 001_7895df923257d023.txt (Polish customer-service glossary).

    A                                  <- letter heading (noise)
    After-Call Work (ACW)              <- term, acronym in parentheses
    Czas bezpośrednio po ...           <- definition: one or more paragraphs
    W trybie ACW ...
    Back to top                        <- closes the entry

An entry is whatever stands between two "Back to top" separators, minus letter
headings; the title and intro before the first heading and the footer after the
last separator are noise.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from glossa.corpus.entry import Entry
from glossa.corpus.errors import LayoutError
from glossa.corpus.parsers._common import (
    is_acronym,
    make_entry,
    paragraphs,
    split_trailing_parenthetical,
)

SEPARATOR = "Back to top"
_LETTER_HEADING = re.compile(r"^[A-ZĄĆĘŁŃÓŚŹŻ]$")
# "Nazywany również „Wrap-up” lub “Post-Call Processing (PCP)”" -> alternative names.
_ALSO_CALLED = re.compile(r"(?:[Nn]azywan[ya]|[Zz]wan[ya])\s+również\s+(?P<names>.+?)(?:\.|$)")
_QUOTED = re.compile(r"[„“\"]([^„“”\"]+)[”\"]")
# A definition that opens with "(Automatyczne oddzwanianie) – ..." names the term in Polish.
_LEADING_GLOSS = re.compile(r"^\((?P<gloss>[^)]+)\)\s*[–-]")


def parse(text: str, source: str, lang: str = "pl") -> Iterator[Entry]:
    block: list[tuple[int, str]] = []
    seen_heading = False
    for number, para in paragraphs(text):
        if para == SEPARATOR:
            if block:
                yield _entry(block, source, lang)
            elif seen_heading:
                raise LayoutError(source, number, "separator with no entry before it")
            block = []
        elif _LETTER_HEADING.match(para):
            seen_heading = True
            block = []  # anything before a letter heading is a page title or intro
        else:
            block.append((number, para))
    # a trailing block without its separator is the page footer, not an entry


def _entry(block: list[tuple[int, str]], source: str, lang: str) -> Entry:
    (number, heading), *body = block
    if not body:
        raise LayoutError(source, number, f"term {heading!r} has no definition")
    definition = "\n\n".join(p for _, p in body)
    term, inner = split_trailing_parenthetical(heading)
    aliases: list[str] = []
    english = None
    if inner:
        first, _, rest = inner.replace(" ", " ").partition(" ")
        if is_acronym(inner.replace(" ", "")):
            aliases.append(inner.replace(" ", ""))
        elif is_acronym(first):  # "(NOC Number of Calls Offered)"
            aliases.append(first)
            english = rest.strip() or None
        else:
            aliases.append(inner)
    for match in _ALSO_CALLED.finditer(definition):
        for name in _QUOTED.findall(match.group("names")):
            name_head, name_acr = split_trailing_parenthetical(name)
            aliases.append(name_head)
            if name_acr and is_acronym(name_acr):
                aliases.append(name_acr)
    gloss = _LEADING_GLOSS.match(body[0][1])
    if gloss:
        aliases.append(gloss.group("gloss"))
    return make_entry(
        source=source, lang=lang, term=term, definition=definition, aliases=aliases, english=english
    )
