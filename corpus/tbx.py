"""TBX (ISO 30042, TermBase eXchange) in and out, as terminology tools exchange it.

TBX is concept-oriented: a ``conceptEntry`` holds one ``langSec`` per language,
each with ``termSec``s (the term and its synonyms, acronyms, abbreviations). A
Glossa entry is one term of one language with its aliases and definition, so:

| TBX                                               | Glossa entry                     |
|---------------------------------------------------|----------------------------------|
| ``conceptEntry/@id``                              | ``concept`` (shared by languages) |
| ``conceptEntry/descrip[@type=subjectField]``      | ``category``                     |
| ``langSec/@xml:lang`` (``pl-PL`` -> ``pl``)       | ``lang``                         |
| ``descrip[@type=definition]`` (langSec or termSec) | ``definition``                   |
| preferred (else first) ``termSec/term``           | ``term``; its ``@id`` is ``id``  |
| the other ``termSec/term`` (acronym, variant...)  | ``aliases``                      |
| ``termSec/admin[@type=source]`` of the term       | ``source`` (default: file name)  |
| a definition-less ``langSec xml:lang="en"``       | ``english`` of the concept's entries |

One langSec is written per entry (two glossaries may both define a concept in
Polish). Subject field and English equivalent belong to the concept in TBX, so
they are exported once per concept: entries of one concept that disagree on them
do not survive a round trip unchanged; everything else does
(``read_tbx(write_tbx(x)) == x``, tested on the bundled corpus).

Reading accepts TBX v3 (``tbx``/``conceptEntry``/``langSec``/``termSec``, any
namespace) and TBX v2 / TBX-Basic 2008 (``martif``/``termEntry``/``langSet``/
``tig``/``ntig``). The parser never resolves external entities nor touches the
network, and it reports XML errors and bad concepts with file and line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from glossa.corpus.entry import Entry, valid_id
from glossa.corpus.errors import ImportErrorReport
from glossa.corpus.importers import MAX_CHARS, Record, entry_from_record
from lxml import etree

TBX_NAMESPACE = "urn:iso:std:iso:30042:ed:3.0"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
PREFERRED = "preferredTerm-admn-sts"
_ACRONYM = re.compile(r"^[A-Z0-9&/.\-]{2,12}$")
_WRAPPED_LINE = re.compile(r"[ \t]*\n[ \t]+")  # a pretty-printer's line break + indentation
CONCEPT_TAGS = ("conceptEntry", "termEntry")
LANG_TAGS = ("langSec", "langSet")
TERM_TAGS = ("termSec", "tig", "ntig")


def _local(element: etree._Element) -> str:
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(element: etree._Element, *names: str) -> list[etree._Element]:
    return [child for child in element if _local(child) in names]


def _text(element: etree._Element) -> str:
    """Element text with pretty-printing undone (wrapped lines joined) but the
    author's own line breaks, such as paragraph breaks, kept."""
    return _WRAPPED_LINE.sub(" ", "".join(element.itertext())).strip()


def _typed(element: etree._Element, tag: str, kind: str) -> list[etree._Element]:
    """``<tag type=kind>`` children, also when wrapped in a ``...Grp`` element."""
    found = []
    for child in element:
        name = _local(child)
        if name == tag and child.get("type") == kind:
            found.append(child)
        elif name in (f"{tag}Grp", "termGrp"):
            found.extend(_typed(child, tag, kind))
    return found


