import io

import pytest
from glossa.corpus.entry import Entry
from glossa.corpus.errors import ImportErrorReport
from glossa.corpus.sources import import_entries
from glossa.corpus.tbx import TBX_NAMESPACE, alias_type, tbx_entries, write_tbx
from lxml import etree

NS = {"t": TBX_NAMESPACE}

TBX_V3 = """<?xml version="1.0" encoding="UTF-8"?>
<tbx type="TBX-Basic" style="dca" xml:lang="en" xmlns="urn:iso:std:iso:30042:ed:3.0">
  <tbxHeader><fileDesc><sourceDesc><p>test</p></sourceDesc></fileDesc></tbxHeader>
  <text><body>
    <conceptEntry id="ces">
      <descrip type="subjectField">CX metrics</descrip>
      <langSec xml:lang="en">
        <termSec><term>Customer Effort Score</term></termSec>
      </langSec>
      <langSec xml:lang="pl-PL">
        <descripGrp>
          <descrip type="definition">Wskaźnik mierzący,
            ile wysiłku klient musi włożyć.</descrip>
          <admin type="source">ISO</admin>
        </descripGrp>
        <termSec><term>CES</term><termNote type="termType">acronym</termNote></termSec>
        <termSec>
          <term>Wskaźnik wysiłku klienta</term>
          <termNote type="administrativeStatus">preferredTerm-admn-sts</termNote>
        </termSec>
      </langSec>
      <langSec xml:lang="zh">
        <termSec>
          <term>客户努力得分</term>
          <descrip type="definition">衡量客户为解决问题所付出努力的指标。</descrip>
        </termSec>
      </langSec>
      <langSec xml:lang="fa"><termSec><term>امتیاز تلاش مشتری</term></termSec></langSec>
    </conceptEntry>
    <conceptEntry>
      <langSec xml:lang="de"><descrip type="definition">Abwanderung.</descrip>
        <termSec><term>Churn</term></termSec></langSec>
    </conceptEntry>
  </body></text>
</tbx>
"""

TBX_V2 = """<?xml version="1.0" encoding="UTF-16"?>
<martif type="TBX-Basic" xml:lang="en"><text><body>
  <termEntry id="1">
    <langSet xml:lang="de"><tig><term>Kundenzufriedenheit</term></tig>
      <descrip type="definition">Wie zufrieden Kunden sind.</descrip></langSet>
    <langSet xml:lang="fr"><ntig><termGrp><term>satisfaction client</term></termGrp>
      <descrip type="definition">Degré de satisfaction.</descrip></ntig></langSet>
  </termEntry>
</body></text></martif>
"""


def test_tbx_v3_concepts_languages_terms(tmp_path):
    path = tmp_path / "cx.tbx"
    path.write_text(TBX_V3, encoding="utf-8")
    records = list(tbx_entries(path))
    entries = [r for r in records if isinstance(r, Entry)]
    problems = [r for r in records if not isinstance(r, Entry)]
    en, pl, zh, fa, de = entries
    assert not problems
    assert pl.term == "Wskaźnik wysiłku klienta" and pl.aliases == ("CES",)
    assert pl.info("CES").type == "acronym" and pl.status == "preferred"
    assert pl.lang == "pl" and pl.definition == "Wskaźnik mierzący, ile wysiłku klient musi włożyć."
    assert pl.english == zh.english == fa.english == "Customer Effort Score"
    assert en.english is None and en.term == "Customer Effort Score"
    assert pl.concept == zh.concept == fa.concept == en.concept == "ces"
    assert pl.category == "CX metrics"
    assert zh.definition.startswith("衡量") and pl.source == "cx.tbx"
    # terms without a definition of their own are entries; they borrow the concept's
    assert fa.term == "امتیاز تلاش مشتری" and fa.definition_from == "pl"
    assert fa.definition == pl.definition and en.definition_from == "pl"
    assert not pl.definition_from and not zh.definition_from
    assert de.concept is None and de.english is None  # a one-language concept without an id


def test_tbx_v2_martif_in_utf16_gets_a_concept_id(tmp_path):
    path = tmp_path / "old.tbx"
    path.write_bytes(TBX_V2.encode("utf-16"))
    de, fr = import_entries([path]).entries
    assert (de.term, fr.term) == ("Kundenzufriedenheit", "satisfaction client")
    assert de.concept == fr.concept == "c-1"  # "1" is not an XML id; made into one


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("<tbx><text><body><conceptEntry>", "not well-formed XML"),
        ("<html/>", "root element is <html>"),
        ("<tbx/>", "no conceptEntry"),
    ],
)
def test_broken_tbx_files_are_reported(tmp_path, text, reason):
    path = tmp_path / "bad.tbx"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ImportErrorReport, match=reason):
        list(tbx_entries(path))


