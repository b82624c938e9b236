"""TBX (ISO 30042, TermBase eXchange) in and out, as terminology tools write it.

TBX is concept-oriented: a ``conceptEntry`` holds one ``langSec`` per language,
each with ``termSec``s (the term and its synonyms, acronyms, abbreviations). A
Glossa entry is one term of one language with its aliases, so:

| TBX                                                  | Glossa entry                        |
|------------------------------------------------------|-------------------------------------|
| ``conceptEntry/@id``                                 | ``concept`` (shared by languages)   |
| subject field (concept level)                        | ``category``                        |
| ``langSec/@xml:lang`` (``pl-PL`` -> ``pl``)          | ``lang``                            |
| definition in the langSec (or on one of its terms)   | ``definition``                      |
| definition at concept level                          | borrowed (``definition_from="concept"``) |
| preferred (else first non-deprecated) term           | ``term``; its ``@id`` is ``id``     |
| the other terms (acronym, variant, deprecated...)    | ``aliases``                         |
| termType, administrative/usage status, part of speech | ``term_info`` of each name         |
| context sentence of the term; notes                  | ``context``; ``note``               |
| ``admin type=source`` of the term                    | ``source`` (default: file name)     |

Data categories are read in both TBX v3 styles: DCA (``<descrip
type="definition">``, ``<termNote type="termType">``) and DCT (``<basic:definition>``,
``<min:partOfSpeech>``: an element of a dialect namespace named after the
category), in any case (MultiTerm writes ``type="Definition"``), inside or
outside ``...Grp`` wrappers; and TBX v2 (``martif``/``termEntry``/``langSet``/
``tig``/``ntig``), which Microsoft Terminology, MultiTerm and Lokalize export.

A term without a definition is an entry all the same (its concept's definition is
borrowed, see ``corpus.concepts``). English names that Glossa exports only as the
``english`` of other entries carry the note ``ENGLISH_ONLY`` and come back as that.

The parser never resolves external entities nor touches the network, and it
reports XML errors and bad concepts with file and line.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from glossa.corpus.concepts import borrow_definitions
from glossa.corpus.entry import CONCEPT_LEVEL, Entry, TermInfo, as_id, id_chars, valid_id
from glossa.corpus.errors import ImportErrorReport
from glossa.corpus.importers import MAX_CHARS, Record, clip, entry_from_record
from lxml import etree

TBX_NAMESPACE = "urn:iso:std:iso:30042:ed-2"  # TBX v3 (ISO 30042:2019)
TBX_NAMESPACES = frozenset({"", TBX_NAMESPACE, "urn:iso:std:iso:30042:ed:3.0"})
BASIC_NAMESPACE = "http://www.tbxinfo.net/ns/basic"
MIN_NAMESPACE = "http://www.tbxinfo.net/ns/min"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
TBX_STYLES = ("dca", "dct")  # data categories as typed elements, or as elements of their own
PREFERRED = "preferredTerm-admn-sts"
ENGLISH_ONLY = "Glossa: English equivalent of the other languages' entries, not an entry"
_WRAPPED_LINE = re.compile(r"[ \t]*\n[ \t]+")  # a pretty-printer's line break + indentation
CONCEPT_TAGS = ("conceptEntry", "termEntry")
LANG_TAGS = ("langSec", "langSet")
TERM_TAGS = ("termSec", "tig", "ntig")
# Elements whose ``type`` attribute names the data category (DCA style, TBX v2).
DCA_ELEMENTS = frozenset({"descrip", "termNote", "admin", "transac", "transacNote", "ref", "xref"})
GROUPS = frozenset({"descripGrp", "termNoteGrp", "adminGrp", "termGrp", "transacGrp"})
# Administrative status (TBX-Basic), usage status (TBX-Min), as Glossa's STATUSES.
STATUS_VALUES = {
    "preferredterm-admn-sts": "preferred", "standardizedterm-admn-sts": "preferred",
    "legalterm-admn-sts": "preferred", "regulatedterm-admn-sts": "preferred",
    "admittedterm-admn-sts": "admitted", "deprecatedterm-admn-sts": "deprecated",
    "supersededterm-admn-sts": "superseded", "preferred": "preferred", "admitted": "admitted",
    "notrecommended": "deprecated", "deprecated": "deprecated", "obsolete": "superseded",
    "superseded": "superseded",
}  # fmt: skip
STATUS_CATEGORIES = ("administrativestatus", "usagestatus")


def split_tag(element: etree._Element) -> tuple[str, str]:
    tag = element.tag
    if not isinstance(tag, str):
        return "", ""
    if tag.startswith("{"):
        namespace, local = tag[1:].split("}", 1)
        return namespace, local
    return "", tag


def _local(element: etree._Element) -> str:
    return split_tag(element)[1]


def _children(element: etree._Element, *names: str) -> list[etree._Element]:
    return [child for child in element if _local(child) in names]


def _text(element: etree._Element) -> str:
    """Element text with pretty-printing undone (wrapped lines joined) but the
    author's own line breaks, such as paragraph breaks, kept."""
    return _WRAPPED_LINE.sub(" ", "".join(element.itertext())).strip()