def tbx_entries(path: Path) -> Iterator[Record]:
    """Entries of a TBX file; a concept or language section that cannot become an
    entry is yielded as its problem (with its line) and reading goes on.

    Streamed with lxml's iterparse: each concept is handled when its end tag is
    read and then freed, so memory stays flat whatever the number of concepts."""
    concepts = 0
    try:
        events = etree.iterparse(
            str(path), events=("start", "end"), resolve_entities=False, no_network=True,
            load_dtd=False, huge_tree=False, remove_comments=True, remove_pis=True,
        )  # fmt: skip
        root = None
        for event, element in events:
            if root is None:
                root = element
                if _local(root) not in ("tbx", "martif"):
                    raise ImportErrorReport(
                        str(path), root.sourceline or 0,
                        f"root element is <{_local(root)}>, not <tbx> or <martif>",
                    )  # fmt: skip
                continue
            if event != "end" or _local(element) not in CONCEPT_TAGS:
                continue
            concepts += 1
            yield from _concept_entries(path, element, concepts)
            element.clear()  # free what was read: siblings before it go too
            parent = element.getparent()
            while parent is not None and element.getprevious() is not None:
                del parent[0]
    except OSError as exc:
        raise ImportErrorReport(str(path), 0, f"cannot read file: {exc}") from exc
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or 0
        raise ImportErrorReport(str(path), line, f"not well-formed XML: {exc.msg}") from exc
    if not concepts:
        raise ImportErrorReport(str(path), 0, "no conceptEntry/termEntry elements: not a termbase")


def _concept_entries(path: Path, concept: etree._Element, number: int) -> Iterator[Record]:
    line = concept.sourceline or 0
    raw_id = (concept.get("id") or "").strip()
    subject = next((_text(d) for d in _typed(concept, "descrip", "subjectField")), None) or None
    english: str | None = None
    sections = []
    for lang_sec in _children(concept, *LANG_TAGS):
        lang_code = (lang_sec.get(XML_LANG) or lang_sec.get("lang") or "").strip()
        lang = lang_code.split("-")[0].split("_")[0].lower()
        terms = _terms(lang_sec)
        definition = _definition(lang_sec)
        if not definition and lang == "en" and terms:
            english = english or terms[0][0]
            continue
        sections.append((lang_sec, lang_code, lang, terms, definition))
    problems: list[Record] = []
    records = []
    for lang_sec, lang_code, lang, terms, definition in sections:
        where = lang_sec.sourceline or line
        if not terms:
            problems.append(ImportErrorReport(str(path), where, "language section without a term"))
            continue
        if not definition:
            problems.append(
                ImportErrorReport(
                    str(path), where, f"term {terms[0][0]!r} ({lang_code or '?'}) has no definition"
                )
            )
            continue
        records.append((where, lang, terms, definition))
    if raw_id and not valid_id(raw_id):
        raw_id = "c-" + re.sub(r"[^A-Za-z0-9_.-]", "_", raw_id)[:120]
    if not raw_id and len(records) > 1:
        raw_id = f"{re.sub(r'[^A-Za-z0-9_.-]', '_', path.stem)[:100]}-c{number}"
    for where, lang, terms, definition in records:
        (term, term_id, source), aliases = terms[0], [t for t, _, _ in terms[1:]]
        record = {
            "term": term,
            "definition": definition,
            "lang": lang,
            "aliases": aliases,
            "english": english if lang != "en" else None,
            "source": source,
            "category": subject,
            "concept": raw_id or None,
        }
        if term_id and valid_id(term_id):
            record["id"] = term_id
        try:
            yield entry_from_record(record, source=str(path), line=where, default_source=path.name)
        except ImportErrorReport as problem:
            yield problem
    yield from problems


def _terms(lang_sec: etree._Element) -> list[tuple[str, str | None, str | None]]:
    """(term, id, source) of each term section, the preferred term first."""
    found = []
    for term_sec in _children(lang_sec, *TERM_TAGS):
        holder = (_children(term_sec, "termGrp") or [term_sec])[0]
        term_el = next(iter(_children(holder, "term")), None)
        if term_el is None or not _text(term_el):
            continue
        status = [_text(n) for n in _typed(holder, "termNote", "administrativeStatus")]
        source = next(
            (_text(a) for a in _children(term_sec, "admin") if a.get("type") == "source"), None
        )
        found.append(
            (PREFERRED in status, _text(term_el), term_sec.get("id") or term_el.get("id"), source)
        )
    found.sort(key=lambda item: not item[0])  # stable: preferred first, then document order
    return [(term, term_id, source) for _, term, term_id, source in found]


