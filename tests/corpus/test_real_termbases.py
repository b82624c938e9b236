"""Real public termbases in and out (excerpts and provenance: data/SOURCES.md).

Each test asserts what came in (counts, languages, concept grouping), what goes
back out (round trips), and that a cross-language question finds the imported
terms with the real model."""

import csv
import json
from collections import Counter
from pathlib import Path

import pytest
from glossa.corpus.entry import Entry
from glossa.corpus.errors import CorpusError
from glossa.corpus.sources import import_entries
from glossa.corpus.spreadsheets import write_xlsx
from glossa.corpus.tbx import write_tbx
from glossa.corpus.tbx_validation import validate_tbx

DATA = Path(__file__).parent / "data"
ASTRONOMY = DATA / "ltac-astronomy-basic-dca.tbx"
SILKNOW_TTL = DATA / "silknow-excerpt.ttl"
SILKNOW_CSV = DATA / "silknow-concepts.csv"


def imported(*paths: Path) -> list[Entry]:
    result = import_entries(list(paths))
    assert result.problem_count == 0, result.problems
    return result.entries


def groups(entries: list[Entry]) -> set[frozenset[tuple[str, str]]]:
    """Concepts as sets of (lang, term): comparable across formats and ids."""
    by_concept: dict[str, set[tuple[str, str]]] = {}
    for e in entries:
        by_concept.setdefault(e.concept or e.id, set()).add((e.lang, e.term))
    return {frozenset(g) for g in by_concept.values()}


def comparable(entries: list[Entry]) -> list[dict]:
    return [e.to_dict() for e in entries]


def test_ltac_astronomy_termbase_dca():
    entries = imported(ASTRONOMY)
    assert len(entries) == 8 and len({e.concept for e in entries}) == 5
    assert Counter(e.lang for e in entries) == {"en": 3, "es": 3, "zu": 2}
    en = next(e for e in entries if e.term == "open cluster")
    es = next(e for e in entries if e.concept == en.concept and e.lang == "es")
    assert es.term == "cúmulo abierto" and es.english == "open cluster"
    assert en.aliases == ("galactic cluster",) and en.discouraged_names == ("galactic cluster",)
    assert en.status == "preferred" and en.info("open cluster").pos == "noun"
    assert en.context.startswith("Over 1100 open clusters") and en.category == "General"
    zulu = [e for e in entries if e.lang == "zu"]
    assert all(not e.definition and e.concept for e in zulu)  # imported, not refused
    assert validate_tbx(ASTRONOMY).valid


@pytest.mark.parametrize("style", ["dca", "dct"])
def test_tbx_round_trip_keeps_structure_in_both_styles(tmp_path, style):
    entries = imported(ASTRONOMY)
    out = tmp_path / f"astronomy-{style}.tbx"
    with out.open("wb") as f:
        assert write_tbx(entries, f, style=style) == 5
    report = validate_tbx(out)
    assert report.valid and report.style == style, list(report.lines())
    again = imported(out)
    assert comparable(again) == comparable(entries)


def test_skos_thesaurus_turtle_and_rdf_xml(tmp_path):
    from rdflib import Graph

    entries = imported(SILKNOW_TTL)
    assert len(entries) == 24 and len({e.concept for e in entries}) == 6
    assert Counter(e.lang for e in entries) == {"en": 6, "es": 6, "fr": 6, "it": 6}
    assert {e.source for e in entries} == {"silk-thesaurus"}  # the concept scheme
    edge = {e.lang: e for e in entries if e.concept.startswith("c-775-")}
    assert edge["en"].term == "Edge" and edge["en"].aliases == ("border",)
    assert edge["es"].term == "Cenefa" and edge["es"].english == "Edge"
    assert edge["fr"].definition.startswith("Subst. fém.")
    rdf_xml = tmp_path / "silknow.rdf"
    Graph().parse(SILKNOW_TTL).serialize(rdf_xml, format="xml")
    assert comparable(imported(rdf_xml)) == comparable(entries)