def test_entities_are_not_expanded(tmp_path):
    """No external entities (XXE) and no entity expansion from a hostile file."""
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET", encoding="utf-8")
    path = tmp_path / "xxe.tbx"
    path.write_text(
        f'<?xml version="1.0"?><!DOCTYPE tbx [<!ENTITY s SYSTEM "file://{secret}">]>'
        '<tbx><text><body><conceptEntry><langSec xml:lang="en">'
        '<descrip type="definition">&s;</descrip><termSec><term>x</term></termSec>'
        "</langSec></conceptEntry></body></text></tbx>",
        encoding="utf-8",
    )
    records = list(tbx_entries(path))
    assert all("TOP SECRET" not in str(r) for r in records)


def test_export_is_tbx_basic_shaped(bundled_entries):
    out = io.BytesIO()
    concepts = write_tbx(bundled_entries[:5], out)
    root = etree.fromstring(out.getvalue())
    assert concepts == 5 and root.tag == f"{{{TBX_NAMESPACE}}}tbx"
    assert (root.get("type"), root.get("style")) == ("TBX-Basic", "dca")
    assert root.find("t:tbxHeader/t:fileDesc/t:sourceDesc/t:p", NS) is not None
    for lang_sec in root.iterfind(".//t:langSec", NS):
        assert lang_sec.get("{http://www.w3.org/XML/1998/namespace}lang")
        assert lang_sec.find("t:termSec/t:term", NS) is not None
    ids = [el.get("id") for el in root.iter() if el.get("id")]
    assert len(ids) == len(set(ids))


def test_round_trip_bundled_corpus(tmp_path, bundled_entries):
    path = tmp_path / "all.tbx"
    with path.open("wb") as f:
        write_tbx(bundled_entries, f)
    result = import_entries([path], strict=True)
    assert result.entries == bundled_entries


def test_round_trip_keeps_concepts(tmp_path):
    entries = [
        Entry("pl-1", "Wskaźnik wysiłku klienta", "Ile wysiłku.\n\nDrugi akapit.", "pl", "g",
              ("CES",), "Customer Effort Score", "KPI", "ces"),
        Entry("zh-1", "客户努力得分", "衡量。", "zh", "h", (), "Customer Effort Score", "KPI", "ces"),
        Entry("fa-1", "ریزش مشتری", "ترک.", "fa", "g", ("Churn rate",), None, None, None),
    ]  # fmt: skip
    path = tmp_path / "x.tbx"
    with path.open("wb") as f:
        assert write_tbx(entries, f) == 2
    assert import_entries([path], strict=True).entries == entries


def test_alias_types():
    assert [alias_type(a) for a in ("NPS", "CSAT", "B2B", "Net Promoter", "123")] == [
        "acronym",
        "acronym",
        "acronym",
        "variant",
        "variant",
    ]


def test_tbx_header_title_names_the_glossary(tmp_path):
    from glossa.corpus.sources import import_entries

    path = tmp_path / "termbase.tbx"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<tbx xmlns="urn:iso:std:iso:30042:ed-2" type="TBX-Basic" style="dca" xml:lang="en">'
        "<tbxHeader><fileDesc><titleStmt><title>Test  Termbase</title></titleStmt>"
        "<sourceDesc><p>x</p></sourceDesc></fileDesc></tbxHeader><text><body>"
        '<conceptEntry id="c1"><langSec xml:lang="de"><descrip type="definition">Mühe.</descrip>'
        "<termSec><term>Aufwand</term></termSec></langSec></conceptEntry></body></text></tbx>",
        encoding="utf-8",
    )
    result = import_entries([path])
    assert result.titles["termbase.tbx"].title == "Test Termbase"
    assert import_entries([path], title="Mine").titles["termbase.tbx"].title == "Mine"
    assert [e.source for e in result.entries] == ["termbase.tbx"]


@pytest.mark.parametrize("style", ["dca", "dct"])
def test_every_export_is_valid_tbx_basic_and_reads_back_the_same(tmp_path, bundled_entries, style):
    """TBX's core structure requires conceptEntry/@id: an entry without a declared
    concept goes out as a concept of its own and comes back without one."""
    from glossa.corpus.tbx_validation import validate_tbx

    subsets = {"all": bundled_entries, "zh+fa": [e for e in bundled_entries if e.lang in ("zh", "fa")]}
    for name, entries in subsets.items():
        path = tmp_path / f"{name}-{style}.tbx"
        with path.open("wb") as f:
            write_tbx(entries, f, style=style)
        report = validate_tbx(path)
        assert report.valid, (name, list(report.lines())[:5])
        back = import_entries([path], strict=True).entries
        assert back == entries
        again = tmp_path / f"{name}-{style}-again.tbx"
        with again.open("wb") as f:
            write_tbx(back, f, style=style)
        assert validate_tbx(again).valid and again.read_bytes() == path.read_bytes()