def category_of(element: etree._Element) -> str | None:
    """The data category an element carries, lower-cased: ``definition`` for both
    ``<descrip type="Definition">`` (DCA) and ``<basic:definition>`` (DCT);
    ``note`` for ``<note>``; None for structure (langSec, termSec, groups)."""
    namespace, local = split_tag(element)
    if namespace in TBX_NAMESPACES:
        if local in DCA_ELEMENTS:
            return (element.get("type") or "").strip().lower() or None
        return "note" if local == "note" else None
    return local.lower() if local else None  # DCT: a dialect namespace's element


def facts(element: etree._Element) -> list[tuple[str, etree._Element]]:
    """(category, element) of the data categories directly on ``element``,
    looking inside ``...Grp`` wrappers but not into nested sections."""
    found = []
    for child in element:
        local = _local(child)
        if local in GROUPS:
            found.extend(facts(child))
        elif local not in (*LANG_TAGS, *TERM_TAGS, "term"):
            category = category_of(child)
            if category:
                found.append((category, child))
    return found


def _first(found: list[tuple[str, etree._Element]], *categories: str) -> str | None:
    return next((_text(el) for cat, el in found if cat in categories and _text(el)), None)


@dataclass
class _Term:
    text: str
    id: str | None
    info: TermInfo
    source: str | None
    context: str | None
    notes: list[str]
    definition: str | None


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


# TBX's core structure requires conceptEntry/@id. An entry that declares no
# concept is exported as a concept of its own under this prefix and its entry id,
# which an import reads back as "no declared concept": a declared one would
# change how it links (two declared concepts are never merged).
UNDECLARED = "glossa-entry-"


def _concept_id(path: Path, concept: etree._Element, number: int, languages: int) -> str | None:
    raw_id = (concept.get("id") or "").strip()
    if raw_id and not raw_id.startswith(UNDECLARED):
        return as_id(raw_id)
    return f"{id_chars(path.stem)[:100]}-c{number}" if languages > 1 else None


def _concept_entries(path: Path, concept: etree._Element, number: int) -> Iterator[Record]:
    line = concept.sourceline or 0
    on_concept = facts(concept)
    subject = _first(on_concept, "subjectfield")
    concept_definition = _first(on_concept, "definition")
    concept_notes = [_text(el) for cat, el in on_concept if cat == "note" and _text(el)]
    english: list[str] = []
    sections = []
    for lang_sec in _children(concept, *LANG_TAGS):
        lang_code = (lang_sec.get(XML_LANG) or lang_sec.get("lang") or "").strip()
        lang = lang_code.replace("_", "-").split("-")[0].lower()
        on_lang = facts(lang_sec)
        notes = [_text(el) for cat, el in on_lang if cat == "note" and _text(el)]
        terms = _terms(lang_sec)
        if ENGLISH_ONLY in notes:
            english.extend(t.text for t in terms)
            continue
        sections.append((lang_sec, lang_code, lang, terms, on_lang, notes))
    if not english:  # the concept's English term names it for the other languages
        english = [s[3][0].text for s in sections if s[2] == "en" and s[3]][:1]
    problems: list[Record] = []
    records: list[Entry] = []
    concept_id = _concept_id(path, concept, number, len(sections))
    for lang_sec, _code, lang, terms, on_lang, notes in sections:
        where = lang_sec.sourceline or line
        if not terms:
            problems.append(ImportErrorReport(str(path), where, "language section without a term"))
            continue
        if not lang:
            problems.append(
                ImportErrorReport(str(path), where, f"term {terms[0].text!r} has no xml:lang")
            )
            continue
        main, others = terms[0], terms[1:]
        definition = _first(on_lang, "definition") or next(
            (t.definition for t in terms if t.definition), None
        )
        note = " | ".join(dict.fromkeys([*concept_notes, *notes, *main.notes])) or None
        record = {
            "term": main.text,
            "definition": (definition or "")[: MAX_CHARS["definition"] + 1] or None,
            "lang": lang,
            "aliases": [t.text for t in others],
            "english": (english[0] if english and lang != "en" else None),
            "source": main.source,
            "category": subject,
            "concept": concept_id,
            "context": clip(main.context, "context"),
            "note": clip(note, "note"),
        }
        if main.id and valid_id(main.id):
            record["id"] = main.id
        try:
            entry = entry_from_record(
                record, source=str(path), line=where, default_source=path.name
            )
        except ImportErrorReport as problem:
            problems.append(problem)
            continue
        info = tuple(t.info for t in terms if t.info != TermInfo(t.text))
        entry = dataclasses.replace(entry, term_info=info)
        if not entry.definition and concept_definition:
            entry = dataclasses.replace(
                entry, definition=concept_definition[: MAX_CHARS["definition"]],
                definition_from=CONCEPT_LEVEL,
            )  # fmt: skip
        records.append(entry)
    yield from borrow_definitions(records)
    yield from problems


