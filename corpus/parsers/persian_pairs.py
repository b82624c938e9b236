"""Layout of 002_f62ddd5e23a5bbc8.txt (Danapardaz, Persian).

    49258000 - 021                        <- phone number, page titles (noise)
    فهرست مطالب این مقاله:                 <- "table of contents" line: entries follow
    آنالتیکس (Analytics)                   <- term, English equivalent or acronym in ()
    <line holding a single NBSP>
    داده ها و معیارهای ...                 <- definition (one paragraph)
    ...
    با نرم افزار پشتیبانی ... دانا دسک ...  <- advert between two entries (noise)
    دیدگاه خود را بنویسید                  <- comment form: the end of the glossary

Terms and definitions alternate. A term is a few words, or a line ending in a
parenthesised English name; a sentence where a term is expected is an advert and
is skipped, so it can neither become an entry nor swallow the next one.
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

CONTENTS_MARKER = "فهرست مطالب"
COMMENT_FORM = "دیدگاه خود را بنویسید"
MAX_TERM_WORDS = 6
MAX_TERM_CHARS = 100
_ACR = r"[A-Z][A-Za-z]{1,7}"
# "شاخص NPS مخفف Net Promoter Score است" -> NPS stands for Net Promoter Score.
_STANDS_FOR = re.compile(rf"(?P<acr>{_ACR})\s+مخفف\s+(?P<english>[A-Za-z][A-Za-z ]+?)\s+است")


def parse(text: str, source: str, lang: str = "fa") -> Iterator[Entry]:
    paras = paragraphs(text)
    try:
        start = next(i for i, (_, p) in enumerate(paras) if p.startswith(CONTENTS_MARKER)) + 1
    except StopIteration:
        raise LayoutError(source, 1, f"no {CONTENTS_MARKER!r} line before the entries") from None
    term: tuple[int, str] | None = None
    for number, para in paras[start:]:
        if para.startswith(COMMENT_FORM):
            break
        if term is None:
            if _looks_like_term(para):
                term = (number, para)
            # else: an advert where a term should be; skipped
            continue
        yield _entry(term[1], para, source, lang)
        term = None
    if term is not None:
        raise LayoutError(source, term[0], f"term {term[1]!r} has no definition")


def _looks_like_term(para: str) -> bool:
    if len(para) > MAX_TERM_CHARS:
        return False
    return para.endswith(")") or len(para.split()) <= MAX_TERM_WORDS


def _entry(heading: str, definition: str, source: str, lang: str) -> Entry:
    term, inner = split_trailing_parenthetical(heading)
    aliases: list[str] = []
    english = None
    if inner and is_acronym(inner):
        aliases.append(inner)
    elif inner:
        english = inner
    # The definition often restates the term with its acronym: "X (LTV) ...", "X یا SLA ...".
    restated = re.match(
        rf"^{re.escape(term)}\s*(?:\((?P<a>{_ACR})\)|یا\s+(?P<b>{_ACR})\b)", definition
    )
    if restated:
        aliases.append(restated.group("a") or restated.group("b"))
    stands_for = _STANDS_FOR.search(definition)
    if stands_for:
        aliases.append(stands_for.group("acr"))
        english = english or stands_for.group("english")
    return make_entry(
        source=source, lang=lang, term=term, definition=definition, aliases=aliases, english=english
    )