def _definition(lang_sec: etree._Element) -> str:
    definitions = _typed(lang_sec, "descrip", "definition")
    if not definitions:  # some tools put it on the term
        for term_sec in _children(lang_sec, *TERM_TAGS):
            definitions = _typed(term_sec, "descrip", "definition")
            if definitions:
                break
    return _text(definitions[0])[: MAX_CHARS["definition"] + 1] if definitions else ""


# ---------------------------------------------------------------------- export


def _concept_groups(entries: Iterable[Entry]) -> list[list[Entry]]:
    """Entries grouped by concept id, in order of first appearance; an entry without
    a concept is a concept of its own."""
    groups: dict[str, list[Entry]] = {}
    for entry in entries:
        groups.setdefault(entry.concept or f"\x00{entry.id}", []).append(entry)
    return list(groups.values())


def _element(
    parent: etree._Element, tag: str, text: str | None = None, **attrs: str
) -> etree._Element:
    element = etree.SubElement(parent, f"{{{TBX_NAMESPACE}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def alias_type(alias: str) -> str:
    """TBX-Basic ``termType`` of an alias: ``acronym`` for NPS/CSAT-like forms, else ``variant``."""
    return "acronym" if _ACRONYM.match(alias) and any(c.isalpha() for c in alias) else "variant"


def tbx_document(entries: Iterable[Entry], title: str = "Glossa export") -> etree._ElementTree:
    """A TBX-Basic (TBX v3, DCA style) document of the entries."""
    root = etree.Element(
        f"{{{TBX_NAMESPACE}}}tbx",
        {"type": "TBX-Basic", "style": "dca", XML_LANG: "en"},
        nsmap={None: TBX_NAMESPACE},
    )
    header = _element(root, "tbxHeader")
    file_desc = _element(header, "fileDesc")
    _element(_element(file_desc, "titleStmt"), "title", title)
    _element(_element(file_desc, "sourceDesc"), "p", "Exported by Glossa")
    body = _element(_element(root, "text"), "body")
    for group in _concept_groups(entries):
        concept = _element(body, "conceptEntry")
        if group[0].concept:
            concept.set("id", group[0].concept)
        category = next((e.category for e in group if e.category), None)
        if category:
            _element(concept, "descrip", category, type="subjectField")
        for entry in group:
            lang_sec = _element(concept, "langSec", **{XML_LANG: entry.lang})
            _element(lang_sec, "descrip", entry.definition, type="definition")
            term_sec = _element(lang_sec, "termSec", id=entry.id)
            _element(term_sec, "term", entry.term)
            _element(term_sec, "termNote", PREFERRED, type="administrativeStatus")
            _element(term_sec, "admin", entry.source, type="source")
            for alias in entry.aliases:
                alias_sec = _element(lang_sec, "termSec")
                _element(alias_sec, "term", alias)
                _element(alias_sec, "termNote", alias_type(alias), type="termType")
        english = list(dict.fromkeys(e.english for e in group if e.english and e.lang != "en"))
        if english:
            lang_sec = _element(concept, "langSec", **{XML_LANG: "en"})
            for name in english:
                _element(_element(lang_sec, "termSec"), "term", name)
    if not len(body):
        raise ValueError("nothing to export: TBX needs at least one concept")
    return etree.ElementTree(root)


def write_tbx(entries: Iterable[Entry], out: IO[bytes], title: str = "Glossa export") -> int:
    """Write entries as TBX-Basic; returns the number of concepts written."""
    document = tbx_document(entries, title)
    document.write(out, encoding="UTF-8", xml_declaration=True, pretty_print=True)
    return len(document.getroot().find(f"{{{TBX_NAMESPACE}}}text")[0])
