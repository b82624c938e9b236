"""SKOS thesauri (Turtle, RDF/XML, N-Triples) in, as EuroVoc, AGROVOC and the
UNESCO Thesaurus publish them.

A ``skos:Concept`` is a concept; each language of its ``skos:prefLabel`` is one
Glossa entry: the preferred label is the term, ``skos:altLabel``s in that
language are its aliases, ``skos:definition`` its definition and
``skos:scopeNote`` its note. The concept scheme (``skos:inScheme``) is the
entry's source. Parsing uses rdflib; labels without a language tag, and concepts
without any preferred label, are reported by concept URI (RDF has no lines).

rdflib holds the whole graph in memory, so a SKOS file costs memory in
proportion to its size (unlike the streamed JSONL and TBX readers); the import
size limit (``GLOSSA_MAX_IMPORT_BYTES``) bounds it.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from glossa.corpus.concepts import borrow_definitions
from glossa.corpus.entry import as_id, id_chars
from glossa.corpus.errors import ImportErrorReport
from glossa.corpus.importers import MAX_CHARS, Record, clip, entry_from_record

SKOS_FORMATS = {".ttl": "turtle", ".rdf": "xml", ".owl": "xml", ".nt": "nt"}
SKOS_SUFFIXES = tuple(SKOS_FORMATS)


def _tail(uri: str) -> str:
    return re.split(r"[/#]", uri.rstrip("/#"))[-1]


def concept_id(uri: str) -> str:
    """A readable, stable concept id: the URI's last segment plus a short hash of
    the whole URI (two schemes may both have a concept ``/689``)."""
    tail = id_chars(_tail(uri))[:100]
    digest = hashlib.sha1(uri.encode()).hexdigest()[:8]
    return as_id(f"{tail}-{digest}" if tail else f"c-{digest}")


PROLOG_BYTES = 1 << 20  # where a DOCTYPE and its internal subset must end


def refuse_entity_declarations(path: Path) -> None:
    """Refuse an XML file whose DOCTYPE declares entities, before rdflib reads it.
    Why: rdflib hands RDF/XML to expat, which expands entities; a 1 KB file of
    nested entities (billion laughs) kept an import busy for over 5 minutes.
    Glossa reads TBX without resolving entities; RDF/XML gets the same rule. The
    prolog is scanned as text: no parser expands anything here."""
    with path.open("rb") as f:
        head = f.read(PROLOG_BYTES)
    encoding = "utf-16" if head[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8"
    text = head.decode(encoding, errors="replace")
    doctype = text.find("<!DOCTYPE")
    if doctype < 0:
        return
    subset_end = text.find("]>", doctype)
    if "<!ENTITY" in text[doctype : subset_end if subset_end >= 0 else len(text)]:
        line = text.count("\n", 0, text.find("<!ENTITY", doctype)) + 1
        raise ImportErrorReport(
            str(path), line, "the file declares XML entities (<!ENTITY> in its DOCTYPE), which "
            "Glossa does not expand: remove the declarations and the references to them")  # fmt: skip


def skos_entries(path: Path) -> Iterator[Record]:
    """Entries of a SKOS file; problems are yielded with the concept's URI."""
    from rdflib import Graph, Literal
    from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

    if SKOS_FORMATS[path.suffix.lower()] == "xml":
        refuse_entity_declarations(path)
    graph = Graph()
    try:
        graph.parse(str(path), format=SKOS_FORMATS[path.suffix.lower()])
    except Exception as exc:  # rdflib raises parser-specific types  # noqa: BLE001
        raise ImportErrorReport(str(path), 0, f"not readable RDF: {exc}") from exc
    concepts = sorted(set(graph.subjects(RDF.type, SKOS.Concept)), key=str)
    if not concepts:
        raise ImportErrorReport(str(path), 0, "no skos:Concept in this file: not a SKOS thesaurus")

    def text(literal: Literal) -> str:
        return " ".join(str(literal).split())

    schemes: dict[str, str] = {}

    def scheme_name(concept) -> str | None:
        scheme = next(iter(graph.objects(concept, SKOS.inScheme)), None) or next(
            iter(graph.objects(concept, SKOS.topConceptOf)), None
        )
        if scheme is None:
            return None
        key = str(scheme)
        if key not in schemes:
            title = next(
                (text(t) for p in (DCTERMS.title, SKOS.prefLabel, RDFS.label)
                 for t in graph.objects(scheme, p)),
                None,
            )  # fmt: skip
            schemes[key] = (title or _tail(key))[: MAX_CHARS["source"]]
        return schemes[key]

    for concept in concepts:
        uri = str(concept)
        where = f"{path}#{uri}"
        by_lang: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        untagged = 0
        for prop, field in ((SKOS.prefLabel, "pref"), (SKOS.altLabel, "alt"),
                            (SKOS.definition, "definition"), (SKOS.scopeNote, "note")):  # fmt: skip
            for value in sorted(graph.objects(concept, prop), key=str):
                if not isinstance(value, Literal) or not text(value):
                    continue
                if not value.language:
                    untagged += 1
                    continue
                lang = value.language.replace("_", "-").split("-")[0].lower()
                by_lang[lang][field].append(text(value))
        if untagged:
            yield ImportErrorReport(
                where, 0, f"{untagged} label(s) or definition(s) without a language tag; skipped"
            )
        named = {lang: fields for lang, fields in by_lang.items() if fields["pref"]}
        if not named:
            yield ImportErrorReport(where, 0, "concept without a skos:prefLabel in any language")
            continue
        cid = concept_id(uri)
        source = scheme_name(concept)
        english = named.get("en", {}).get("pref", [None])[0]
        entries = []
        for lang, fields in sorted(named.items()):
            prefs = fields["pref"]
            record = {
                "term": prefs[0], "aliases": [*prefs[1:], *fields["alt"]], "lang": lang,
                "definition": " ".join(fields["definition"]) or None,
                "note": clip(" | ".join(fields["note"]), "note"), "concept": cid, "source": source,
                "english": english if lang != "en" else None,
            }  # fmt: skip
            try:
                entries.append(
                    entry_from_record(record, source=where, line=0, default_source=path.name)
                )
            except ImportErrorReport as problem:
                yield problem
        yield from borrow_definitions(entries)