def test_concept_per_row_spreadsheets_csv_tsv_xlsx(tmp_path):
    from openpyxl import Workbook

    from_csv = imported(SILKNOW_CSV)
    skos = imported(SILKNOW_TTL)
    assert len(from_csv) == 24 and groups(from_csv) == groups(skos)
    assert {e.concept for e in from_csv} >= {"c-775", "c-696"}
    rows = list(csv.reader(SILKNOW_CSV.open(encoding="utf-8")))
    tsv = tmp_path / "silknow.tsv"
    tsv.write_text("".join("\t".join(r) + "\n" for r in rows), encoding="utf-8")
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    xlsx = tmp_path / "silknow.xlsx"
    workbook.save(xlsx)
    for other in (tsv, xlsx):
        entries = imported(other)
        assert groups(entries) == groups(from_csv)
        assert [e.definition for e in entries] == [e.definition for e in from_csv]


def test_xlsx_export_reimports_with_the_same_concepts(tmp_path):
    entries = imported(SILKNOW_TTL, ASTRONOMY)
    out = tmp_path / "export.xlsx"
    with out.open("wb") as f:
        rows = write_xlsx(entries, f)
    assert rows == 11  # one per concept
    again = imported(out)
    assert groups(again) == groups(entries)
    own = {(e.lang, e.term): e.definition for e in entries if not e.definition_from}
    assert {(e.lang, e.term): e.definition for e in again if (e.lang, e.term) in own} == own


MICROSOFT_SHAPED = """<?xml version="1.0" encoding="utf-8"?>
<martif type="TBX" xml:lang="en-US"><martifHeader><fileDesc><sourceDesc>
<p>Shaped like a Microsoft Terminology Collection export (en-US + one target)</p>
</sourceDesc></fileDesc></martifHeader><text><body>
<termEntry id="5000{n}1"><langSet xml:lang="en-US"><descripGrp>
<descrip type="definition">A flow of data elements made available over time.</descrip>
</descripGrp><ntig><termGrp><term>stream</term>
<termNote type="partOfSpeech">Noun</termNote></termGrp></ntig></langSet>
<langSet xml:lang="pl-PL"><ntig><termGrp><term>strumień</term>
<termNote type="partOfSpeech">Noun</termNote></termGrp></ntig></langSet></termEntry>
<termEntry id="5000{n}2"><langSet xml:lang="en-US"><descripGrp>
<descrip type="definition">To deliver audio or video while it is being received.</descrip>
</descripGrp><ntig><termGrp><term>stream</term>
<termNote type="partOfSpeech">Verb</termNote></termGrp></ntig></langSet>
<langSet xml:lang="pl-PL"><ntig><termGrp><term>przesyłać strumieniowo</term>
</termGrp></ntig><ntig><termGrp><term>przesyłać strumieniowo</term></termGrp></ntig>
</langSet></termEntry>
</body></text></martif>"""


def test_bilingual_export_keeps_targets_and_homonyms(tmp_path):
    path = tmp_path / "MicrosoftTermCollection.tbx"
    path.write_text(MICROSOFT_SHAPED.replace("{n}", "0"), encoding="utf-8")
    result = import_entries([path])
    assert result.problem_count == 0
    by_lang = Counter(e.lang for e in result.entries)
    assert by_lang == {"en": 2, "pl": 2}  # every target term kept
    streams = [e for e in result.entries if e.term == "stream"]
    assert len({e.id for e in streams}) == 2  # homonyms: two concepts, two ids
    pl = next(e for e in result.entries if e.term == "strumień")
    assert pl.definition_from == "en" and pl.definition.startswith("A flow of data")
    assert pl.english == "stream" and pl.info("strumień").pos == "Noun"
    # the same concepts read twice: true duplicates, reported with file and line
    twice = import_entries([path, path])
    assert len(twice.entries) == 4 and twice.problem_count == 4
    first = str(twice.problems[0])
    assert first.startswith(f"{path}:5: duplicate entry id") and f"first read at {path}:5" in first