def _status(found: list[tuple[str, etree._Element]]) -> str | None:
    raw = _first(found, *STATUS_CATEGORIES)
    return STATUS_VALUES.get(raw.replace(" ", "").lower()) if raw else None


def _terms(lang_sec: etree._Element) -> list[_Term]:
    """The terms of a language section, the one that names the entry first: the
    preferred term, else the first one that is not deprecated, else the first."""
    found = []
    for term_sec in _children(lang_sec, *TERM_TAGS):
        holder = (_children(term_sec, "termGrp") or [term_sec])[0]
        term_el = next(iter(_children(holder, "term")), None)
        if term_el is None or not _text(term_el):
            continue  # an empty <term/> (Lokalize writes them) names nothing
        on_term = facts(term_sec)
        text = _text(term_el)
        info = TermInfo(
            term=text,
            type=_first(on_term, "termtype"),
            status=_status(on_term),
            pos=_first(on_term, "partofspeech"),
        )
        source = next(  # a direct child only: a source inside a descripGrp is a citation
            (_text(c) for c in term_sec if category_of(c) == "source" and _text(c)), None
        )
        notes = [_text(el) for cat, el in on_term if cat == "note" and _text(el)]
        found.append(
            _Term(text, term_sec.get("id") or term_el.get("id"), info, source,
                  _first(on_term, "context"), notes, _first(on_term, "definition"))
        )  # fmt: skip

    def rank(term: _Term) -> int:
        return {"preferred": 0, "deprecated": 2, "superseded": 2}.get(term.info.status or "", 1)

    return sorted(found, key=rank)  # stable: document order within a rank


# ---------------------------------------------------------------------- export


def _concept_groups(entries: Iterable[Entry]) -> list[list[Entry]]:
    """Entries grouped by concept id, in order of first appearance; an entry without
    a concept is a concept of its own."""
    groups: dict[str, list[Entry]] = {}
    for entry in entries:
        groups.setdefault(entry.concept or f"\x00{entry.id}", []).append(entry)
    return list(groups.values())


class _Writer:
    """Writes data categories in one TBX style: DCA (``<descrip type="definition">``)
    or DCT (``<basic:definition>``), as TBX-Basic defines both."""

    DCT_NAMESPACES = {  # category -> (module namespace, element)
        "subjectField": (MIN_NAMESPACE, "subjectField"),
        "definition": (BASIC_NAMESPACE, "definition"),
        "context": (BASIC_NAMESPACE, "context"),
        "termType": (BASIC_NAMESPACE, "termType"),
        "administrativeStatus": (MIN_NAMESPACE, "administrativeStatus"),
        "partOfSpeech": (MIN_NAMESPACE, "partOfSpeech"),
        "source": (BASIC_NAMESPACE, "source"),
    }

    def __init__(self, style: str) -> None:
        if style not in TBX_STYLES:
            raise ValueError(f"unknown TBX style {style!r}; use dca or dct")
        self.style = style

    def element(self, parent, tag: str, text: str | None = None, **attrs: str):
        element = etree.SubElement(parent, f"{{{TBX_NAMESPACE}}}{tag}", attrs)
        if text is not None:
            element.text = text
        return element

    def category(self, parent, dca_tag: str, category: str, text: str):
        if self.style == "dct":
            namespace, name = self.DCT_NAMESPACES[category]
            element = etree.SubElement(parent, f"{{{namespace}}}{name}")
            element.text = text
            return element
        return self.element(parent, dca_tag, text, type=category)


TBX_STATUS = {
    "preferred": PREFERRED, "admitted": "admittedTerm-admn-sts",
    "deprecated": "deprecatedTerm-admn-sts", "superseded": "supersededTerm-admn-sts",
}  # fmt: skip


