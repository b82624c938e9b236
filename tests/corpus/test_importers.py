import io
import json
import re

import pytest
from glossa.corpus.entry import Entry
from glossa.corpus.errors import CorpusError, ImportErrorReport
from glossa.corpus.importers import read_csv, read_jsonl, write_jsonl
from glossa.corpus.sources import import_entries, load_entries


def test_jsonl_import_defaults_and_aliases(tmp_path):
    path = tmp_path / "mine.jsonl"
    path.write_text(
        json.dumps({"term": "Kundenzufriedenheit", "definition": "Wie zufrieden Kunden sind.",
                    "lang": "de", "aliases": ["CSAT"], "english": "Customer satisfaction"})
        + "\n\n"
        + json.dumps({"term": "Churn", "definition": "Abwanderung.", "lang": "de",
                      "aliases": "Abwanderungsrate|churn rate", "source": "team", "category": "KPI"})
        + "\n",
        encoding="utf-8",
    )  # fmt: skip
    first, second = read_jsonl(path)
    assert first.source == "mine.jsonl" and first.aliases == ("CSAT",)
    assert first.english == "Customer satisfaction"
    assert second.aliases == ("Abwanderungsrate", "churn rate") and second.category == "KPI"
    assert first.id != second.id and first.id.startswith("de-")


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("{not json", "invalid JSON"),
        ('{"definition": "x", "lang": "de"}', "missing or empty required field 'term'"),
        ('{"term": "x", "definition": "y", "lang": "deutsch"}', "ISO 639 code"),
        (
            '{"term": "x", "lang": "de", "term_info": [{"term": "x", "status": "ok"}]}',
            "status must be one of",
        ),
        (
            '{"term": "x", "definition": "y", "lang": "de", "defintion": "z"}',
            "unknown field(s) defintion",
        ),
        ('{"term": 3, "definition": "y", "lang": "de"}', "field 'term' must be text"),
        ('{"term": "x", "definition": "y", "lang": "de", "aliases": [1]}', "aliases must be"),
        ("[1, 2]", "expected an object"),
    ],
)
def test_jsonl_bad_record_names_file_line_and_reason(tmp_path, line, reason):
    path = tmp_path / "bad.jsonl"
    good = '{"term": "ok", "definition": "fine", "lang": "pl"}'
    path.write_text(good + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(ImportErrorReport) as info:
        list(read_jsonl(path))
    assert str(info.value).startswith(f"{path}:2: ")
    assert reason in str(info.value)


def test_csv_import_with_bom_and_quoted_fields(tmp_path):
    path = tmp_path / "g.csv"
    path.write_bytes(
        "\ufeffterm,definition,lang,aliases,english\n"
        '"Czas obsługi","Średni czas, w którym agent obsługuje zgłoszenie",pl,AHT|ŚCO,Average handle time\n'.encode()
    )
    (entry,) = read_csv(path)
    assert entry.term == "Czas obsługi" and entry.aliases == ("AHT", "ŚCO")
    assert entry.definition.startswith("Średni czas, w którym")


def test_csv_errors(tmp_path):
    no_header = tmp_path / "h.csv"
    no_header.write_text("term,definition\nx,y\n", encoding="utf-8")
    with pytest.raises(ImportErrorReport, match=r"h\.csv:1: header lacks column\(s\) lang"):
        list(read_csv(no_header))
    bad = tmp_path / "b.csv"
    bad.write_text("term,definition,lang\nok,fine,pl\n,missing term,pl\n", encoding="utf-8")
    with pytest.raises(
        ImportErrorReport, match=r"b\.csv:3: missing or empty required field 'term'"
    ):
        list(read_csv(bad))


def test_non_utf8_file_is_reported_with_line(tmp_path):
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(
        b'{"term": "ok", "definition": "fine", "lang": "pl"}\n{"term": "\xb3\xf3d\xbc"}\n'
    )
    with pytest.raises(
        ImportErrorReport, match=r"latin1\.jsonl:2: not valid utf-8 text .*--encoding"
    ):
        list(read_jsonl(path))


def test_load_entries_errors(tmp_path):
    with pytest.raises(ImportErrorReport, match="no such file"):
        load_entries([tmp_path / "missing.jsonl"])
    unknown = tmp_path / "scraped.txt"
    unknown.write_text("something\n", encoding="utf-8")
    with pytest.raises(ImportErrorReport, match="unknown glossary layout"):
        load_entries([unknown])
    dup = tmp_path / "dup.jsonl"
    dup.write_text('{"term": "a", "definition": "b", "lang": "pl"}\n' * 2, encoding="utf-8")
    with pytest.raises(ImportErrorReport, match="duplicate entry id"):
        load_entries([dup])


def test_export_then_import_round_trips(tmp_path, bundled_entries):
    buffer = io.StringIO()
    assert write_jsonl(bundled_entries, buffer) == 234
    path = tmp_path / "all.jsonl"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    assert list(read_jsonl(path)) == bundled_entries
    assert Entry.from_dict(bundled_entries[0].to_dict()) == bundled_entries[0]


def test_default_import_skips_bad_records_and_reports_each(tmp_path):
    from glossa.corpus.sources import import_entries

    jsonl = tmp_path / "a.jsonl"
    jsonl.write_text(
        '{"term": "ok", "definition": "fine", "lang": "pl"}\n'
        "{broken\n"
        '{"term": "x", "definition": "y", "lang": "pl", "id": "1 bad id"}\n'
        '{"term": "ok2", "definition": "fine", "lang": "pl"}\n',
        encoding="utf-8",
    )
    csv_file = tmp_path / "b.csv"
    csv_file.write_text("term,definition,lang\nA,def,pl,extra\nB,def,de\n", encoding="utf-8")
    result = import_entries([jsonl, csv_file])
    assert [e.term for e in result.entries] == ["ok", "ok2", "B"]
    assert [str(p).split(": ")[0] for p in result.problems] == [
        f"{jsonl}:2",
        f"{jsonl}:3",
        f"{csv_file}:2",
    ]
    assert "not a valid id" in str(result.problems[1])


def test_strict_import_fails_whole_and_lists_problems(tmp_path):
    from glossa.corpus.sources import ImportFailed, import_entries

    path = tmp_path / "a.jsonl"
    path.write_text(
        '{"term": "ok", "definition": "fine", "lang": "pl"}\n{"term": "", "lang": "pl"}\n',
        encoding="utf-8",
    )
    with pytest.raises(ImportFailed, match=r"1 bad record\(s\), nothing imported") as info:
        import_entries([path], strict=True)
    assert f"{path}:2: missing or empty required field 'term'" in str(info.value)


def test_duplicate_ids_are_problems_not_silent_overwrites(tmp_path):
    from glossa.corpus.sources import import_entries

    path = tmp_path / "d.jsonl"
    record = '{"id": "x1", "term": "t", "definition": "d", "lang": "pl"}\n'
    path.write_text(record + record, encoding="utf-8")
    result = import_entries([path])
    assert len(result.entries) == 1 and "duplicate entry id 'x1'" in str(result.problems[0])


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig", "utf-32"])
def test_files_with_a_byte_order_mark_are_read(tmp_path, encoding):
    path = tmp_path / "g.csv"
    path.write_bytes("term,definition,lang\nسطح خدمات,توافق,fa\n".encode(encoding))
    (entry,) = read_csv(path)
    assert entry.term == "سطح خدمات"


def test_legacy_encoding_is_reported_then_read_with_encoding(tmp_path):
    from glossa.corpus.sources import import_entries

    path = tmp_path / "g.csv"
    path.write_bytes("term,definition,lang\nزمان انتظار,مدت,fa\n".encode("cp1256"))
    with pytest.raises(ImportErrorReport, match=r"g\.csv:2: not valid utf-8 text"):
        import_entries([path])
    (entry,) = import_entries([path], encoding="cp1256").entries
    assert entry.term == "زمان انتظار"
    with pytest.raises(ImportErrorReport, match="unknown encoding 'nope'"):
        import_entries([path], encoding="nope")


def test_overlong_fields_are_rejected(tmp_path):
    path = tmp_path / "long.jsonl"
    path.write_text(json.dumps({"term": "t" * 501, "definition": "d", "lang": "pl"}) + "\n")
    with pytest.raises(ImportErrorReport, match="'term' is 501 characters; the limit is 500"):
        list(read_jsonl(path))


@pytest.mark.parametrize("bad", ["a\x00b", "\ud800", "x\x1by", "\uffff"])
def test_text_that_cannot_be_stored_is_rejected(tmp_path, bad):
    from glossa.corpus.importers import entry_from_record

    with pytest.raises(ImportErrorReport, match="unusable character U\\+"):
        entry_from_record({"term": bad, "definition": "d", "lang": "pl"}, source="s", line=1,
                          default_source="s")  # fmt: skip
    with pytest.raises(ImportErrorReport, match="an alias contains the unusable"):
        entry_from_record({"term": "t", "definition": "d", "lang": "pl", "aliases": [bad]},
                          source="s", line=1, default_source="s")  # fmt: skip


def test_oversize_csv_field_is_reported_with_its_line_and_parsing_goes_on(tmp_path):
    from glossa.corpus.sources import import_entries

    path = tmp_path / "big.csv"
    rows = ["term,definition,lang", "A,Good one.,pl", 'B,"' + "x" * 200_000 + '",pl']
    rows += [f"C{i},Good {i}.,pl" for i in range(5)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = import_entries([path])
    assert [e.term for e in result.entries] == ["A", "C0", "C1", "C2", "C3", "C4"]
    assert [str(p) for p in result.problems] == [
        f"{path}:3: field 'definition' is 200000 characters; the limit is 20000"
    ]


def test_true_line_of_a_multi_line_csv_record(tmp_path):
    from glossa.corpus.sources import import_entries

    path = tmp_path / "multi.csv"
    path.write_text('term,definition,lang\nA,"two\nlines",pl\n,B,pl\n', encoding="utf-8")
    result = import_entries([path])
    assert [e.term for e in result.entries] == ["A"]
    assert str(result.problems[0]).startswith(f"{path}:4:")  # B starts on line 4


@pytest.mark.parametrize(("encoding", "order"), [("utf-16-le", "little"), ("utf-16-be", "big")])
@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_utf16_without_bom_says_so_and_names_the_encoding(tmp_path, encoding, order, suffix):
    from glossa.corpus.sources import import_entries

    text = ('{"term": "a", "definition": "b", "lang": "pl"}\n' if suffix == ".jsonl"
            else "term,definition,lang\na,b,pl\n")  # fmt: skip
    path = tmp_path / f"export{suffix}"
    path.write_bytes(text.encode(encoding))
    with pytest.raises(CorpusError, match=rf"looks like UTF-16 \({order}-endian\) without a byte "
                       rf"order mark; pass --encoding {encoding}"):  # fmt: skip
        import_entries([path])
    assert [e.term for e in import_entries([path], encoding=encoding).entries] == ["a"]


@pytest.mark.parametrize("char", ["\u202e", "\u2066", "\u2069", "\u200b", "\u2060", "\ufeff"])
def test_bidi_and_zero_width_characters_are_refused(tmp_path, char):
    from glossa.corpus.sources import import_entries

    path = tmp_path / "trojan.jsonl"
    record = {"term": f"ab{char}c", "definition": "d", "lang": "pl"}
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    result = import_entries([path])
    assert not result.entries
    assert f"U+{ord(char):04X}" in str(result.problems[0]) and ":1:" in str(result.problems[0])


def test_persian_joiners_stay_allowed(tmp_path):
    from glossa.corpus.sources import import_entries

    path = tmp_path / "fa.jsonl"
    record = {"term": "می\u200cخواهم", "definition": "تست\u200dها", "lang": "fa"}
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    assert [e.term for e in import_entries([path]).entries] == ["می\u200cخواهم"]


def test_problems_are_counted_but_only_the_first_ones_kept(tmp_path):
    from glossa.corpus.sources import KEPT_PROBLEMS, import_entries

    path = tmp_path / "bad.jsonl"
    lines = [json.dumps({"term": "", "definition": f"d{i}", "lang": "pl"}) for i in range(2500)]
    lines[7] = "{broken"
    lines.append(json.dumps({"term": "ok", "definition": "fine", "lang": "pl"}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = import_entries([path])
    assert [e.term for e in result.entries] == ["ok"]
    assert result.problem_count == 2500 and len(result.problems) == KEPT_PROBLEMS
    assert result.problem_kinds.most_common(2) == [
        ("missing or empty required field …", 2499),
        ("invalid JSON: Expecting property name enclosed in double quotes", 1),
    ]


def test_a_huge_header_gives_a_short_message(tmp_path):
    from glossa.corpus.sources import import_entries

    path = tmp_path / "wide.csv"
    extra = [f"x{i}" for i in range(100_000)]
    path.write_text("term,definition,lang," + ",".join(extra) + "\na,b,pl" + "," * len(extra) + "\n",
                    encoding="utf-8")  # fmt: skip
    result = import_entries([path])
    message = str(result.problems[0])
    assert "and 99990 more" in message and len(message) < 1000


def test_file_size_limit_and_undecodable_lines(tmp_path):
    from glossa.corpus.sources import import_entries

    path = tmp_path / "mixed.jsonl"
    good = json.dumps({"term": "a", "definition": "b", "lang": "pl"}).encode()
    path.write_bytes(
        good + b"\n" + b'{"term": "\xff\xfe"}\n' + good.replace(b'"a"', b'"c"') + b"\n"
    )
    result = import_entries([path])
    assert [e.term for e in result.entries] == ["a", "c"]  # the bad line does not stop reading
    assert str(result.problems[0]).startswith(f"{path}:2: not valid utf-8 text")
    with pytest.raises(CorpusError, match=r"the import limit is 0 MiB \(GLOSSA_MAX_IMPORT_BYTES\)"):
        import_entries([path], max_bytes=10)


def test_a_record_nested_too_deeply_is_reported_and_the_next_one_imported(tmp_path):
    path = tmp_path / "deep.jsonl"
    path.write_text('{"a":' * 100_000 + "1" + "}" * 100_000 + "\n"
                    + '{"term": "Test", "definition": "Def.", "lang": "en"}\n', encoding="utf-8")  # fmt: skip
    result = import_entries([path])
    assert [e.term for e in result.entries] == ["Test"]
    assert [str(p) for p in result.problems] == [f"{path}:1: invalid JSON: nested too deeply"]


@pytest.mark.parametrize("content", [b"not a zip", b"PK\x03\x04 truncated"])
def test_a_broken_workbook_is_one_line_naming_the_file(tmp_path, content):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(content)
    with pytest.raises(ImportErrorReport, match=r"broken\.xlsx.*not a readable XLSX workbook"):
        import_entries([path], strict=True)


def test_a_workbook_that_would_inflate_too_far_is_refused_before_inflating(tmp_path, monkeypatch):
    """Issue 28: a zip bomb (one cell of a huge repeated string) or a workbook
    whose parts inflate past the import limit is refused from the zip's
    directory, naming the part, before anything is inflated."""
    import glossa.corpus.spreadsheets as spreadsheets
    from glossa.corpus.errors import ImportErrorReport
    from glossa.corpus.sources import file_records

    from benchmarks.robustness.hostile_imports import make_inflating_xlsx

    path = tmp_path / "bomb.xlsx"
    make_inflating_xlsx(path, 3 * 2**20)  # one cell of 3 MiB of one letter
    monkeypatch.setattr(spreadsheets, "INFLATION_FLOOR", 2**20)
    with pytest.raises(ImportErrorReport, match=r"sheet1\.xml inflates \d+ times.*zip bomb"):
        list(file_records(path))
    monkeypatch.setattr(spreadsheets, "INFLATION_FLOOR", 2**30)
    with pytest.raises(ImportErrorReport, match=r"inflates to 3 MiB.*GLOSSA_MAX_IMPORT_BYTES"):
        list(file_records(path, max_bytes=2 * 2**20))
    assert any(r for r in file_records(path))  # within both limits it imports


def test_a_csv_line_over_the_limit_is_reported_and_the_next_rows_import(tmp_path, monkeypatch):
    """Issue 28: a CSV is read a line at a time; a line longer than the limit is
    read past (never held) and reported with its number, and reading goes on."""
    import glossa.corpus.importers as importers
    from glossa.corpus.importers import csv_entries

    monkeypatch.setattr(importers, "MAX_CSV_LINE_BYTES", 1000)
    path = tmp_path / "long.csv"
    path.write_text("term,definition,lang\nKunde," + "x" * 5000 + ",de\nAnruf,Telefonat.,de\n",
                    encoding="utf-8")  # fmt: skip
    records = list(csv_entries(path))
    entries = [r for r in records if isinstance(r, Entry)]
    problems = [r for r in records if isinstance(r, ImportErrorReport)]
    assert [e.term for e in entries] == ["Anruf"]
    assert [(p.line, "longer than" in str(p)) for p in problems] == [(2, True)]


def test_csv_as_spreadsheets_in_other_locales_write_it(tmp_path):
    """A German or French spreadsheet saves CSV with semicolons: read as such, said once."""
    from glossa.corpus.sources import import_entries

    path = tmp_path / "de-export.csv"
    path.write_text(
        "term;lang;definition;aliases\n"
        "Kundenaufwand;de;\"Wie viel Mühe; in Minuten\";CES\n"
        "Wiederkaufrate;DE;Anteil der Kunden, die wieder kaufen.;\n",
        encoding="utf-8",
    )
    result = import_entries([path])
    assert [(e.term, e.lang, e.definition) for e in result.entries] == [
        ("Kundenaufwand", "de", "Wie viel Mühe; in Minuten"),
        ("Wiederkaufrate", "de", "Anteil der Kunden, die wieder kaufen."),
    ]
    notes = result.note_lines()
    assert any("semicolon-separated" in n for n in notes) and any("'DE' read as 'de'" in n for n in notes)
    assert result.problem_count == 0


def test_language_tags_are_read_as_bcp47_and_each_change_is_told_once(tmp_path):
    from glossa.corpus.sources import import_entries

    rows = [("Kunde", "deu"), ("Kundin", "deu"), ("client", "FR"), ("cliente", "pt-BR"),
            ("clienta", "es_ES"), ("klient", "pl")]  # fmt: skip
    path = tmp_path / "tags.jsonl"
    path.write_text("".join(json.dumps({"term": t, "lang": lang}) + "\n" for t, lang in rows),
                    encoding="utf-8")  # fmt: skip
    result = import_entries([path])
    assert [e.lang for e in result.entries] == ["de", "de", "fr", "pt-br", "es-es", "pl"]
    notes = result.note_lines()
    assert len(notes) == 4  # deu (twice, told once), FR, pt-BR, es_ES
    assert any("'deu' read as 'de'" in n and "1 more" in n for n in notes)


@pytest.mark.parametrize(
    "name, code",
    [("N\u00adPS", "U+00AD"), ("NPS\u200e", "U+200E"), ("N\u200fPS", "U+200F"),
     ("NPS\u061c", "U+061C"), ("N\u2063PS", "U+2063"), ("NPS\U000e0041", "U+E0041"),
     ("NPS\ufe0f", "U+FE0F"), ("N\u3164PS", "U+3164")],
)  # fmt: skip
def test_names_that_render_like_another_name_are_refused_with_the_character(name, code):
    from glossa.corpus.importers import entry_from_record

    for record in ({"term": name, "lang": "en"}, {"term": "Net Promoter", "lang": "en",
                                                   "aliases": [name]}):  # fmt: skip
        with pytest.raises(ImportErrorReport, match=re.escape(code)):
            entry_from_record(record, source="t", line=1, default_source="t")


def test_text_is_stored_composed_and_joiners_that_shape_a_script_stay(tmp_path):
    from glossa.corpus.sources import import_entries

    persian = "می\u200cخواهم"  # ZWNJ between two Persian letters: part of the spelling
    rows = [{"term": "Cafe\u0301", "lang": "fr"}, {"term": "Café", "lang": "fr"},
            {"term": persian, "lang": "fa"}]  # fmt: skip
    path = tmp_path / "forms.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    result = import_entries([path])
    assert [e.term for e in result.entries] == ["Café", persian]
    assert result.entries[0].term == "Caf\u00e9"  # composed
    assert result.problem_count == 1 and "duplicate entry id" in str(result.problems[0])
    assert any("(NFC)" in n for n in result.note_lines())


def test_a_concept_per_row_sheet_names_languages_as_people_write_them(tmp_path):
    from glossa.corpus.sources import import_entries

    path = tmp_path / "wide.csv"
    path.write_text("EN;DEU;definition\nCustomer Effort Score;Kundenaufwand;How hard it was.\n",
                    encoding="utf-8")  # fmt: skip
    result = import_entries([path])
    assert sorted((e.lang, e.term) for e in result.entries) == [
        ("de", "Kundenaufwand"), ("en", "Customer Effort Score")]  # fmt: skip
