"""Termbases kept as spreadsheets: XLSX, CSV and TSV, one row per concept.

Terminologists who have no termbase tool keep one sheet, a column per language:

| concept | en                     | pl                        | definition_en        | acronym_en |
|---------|------------------------|---------------------------|----------------------|------------|
| nps     | Net Promoter Score     | wskaźnik rekomendacji     | A loyalty metric ... | NPS        |

- a column named by a language code (``en``, ``pl``, ``fa``, ``zh``, ``pt-BR``,
  ``nan``) holds that language's term; ``|`` separates synonyms (the first names
  the entry, the others become aliases);
- ``definition_<lang>``, ``acronym_<lang>`` / ``synonyms_<lang>`` /
  ``aliases_<lang>``, ``note_<lang>`` and ``context_<lang>`` belong to one language;
- ``concept`` (or ``id``), ``definition`` (for the whole concept), ``category``
  (or ``subject``), ``note`` belong to the row; a row without a concept id gets
  one derived from its first term, so it stays the same when rows move.

A header with ``term`` and ``lang`` is the one-entry-per-row layout of
``corpus.importers`` instead, in CSV, TSV and XLSX alike. Every row becomes
entries or is reported with its line (the sheet's row number).
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from glossa.corpus.concepts import borrow_definitions
from glossa.corpus.entry import CONCEPT_LEVEL, Entry, as_id
from glossa.corpus.errors import ImportErrorReport
from glossa.corpus.importers import ALIAS_SEPARATOR, MAX_CHARS, Record, entry_from_record
from glossa.corpus.language_tags import normalised_tag

_LANG_COLUMN = re.compile(r"^([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{2,8})?$")
PER_LANGUAGE = {
    "definition": "definition", "acronym": "aliases", "acronyms": "aliases",
    "synonyms": "aliases", "aliases": "aliases", "abbreviation": "aliases",
    "note": "note", "context": "context",
}  # fmt: skip
ROW_FIELDS = {"concept": "concept", "id": "concept", "definition": "definition",
              "category": "category", "subject": "category", "note": "note",
              "source": "source"}  # fmt: skip
MAX_CELL = max(MAX_CHARS.values()) + 1


def language_of(column: str) -> str | None:
    """``pl`` for a column named ``pl``, ``PL``, ``pl-PL`` or ``pl_PL``, ``de`` for
    ``deu`` or ``DE`` (the language read as BCP 47); None otherwise."""
    match = _LANG_COLUMN.match(column.strip())
    return normalised_tag(match.group(1)) if match else None


def is_wide(header: list[str]) -> bool:
    """One row per concept (language columns), not one entry per row."""
    names = {h.strip().lower() for h in header if h}
    return not {"term", "lang"} <= names and any(language_of(h or "") for h in header)


def wide_entries(
    rows: Iterator[tuple[int, dict[str, Any]]], header: list[str], path: Path
) -> Iterator[Record]:
    """Entries of a one-row-per-concept table: ``rows`` are (line, {column: cell})."""
    layout = _columns(header, path)
    for line, row in rows:
        cells = {k: _cell(v) for k, v in row.items() if k is not None}
        if not any(cells.values()):
            continue
        yield from _row_entries(path, line, cells, layout)


def _columns(header: list[str], path: Path) -> dict[str, tuple[str, str | None]]:
    """column -> (field, language or None for the row)."""
    layout: dict[str, tuple[str, str | None]] = {}
    unknown = []
    for column in header:
        name = (column or "").strip()
        key = name.lower()
        if not name:
            continue
        if language_of(name) and key not in ROW_FIELDS:
            layout[column] = ("term", language_of(name))
        elif key in ROW_FIELDS:
            layout[column] = (ROW_FIELDS[key], None)
        elif (
            "_" in key
            and key.split("_", 1)[0] in PER_LANGUAGE
            and language_of(name.split("_", 1)[1])
        ):
            prefix, lang = key.split("_", 1)
            layout[column] = (PER_LANGUAGE[prefix], language_of(lang))
        else:
            unknown.append(name)
    if unknown:
        raise ImportErrorReport(
            str(path), 1,
            f"unknown column(s) {', '.join(unknown[:10])}; a concept-per-row sheet has language "
            "columns (en, pl, ...), definition_<lang>, acronym_<lang>, synonyms_<lang>, "
            "note_<lang>, context_<lang>, and concept, definition, category, note, source",
        )  # fmt: skip
    return layout


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = str(value)
    return text[:MAX_CELL].strip()


def _row_entries(
    path: Path, line: int, cells: dict[str, str], layout: dict[str, tuple[str, str | None]]
) -> Iterator[Record]:
    row: dict[str, str] = {}
    by_lang: dict[str, dict[str, Any]] = {}
    for column, text in cells.items():
        if column not in layout or not text:
            continue
        field, lang = layout[column]
        if lang is None:
            row[field] = text
            continue
        record = by_lang.setdefault(lang, {"aliases": []})
        if field == "term":
            names = [n.strip() for n in text.split(ALIAS_SEPARATOR) if n.strip()]
            record["term"], record["aliases"] = names[0], [*names[1:], *record["aliases"]]
        elif field == "aliases":
            record["aliases"] += [n.strip() for n in re.split(r"[|;]", text) if n.strip()]
        else:
            record[field] = text
    named = {lang: r for lang, r in by_lang.items() if r.get("term")}
    for lang, record in by_lang.items():
        if not record.get("term"):
            yield ImportErrorReport(
                str(path), line, f"{lang} details without a {lang} term in this row"
            )
    if not named:
        if not row:
            return
        yield ImportErrorReport(str(path), line, "row without any term (no language column)")
        return
    concept = as_id(row.get("concept") or _derived_concept(path, named))
    english = named.get("en", {}).get("term")
    entries = []
    for lang, record in named.items():
        full = {
            **record, "lang": lang, "concept": concept, "category": row.get("category"),
            "source": row.get("source"), "english": english if lang != "en" else None,
        }  # fmt: skip
        if row.get("note") and not full.get("note"):
            full["note"] = row["note"]
        try:
            entries.append(
                entry_from_record(full, source=str(path), line=line, default_source=path.name)
            )
        except ImportErrorReport as problem:
            yield problem
    shared = row.get("definition")
    yield from borrow_definitions(entries, {concept: shared} if shared else None)


def _derived_concept(path: Path, named: dict[str, dict[str, Any]]) -> str:
    lang = "en" if "en" in named else next(iter(named))
    key = f"{path.name}\x1f{lang}\x1f{named[lang]['term']}"
    return "c-" + hashlib.sha1(key.encode()).hexdigest()[:12]


MAX_INFLATION = 100  # a workbook part may inflate this many times its packed size...
INFLATION_FLOOR = 8 * 2**20  # ...once it is bigger than this (small parts compress well)


def check_workbook_zip(path: Path, max_bytes: int) -> None:
    """Refuse a workbook whose parts would inflate past ``max_bytes`` (each, or
    together) or by more than ``MAX_INFLATION`` times: checked on the zip's
    directory before a byte is inflated, so a zip bomb costs nothing."""
    try:
        with zipfile.ZipFile(path) as packed:
            parts = packed.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise ImportErrorReport(str(path), 0, f"not a readable XLSX workbook: {exc}") from exc
    total = 0
    for part in parts:
        total += part.file_size
        ratio = part.file_size / max(part.compress_size, 1)
        if part.file_size > max_bytes or total > max_bytes:
            raise ImportErrorReport(
                str(path), 0, f"its part {part.filename} inflates to {part.file_size / 2**20:.0f} "
                f"MiB (all parts so far {total / 2**20:.0f} MiB); the import limit is "
                f"{max_bytes / 2**20:.0f} MiB (GLOSSA_MAX_IMPORT_BYTES)")  # fmt: skip
        if part.file_size > INFLATION_FLOOR and ratio > MAX_INFLATION:
            raise ImportErrorReport(
                str(path), 0, f"its part {part.filename} inflates {ratio:.0f} times "
                f"({part.compress_size} bytes to {part.file_size / 2**20:.0f} MiB): refused as a "
                f"zip bomb (a workbook's parts inflate at most {MAX_INFLATION} times)")  # fmt: skip


def xlsx_rows(
    path: Path, max_bytes: int = 2 * 2**30
) -> tuple[list[str], Iterator[tuple[int, dict[str, Any]]]]:
    """Header and (row number, {column: value}) of the first sheet with content,
    read in openpyxl's streaming mode so a large workbook costs little memory,
    after ``check_workbook_zip``."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    broken = (
        InvalidFileException,
        OSError,
        KeyError,
        ValueError,
        zipfile.BadZipFile,
        EOFError,
        SyntaxError,
    )  # fmt: skip  (SyntaxError: a broken XML part)
    check_workbook_zip(path, max_bytes)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
        for sheet in workbook.worksheets:  # the first sheet with a header row
            rows = sheet.iter_rows(values_only=True)
            header = [str(c).strip() if c is not None else "" for c in next(rows, ())]
            if any(header):
                break
        else:
            workbook.close()
            raise ImportErrorReport(str(path), 0, "no sheet with a header row")
    except broken as exc:
        raise ImportErrorReport(str(path), 0, f"not a readable XLSX workbook: {exc}") from exc

    def records() -> Iterator[tuple[int, dict[str, Any]]]:
        number = 1
        try:
            for number, values in enumerate(rows, start=2):
                yield number, dict(zip(header, values, strict=False))
        except broken as exc:  # damaged after the header: what was read stays read
            raise ImportErrorReport(
                str(path), number + 1, f"the workbook is damaged from here on: {exc}"
            ) from exc
        finally:
            workbook.close()

    return header, records()