def alias_type(alias: str) -> str:
    """A guess at an alias's TBX ``termType`` (``acronym`` for NPS/CSAT-like forms)
    for callers that want one; exports write only the term types that came in."""
    return "acronym" if _ACRONYM.match(alias) and any(c.isalpha() for c in alias) else "variant"


_ACRONYM = re.compile(r"^[A-Z0-9&/.\-]{2,12}$")


def tbx_document(
    entries: Iterable[Entry], title: str = "Glossa export", style: str = "dca"
) -> etree._ElementTree:
    """A TBX-Basic (TBX v3) document of the entries, in DCA or DCT style.

    What came in goes out: concept grouping, concept-level definitions, terms
    without definitions (a borrowed definition is not written as theirs), term
    types, statuses, parts of speech, context sentences and notes."""
    writer = _Writer(style)
    nsmap = {None: TBX_NAMESPACE}
    if style == "dct":
        nsmap |= {"basic": BASIC_NAMESPACE, "min": MIN_NAMESPACE}
    root = etree.Element(
        f"{{{TBX_NAMESPACE}}}tbx", {"type": "TBX-Basic", "style": style, XML_LANG: "en"},
        nsmap=nsmap,
    )  # fmt: skip
    header = writer.element(root, "tbxHeader")
    file_desc = writer.element(header, "fileDesc")
    writer.element(writer.element(file_desc, "titleStmt"), "title", title)
    writer.element(writer.element(file_desc, "sourceDesc"), "p", "Exported by Glossa")
    body = writer.element(writer.element(root, "text"), "body")
    for group in _concept_groups(entries):
        _write_concept(writer, body, group)
    if not len(body):
        raise ValueError("nothing to export: TBX needs at least one concept")
    return etree.ElementTree(root)


def _write_concept(writer: _Writer, body, group: list[Entry]) -> None:
    concept = writer.element(body, "conceptEntry",
                             id=group[0].concept or f"{UNDECLARED}{group[0].id}")  # fmt: skip
    category = next((e.category for e in group if e.category), None)
    if category:
        writer.category(concept, "descrip", "subjectField", category)
    shared = next((e.definition for e in group if e.definition_from == CONCEPT_LEVEL), None)
    if shared:
        writer.category(writer.element(concept, "descripGrp"), "descrip", "definition", shared)
    for entry in group:
        lang_sec = writer.element(concept, "langSec", **{XML_LANG: entry.lang})
        if entry.definition and not entry.definition_from:
            group_el = writer.element(lang_sec, "descripGrp")
            writer.category(group_el, "descrip", "definition", entry.definition)
        if entry.note:
            writer.element(lang_sec, "note", entry.note)
        for name in (entry.term, *entry.aliases):
            _write_term(writer, lang_sec, entry, name)
    en_names = {n for e in group if e.lang == "en" for n in (e.term, *e.aliases)}
    english = list(dict.fromkeys(e.english for e in group if e.english and e.lang != "en"))
    english = [name for name in english if name not in en_names]
    if english:
        lang_sec = writer.element(concept, "langSec", **{XML_LANG: "en"})
        writer.element(lang_sec, "note", ENGLISH_ONLY)
        for name in english:
            writer.element(writer.element(lang_sec, "termSec"), "term", name)


def _write_term(writer: _Writer, lang_sec, entry: Entry, name: str) -> None:
    main = name == entry.term
    term_sec = writer.element(lang_sec, "termSec", **({"id": entry.id} if main else {}))
    writer.element(term_sec, "term", name)
    info = entry.info(name)
    if info and info.type:
        writer.category(term_sec, "termNote", "termType", info.type)
    status = info.status if info else None
    if main and not status and any(entry.info(a) and entry.info(a).status == "preferred"
                                   for a in entry.aliases):  # fmt: skip
        status = "preferred"  # so that it, not that alias, names the entry when read back
    if status:
        writer.category(term_sec, "termNote", "administrativeStatus", TBX_STATUS[status])
    if info and info.pos:
        writer.category(term_sec, "termNote", "partOfSpeech", info.pos)
    if main:
        if entry.context:
            writer.category(writer.element(term_sec, "descripGrp"), "descrip", "context",
                            entry.context)  # fmt: skip
        writer.category(term_sec, "admin", "source", entry.source)


def write_tbx(
    entries: Iterable[Entry], out: IO[bytes], title: str = "Glossa export", style: str = "dca"
) -> int:
    """Write entries as TBX-Basic; returns the number of concepts written."""
    document = tbx_document(entries, title, style)
    document.write(out, encoding="UTF-8", xml_declaration=True, pretty_print=True)
    return len(document.getroot().find(f"{{{TBX_NAMESPACE}}}text")[0])
