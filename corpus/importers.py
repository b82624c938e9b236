"""Users' own glossaries: JSONL and CSV in, JSONL out.

Columns / keys (the same for both formats, and what ``glossa export`` writes):

| field      | required | meaning                                                      |
|------------|----------|--------------------------------------------------------------|
| term       | yes      | the term as the glossary spells it                           |
| definition | yes      | its definition                                               |
| lang       | yes      | ISO 639-1 code of the term's language (``pl``, ``fa``, ``zh``) |
| aliases    | no       | acronyms / other names: a JSON list, or ``|``-separated text |
| english    | no       | the English equivalent                                       |
| source     | no       | glossary name; defaults to the file name                     |
| category   | no       | subject field                                                |
| id         | no       | stable id; derived from (source, lang, term) when absent     |

Every bad record is reported with file, line and reason; nothing is half-read.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from corpus.entry import Entry, make_entry_id
from corpus.errors import ImportErrorReport

FIELDS = ("id", "term", "definition", "lang", "aliases", "english", "source", "category")
REQUIRED = ("term", "definition", "lang")
ALIAS_SEPARATOR = "|"
_LANG = re.compile(r"^[a-z]{2}$")


def entry_from_record(record: Any, *, source: str, line: int, default_source: str) -> Entry:
    """Validate one record (a dict from JSON or CSV) and build its Entry."""

    def fail(reason: str) -> ImportErrorReport:
        return ImportErrorReport(source, line, reason)

    if not isinstance(record, dict):
        raise fail(
            f"expected an object with fields {', '.join(REQUIRED)}, got {type(record).__name__}"
        )
    unknown = sorted(set(record) - set(FIELDS))
    if unknown:
        raise fail(f"unknown field(s) {', '.join(unknown)}; allowed: {', '.join(FIELDS)}")
    values: dict[str, str | None] = {}
    for name in ("id", "term", "definition", "lang", "english", "source", "category"):
        value = record.get(name)
        if value is not None and not isinstance(value, str):
            raise fail(f"field {name!r} must be text, got {type(value).__name__}")
        values[name] = value.strip() if isinstance(value, str) and value.strip() else None
    for name in REQUIRED:
        if not values[name]:
            raise fail(f"missing or empty required field {name!r}")
    lang = values["lang"] or ""
    if not _LANG.match(lang):
        raise fail(f"lang must be a two-letter ISO 639-1 code like 'pl', got {lang!r}")
    aliases = _aliases(record.get("aliases"), fail)
    entry_source = values["source"] or default_source
    term = values["term"] or ""
    return Entry(
        id=values["id"] or make_entry_id(entry_source, term, lang),
        term=term,
        definition=values["definition"] or "",
        lang=lang,
        source=entry_source,
        aliases=aliases,
        english=values["english"],
        category=values["category"],
    )


def _aliases(value: Any, fail) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        items = value.split(ALIAS_SEPARATOR)
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        items = value
    else:
        raise fail("aliases must be a list of strings or '|'-separated text")
    return tuple(dict.fromkeys(a.strip() for a in items if a.strip()))


def read_utf8(path: Path) -> str:
    """The text of a file, BOM tolerated; unreadable or non-UTF-8 files name the line."""
    try:
        return path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise ImportErrorReport(str(path), 0, f"cannot read file: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raw = path.read_bytes()
        line = raw[: exc.start].count(b"\n") + 1
        raise ImportErrorReport(str(path), line, "not valid UTF-8 text") from exc


def jsonl_records(path: Path) -> Iterator[tuple[int, Any]]:
    """(line number, parsed JSON) for every non-blank line; bad JSON names its line."""
    for number, line in enumerate(read_utf8(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as exc:
            raise ImportErrorReport(str(path), number, f"invalid JSON: {exc.msg}") from exc


def read_jsonl(path: Path) -> Iterator[Entry]:
    for number, record in jsonl_records(path):
        yield entry_from_record(record, source=str(path), line=number, default_source=path.name)


def read_csv(path: Path) -> Iterator[Entry]:
    text = read_utf8(path)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames
    if not header:
        raise ImportErrorReport(
            str(path), 1, f"empty file; expected a header row ({', '.join(FIELDS)})"
        )
    missing = [f for f in REQUIRED if f not in header]
    if missing:
        raise ImportErrorReport(str(path), 1, f"header lacks column(s) {', '.join(missing)}")
    try:
        for record in reader:
            if None in record:
                raise ImportErrorReport(
                    str(path), reader.line_num, "more values than header columns"
                )
            if all(not (v or "").strip() for v in record.values()):
                continue
            yield entry_from_record(
                record, source=str(path), line=reader.line_num, default_source=path.name
            )
    except csv.Error as exc:
        raise ImportErrorReport(str(path), reader.line_num, f"malformed CSV: {exc}") from exc


def write_jsonl(entries: Iterable[Entry], out: io.TextIOBase) -> int:
    """Write entries one JSON object a line; returns how many were written."""
    count = 0
    for entry in entries:
        out.write(entry.to_json() + "\n")
        count += 1
    return count