def xlsx_entries(path: Path, max_bytes: int = 2 * 2**30) -> Iterator[Record]:
    """Entries of an XLSX workbook, in either layout."""
    from glossa.corpus.importers import long_table_entries

    header, rows = xlsx_rows(path, max_bytes)
    if is_wide(header):
        yield from wide_entries(rows, header, path)
    else:
        yield from long_table_entries(rows, header, path)


# ---------------------------------------------------------------------- export


def concept_rows(entries: Iterable[Entry]) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the one-concept-per-row layout that ``wide_entries`` reads
    back. A language named twice in one concept (two glossaries) continues on a
    second row with the same concept id; a borrowed definition is not repeated
    as the entry's own; an English equivalent without an English entry fills
    the ``en`` column."""
    groups: dict[str, list[Entry]] = {}
    for entry in entries:
        groups.setdefault(entry.concept or entry.id, []).append(entry)
    langs = sorted({e.lang for g in groups.values() for e in g}
                   | ({"en"} if any(e.english for g in groups.values() for e in g) else set()))  # fmt: skip
    per_lang = ("", "definition_", "synonyms_", "context_", "note_")
    header = ["concept", "category", "definition", "source"] + [
        f"{prefix}{lang}" for lang in langs for prefix in per_lang
    ]
    rows = []
    for key, group in groups.items():
        shared = next((e.definition for e in group if e.definition_from == CONCEPT_LEVEL), "")
        sources = {e.source for e in group}
        has_en = any(e.lang == "en" for e in group)
        english = None if has_en else next((e.english for e in group if e.english), None)
        slots: list[dict[str, Entry]] = []
        for entry in group:
            slot = next((s for s in slots if entry.lang not in s), None)
            if slot is None:
                slot = {}
                slots.append(slot)
            slot[entry.lang] = entry
        for number, slot in enumerate(slots):
            row = {
                "concept": group[0].concept or key,
                "category": next((e.category for e in group if e.category), ""),
                "definition": shared,
                "source": next(iter(sources)) if len(sources) == 1 else "",
            }
            for lang, entry in slot.items():
                row[lang] = entry.term
                row[f"definition_{lang}"] = "" if entry.definition_from else entry.definition
                row[f"synonyms_{lang}"] = ALIAS_SEPARATOR.join(entry.aliases)
                row[f"context_{lang}"] = entry.context or ""
                row[f"note_{lang}"] = entry.note or ""
            if number == 0 and english:
                row["en"] = english
            rows.append([row.get(column) or "" for column in header])
    return header, rows


def write_xlsx(entries: Iterable[Entry], out: IO[bytes], title: str = "Glossa export") -> int:
    """Write the entries as an XLSX sheet, one row per concept; returns the rows
    written. openpyxl's write-only mode streams rows, so memory stays small."""
    from openpyxl import Workbook

    header, rows = concept_rows(entries)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=re.sub(r"[\[\]:*?/\\]", " ", title)[:31] or "Glossa")
    sheet.append([_text_cell(sheet, value) for value in header])
    for row in rows:
        sheet.append([_text_cell(sheet, value) for value in row])
    workbook.save(out)
    return len(rows)


def _text_cell(sheet, value: str):
    """A cell that holds ``value`` as text, whatever it begins with: openpyxl
    turns a string that starts with ``=`` into a formula, and a spreadsheet would
    run a term such as ``=HYPERLINK(...)`` (OWASP: CSV/formula injection). A
    string cell is shown and read back as the text it is."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    if value:
        cell.data_type = "s"
    return cell