def test_validate_lists_core_and_dialect_problems_with_lines(tmp_path):
    text = ASTRONOMY.read_text(encoding="utf-8")
    broken = text.replace("<term>open cluster</term>",
                          '<admin>no type</admin><term>open cluster</term>', 1)  # fmt: skip
    broken = broken.replace(">noun<", ">nominal<", 1)
    path = tmp_path / "broken.tbx"
    path.write_text(broken, encoding="utf-8")
    report = validate_tbx(path)
    messages = [f.message for f in report.findings]
    assert not report.valid
    assert "<admin> needs a type attribute (its data category)" in messages
    assert "<term> must come first in <termSec>" in messages
    assert any("'partofspeech' value 'nominal'" in m for m in messages)
    assert all(f.line > 0 for f in report.findings)
    assert import_entries([path]).entries  # import stays lenient


@pytest.mark.slow
def test_cross_language_search_on_imported_termbases(tmp_path, real_encoder):
    from glossa.indexer.build import build_index
    from glossa.search.searcher import Searcher

    entries = imported(ASTRONOMY, SILKNOW_TTL)
    build_index(entries, real_encoder, tmp_path / "idx")
    searcher = Searcher.open(tmp_path / "idx", real_encoder)
    spanish = searcher.search("grupo de estrellas jóvenes en una galaxia", k=5, lang="en")
    assert spanish[0].term == "open cluster"
    assert searcher.search("hilo para tejer", k=3, lang="en")[0].term == "Yarn"
    assert (
        searcher.search("dosel sobre el altar", k=3, lang="it")[0].term == "Baldacchino da altare"
    )
    deprecated = searcher.search("galactic cluster", k=3)
    assert deprecated[0].term == "open cluster" and deprecated[0].discouraged == (
        "galactic cluster",
    )
    print(json.dumps([h.to_dict() for h in spanish[:3]], ensure_ascii=False))


@pytest.mark.skipif(
    not __import__("os").environ.get("GLOSSA_REAL_TERMBASES"),
    reason="set GLOSSA_REAL_TERMBASES to a folder of unlicensed real files (see SOURCES.md)",
)
def test_unlicensed_real_files_from_a_local_folder():
    folder = Path(__import__("os").environ["GLOSSA_REAL_TERMBASES"])
    for path in sorted(folder.glob("*.tbx")):
        report = validate_tbx(path)
        if "bad" in path.name or "poorly" in path.name:
            assert not report.valid, path
            continue
        result = import_entries([path])
        assert result.entries, path
        # what is not imported is reported with its place (Lokalize writes empty sections)
        assert all(p.line > 0 for p in result.problems), (path, result.problems)
        assert result.problem_count <= 1, (path, result.problems)


def test_validate_uses_a_declared_schema_found_beside_the_file(tmp_path):
    text = ASTRONOMY.read_text(encoding="utf-8")
    declared = '<?xml-model href="https://example.org/schemas/only-martif.rng" ' \
        'schematypens="http://relaxng.org/ns/structure/1.0"?>\n'  # fmt: skip
    path = tmp_path / "declared.tbx"
    path.write_text(text.replace("<tbx ", declared + "<tbx ", 1), encoding="utf-8")
    assert any("no local copy" in s for s in validate_tbx(path).schemas)
    (tmp_path / "only-martif.rng").write_text(
        '<element name="martif" xmlns="http://relaxng.org/ns/structure/1.0"><empty/></element>',
        encoding="utf-8",
    )
    report = validate_tbx(path)
    assert not report.valid and report.findings[0].message.startswith("only-martif.rng: ")


def test_rdf_xml_that_declares_entities_is_refused_before_it_is_read(tmp_path):
    """Billion laughs: ten levels of ten references, a 1 KB file that expands to
    10^10 characters; refused from its DOCTYPE, nothing expanded."""

    levels = ['<!ENTITY e0 "lol">'] + [
        f'<!ENTITY e{i} "{("&e" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    ]
    bomb = tmp_path / "laughs.rdf"
    bomb.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [\n' + "\n".join(levels) + "\n]>\n"
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:skos="http://www.w3.org/2004/02/skos/core#">'
        '<skos:Concept rdf:about="http://x/c"><skos:prefLabel xml:lang="en">&e9;</skos:prefLabel>'
        "</skos:Concept></rdf:RDF>\n",
        encoding="utf-8",
    )
    with pytest.raises(CorpusError, match="declares XML entities"):
        import_entries([bomb])
