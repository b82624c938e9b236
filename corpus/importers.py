"""Users' own glossaries: JSONL and CSV in, JSONL out.

Columns / keys (the same for both formats, and what ``glossa export`` writes):

| field      | required | meaning                                                      |
|------------|----------|--------------------------------------------------------------|
| term       | yes      | the term as the glossary spells it                           |
| definition | no       | its definition (termbase terms often have none; see below)   |
| lang       | yes      | ISO 639 code of the term's language (``pl``, ``fa``, ``zh``, ``nan``) |
| aliases    | no       | acronyms / other names: a JSON list, or ``|``-separated text |
| english    | no       | the English equivalent                                       |
| source     | no       | glossary name; defaults to the file name                     |
| category   | no       | subject field                                                |
| id         | no       | stable id; derived from (source, lang, term) when absent     |
| concept    | no       | concept id shared with the same concept's entries in other languages |
| definition_from | no  | where a borrowed definition came from (a language, or ``concept``) |
| term_info  | no       | list of ``{"term", "type", "status", "pos"}`` for the entry's names |
| context    | no       | a sentence using the term                                    |
| note       | no       | a note                                                       |

An entry without a definition is indexed from its names; one whose concept has
a definition in another language borrows it (``corpus.concepts``).

Ids are letters, digits, ``_ - .`` (XML NCNames, as TBX needs them). Every bad
record is reported with file, line and reason. The readers *yield* a bad record's
problem instead of raising it, so the caller decides: ``--strict`` refuses the
whole import, the default skips the bad records and reports them
(``corpus.sources.import_entries``). Only a file that cannot be read at all raises.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from glossa.corpus.entry import ID_RULE, STATUSES, Entry, TermInfo, make_entry_id, valid_id
from glossa.corpus.errors import ImportErrorReport, ImportNote
from glossa.corpus.language_tags import normalised_tag
from glossa.corpus.lookalikes import invisible_in_name, nfc

FIELDS = (
    "id", "term", "definition", "lang", "aliases", "english", "source", "category", "concept",
    "definition_from", "term_info", "context", "note",
)  # fmt: skip
TEXT_FIELDS = (
    "id", "term", "definition", "lang", "english", "source", "category", "concept",
    "definition_from", "context", "note",
)  # fmt: skip
REQUIRED = ("term", "lang")
NAME_FIELDS = ("term", "english")  # and every alias: what a text or a query is matched by
ALIAS_SEPARATOR = "|"
MAX_CHARS = {
    "term": 500, "english": 500, "source": 200, "category": 200, "definition": 20_000,
    "context": 5_000, "note": 5_000, "definition_from": 20,
}  # fmt: skip
MAX_ALIASES, MAX_ALIAS_CHARS = 50, 500
# Text that cannot be stored as UTF-8 JSON and exported as XML: C0 controls other
# than tab/newline/CR, DEL..C1 controls, unpaired surrogates, non-characters.
_UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# Invisible characters that reorder or hide text (Unicode's security guidance,
# UTS #39 / UAX #9: "Trojan Source"): bidi embeddings, overrides and isolates,
# and zero-width spaces. ZWNJ/ZWJ (U+200C/D) stay allowed: Persian and other
# scripts need them inside words, and they reorder nothing; so do LRM/RLM.
INVISIBLE = r"\u202a-\u202e\u2066-\u2069\u200b\u2060\u180e\ufeff"
_INVISIBLE = re.compile(f"[{INVISIBLE}]")


def unstorable(text: str) -> str | None:
    """Why ``text`` cannot be stored (None if it can)."""
    match = _UNSTORABLE.search(text)
    if match is not None:
        return f"contains the unusable character U+{ord(match.group()):04X}"
    match = _INVISIBLE.search(text)
    if match is not None:
        name = unicodedata.name(match.group(), "invisible character")
        return (
            f"contains the invisible character U+{ord(match.group()):04X} ({name}), which can "
            "reorder or hide text; remove it"
        )
    return None


def clip(text: str | None, field: str) -> str | None:
    """Notes and context sentences are context, not content: a termbase's
    over-long one is cut (and says so) rather than costing the entry."""
    limit = MAX_CHARS[field]
    return text if not text or len(text) <= limit else text[: limit - 1] + "…"


# what a reader yields: an entry, why a record is bad, or what it read differently
Record = Entry | ImportErrorReport | ImportNote


def entry_from_record(
    record: Any, *, source: str, line: int, default_source: str,
    notice: Callable[[str], None] | None = None,
) -> Entry:  # fmt: skip
    """Validate one record (a dict from JSON or CSV) and build its Entry.
    ``notice`` is told what was read differently from how it was written (a
    language tag, ``FR`` -> ``fr``)."""

    def fail(reason: str) -> ImportErrorReport:
        return ImportErrorReport(source, line, reason)

    if not isinstance(record, dict):
        raise fail(
            f"expected an object with fields {', '.join(REQUIRED)}, got {type(record).__name__}"
        )
    unknown = sorted(set(record) - set(FIELDS))
    if unknown:
        named = ", ".join(str(u)[:40] for u in unknown[:10])
        more = f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
        raise fail(f"unknown field(s) {named}{more}; allowed: {', '.join(FIELDS)}")
    values: dict[str, str | None] = {}
    composed = False
    for name in TEXT_FIELDS:
        value = record.get(name)
        if value is not None and not isinstance(value, str):
            raise fail(f"field {name!r} must be text, got {type(value).__name__}")
        if isinstance(value, str) and nfc(value) != value:
            value, composed = nfc(value), True
        if name in NAME_FIELDS and isinstance(value, str) and invisible_in_name(value):
            raise fail(f"field {name!r} {invisible_in_name(value)}")
        values[name] = value.strip() if isinstance(value, str) and value.strip() else None
        problem = unstorable(value) if isinstance(value, str) else None
        if problem:
            raise fail(f"field {name!r} {problem}")
        limit = MAX_CHARS.get(name)
        if limit and values[name] and len(values[name] or "") > limit:
            raise fail(
                f"field {name!r} is {len(values[name] or '')} characters; the limit is {limit}"
            )
    for name in REQUIRED:
        if not values[name]:
            raise fail(f"missing or empty required field {name!r}")
    written = values["lang"] or ""
    lang = normalised_tag(written) or ""
    if not lang:
        raise fail(
            f"lang must be an ISO 639 code like 'pl' (or 'nan' where 639-1 has none), or a BCP 47 "
            f"tag like 'pt-BR', got {written!r}"
        )
    if lang != written and notice is not None:
        notice(f"language tag {written!r} read as {lang!r}")
    if composed and notice is not None:
        notice("text written in decomposed Unicode (NFD) stored composed (NFC), as one "
               "spelling of each name")  # fmt: skip
    for name in ("id", "concept"):
        if values[name] and not valid_id(values[name] or ""):
            raise fail(f"{name} {values[name]!r} is not a valid id ({ID_RULE})")
    aliases = _aliases(record.get("aliases"), fail)
    term_info = _term_info(record.get("term_info"), fail)
    entry_source = values["source"] or default_source
    term = values["term"] or ""
    return Entry(
        id=values["id"] or make_entry_id(entry_source, term, lang, values["concept"]),
        term=term,
        definition=values["definition"] or "",
        lang=lang,
        source=entry_source,
        aliases=aliases,
        english=values["english"],
        category=values["category"],
        concept=values["concept"],
        definition_from=values["definition_from"] if values["definition"] else None,
        term_info=term_info,
        context=values["context"],
        note=values["note"],
        origin=(source, line),
    )


_INFO_KEYS = {"term", "type", "status", "pos"}


def _term_info(value: Any, fail) -> tuple[TermInfo, ...]:
    if value in (None, "", []):
        return ()
    if isinstance(value, str):  # a CSV cell holds it as JSON
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise fail("term_info must be a JSON list of objects") from None
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise fail("term_info must be a list of objects with term, type, status, pos")
    found = []
    for item in value[: MAX_ALIASES + 1]:
        unknown = set(item) - _INFO_KEYS
        if unknown or not isinstance(item.get("term"), str) or not item["term"].strip():
            raise fail("each term_info needs a 'term' and may have only type, status, pos")
        fields = {}
        for key in _INFO_KEYS:
            text = item.get(key)
            if text is not None and (not isinstance(text, str) or len(text) > MAX_ALIAS_CHARS):
                raise fail(f"term_info {key} must be text of up to {MAX_ALIAS_CHARS} characters")
            if isinstance(text, str) and unstorable(text):
                raise fail(f"term_info {key} {unstorable(text)}")
            fields[key] = text.strip() if isinstance(text, str) and text.strip() else None
        if fields["status"] and fields["status"] not in STATUSES:
            raise fail(f"term_info status must be one of {', '.join(STATUSES)}")
        found.append(TermInfo(**fields))
    return tuple(found)


def _aliases(value: Any, fail) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        items = value.split(ALIAS_SEPARATOR)
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        items = value
    else:
        raise fail("aliases must be a list of strings or '|'-separated text")
    aliases = tuple(dict.fromkeys(nfc(a.strip()) for a in items if a.strip()))
    problem = next((unstorable(a) or invisible_in_name(a) for a in aliases
                    if unstorable(a) or invisible_in_name(a)), None)  # fmt: skip
    if problem:
        raise fail(f"an alias {problem}")
    if len(aliases) > MAX_ALIASES or any(len(a) > MAX_ALIAS_CHARS for a in aliases):
        raise fail(f"at most {MAX_ALIASES} aliases of up to {MAX_ALIAS_CHARS} characters each")
    return aliases


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)  # fmt: skip


def read_text(path: Path, encoding: str | None = None) -> str:
    """The text of a file. Without ``encoding``: UTF-8, or UTF-8/16/32 by their byte
    order mark (exporters on Windows write UTF-16 with a BOM). Anything else names
    the first bad line and says how to read it (``--encoding``)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportErrorReport(str(path), 0, f"cannot read file: {exc.strerror or exc}") from exc
    encoding = _encoding_of(path, raw, encoding)
    try:
        return raw.decode(encoding)
    except LookupError as exc:
        raise ImportErrorReport(str(path), 0, f"unknown encoding {encoding!r}") from exc
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ImportErrorReport(
            str(path),
            line,
            f"not valid {encoding} text (byte {exc.start}); "
            "convert the file to UTF-8 or pass its encoding, e.g. --encoding cp1256",
        ) from exc


def _encoding_of(path: Path, head: bytes, encoding: str | None) -> str:
    """The encoding to read ``path`` with: the one asked for, else the one its byte
    order mark names, else UTF-8 (after refusing UTF-16 that lacks a BOM)."""
    if encoding is not None:
        return encoding
    bom = next((name for mark, name in _BOMS if head.startswith(mark)), None)
    if bom is not None:
        return bom
    _refuse_bomless_utf16(path, head)
    return "utf-8"


def _refuse_bomless_utf16(path: Path, raw: bytes) -> None:
    """UTF-16 without a byte order mark decodes as "valid" UTF-8 full of NUL bytes,
    which then fails on every line for a reason nobody can see. Text has NULs in
    every other byte only when it is UTF-16: say so, and which --encoding to use."""
    sample = raw[:4096]
    if len(sample) < 4 or b"\x00" not in sample:
        return
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    for nuls, others, order in ((odd, even, "le"), (even, odd, "be")):
        if nuls >= 0.3 * half and nuls >= 4 * others:
            raise ImportErrorReport(
                str(path), 1,
                f"looks like UTF-16 ({'little' if order == 'le' else 'big'}-endian) without a "
                f"byte order mark; pass --encoding utf-16-{order}",
            )  # fmt: skip


def _jsonl_lines(path: Path, encoding: str | None) -> Iterator[tuple[int, Any]]:
    """(line number, parsed JSON or the line's problem) for every non-blank line.

    Read line by line, so memory does not grow with the file. A line that is not
    valid text in the encoding is that line's problem and reading goes on. UTF-16/32
    (a BOM, or asked for) cannot be split on newline bytes, so those are decoded whole.
    """
    for number, line in _text_lines(path, encoding):
        if isinstance(line, ImportErrorReport):
            yield number, line
            continue
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, ImportErrorReport(str(path), number, f"invalid JSON: {exc.msg}")
        except RecursionError:  # a record nested thousands deep: this line only
            yield number, ImportErrorReport(str(path), number, "invalid JSON: nested too deeply")


def _line_encoding(path: Path, encoding: str | None) -> str | None:
    """The encoding to read ``path`` line by line with, or None for UTF-16/32
    (a BOM, or asked for), which cannot be split on newline bytes."""
    try:
        with path.open("rb") as f:
            head = f.read(4096)
    except OSError as exc:
        raise ImportErrorReport(str(path), 0, f"cannot read file: {exc.strerror or exc}") from exc
    chosen = _encoding_of(path, head, encoding)
    if chosen.replace("_", "-").lower().startswith(("utf-16", "utf-32")):
        return None
    try:
        codecs.lookup(chosen)
    except LookupError as exc:
        raise ImportErrorReport(str(path), 0, f"unknown encoding {chosen!r}") from exc
    return chosen


def _text_lines(path: Path, encoding: str | None) -> Iterator[tuple[int, str | ImportErrorReport]]:
    chosen = _line_encoding(path, encoding)
    if chosen is None:
        yield from enumerate(read_text(path, encoding).splitlines(), start=1)
        return
    with path.open("rb") as f:
        for number, raw in enumerate(f, start=1):
            try:  # (utf-8-sig drops the BOM of line 1 itself)
                yield number, raw.decode(chosen).rstrip("\r\n")
            except UnicodeDecodeError as exc:
                yield number, ImportErrorReport(
                    str(path), number,
                    f"not valid {chosen} text (byte {exc.start} of the line); convert the file "
                    "to UTF-8 or pass its encoding, e.g. --encoding cp1256",
                )  # fmt: skip


def jsonl_records(path: Path, encoding: str | None = None) -> Iterator[tuple[int, Any]]:
    """(line number, parsed JSON) for every non-blank line; bad JSON raises, naming its line."""
    for number, record in _jsonl_lines(path, encoding):
        if isinstance(record, ImportErrorReport):
            raise record
        yield number, record


def jsonl_entries(path: Path, encoding: str | None = None) -> Iterator[Record]:
    """Entries of a JSONL file; a bad line is yielded as its problem and reading goes on."""
    for number, record in _jsonl_lines(path, encoding):
        if isinstance(record, ImportErrorReport):
            yield record
        else:
            yield from _checked(record, path, number)


def _checked(record: Any, path: Path, line: int) -> Iterator[Record]:
    """One record's entry (or problem), after what was read differently in it."""
    notes: list[str] = []
    try:
        entry: Record = entry_from_record(record, source=str(path), line=line,
                                          default_source=path.name, notice=notes.append)  # fmt: skip
    except ImportErrorReport as problem:
        entry = problem
    for message in notes:
        yield ImportNote(str(path), line, message)
    yield entry


def strict(records: Iterable[Record]) -> Iterator[Entry]:
    """Entries only; the first problem is raised."""
    for record in records:
        if isinstance(record, ImportErrorReport):
            raise record
        yield record


def read_jsonl(path: Path, encoding: str | None = None) -> Iterator[Entry]:
    return strict(jsonl_entries(path, encoding))


def read_csv(path: Path, encoding: str | None = None) -> Iterator[Entry]:
    return strict(csv_entries(path, encoding))


DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical-bar"}


def sniffed_delimiter(header_line: str, expected: str) -> str:
    """The delimiter that splits ``header_line`` into the most columns Glossa
    knows (entry fields or language columns), ``expected`` on a tie. Why: a
    spreadsheet saved as CSV in a German or French locale separates with
    semicolons, and read with commas its header lacked every column."""
    from glossa.corpus.spreadsheets import language_of

    def score(delimiter: str) -> tuple[int, int, bool]:
        columns = next(csv.reader([header_line], delimiter=delimiter), [])
        known = sum(1 for c in columns if c.strip() in FIELDS or language_of(c.strip()))
        return known, len(columns), delimiter == expected

    return max(DELIMITERS, key=score)


def csv_entries(path: Path, encoding: str | None = None, delimiter: str = ",") -> Iterator[Record]:
    """Entries of a CSV (or, with ``delimiter="\\t"``, TSV) file with a header row:
    one entry per row (``term``, ``lang``...), or one concept per row with a
    column per language (``corpus.spreadsheets``). Bad rows are yielded as problems.
    The delimiter is read off the header (``sniffed_delimiter``): ``delimiter`` is
    what the file's extension expects, and another one found is told as a note."""
    from glossa.corpus.spreadsheets import is_wide, wide_entries

    malformed: list[ImportErrorReport] = []
    # Fields up to a line's length are read whole (an over-long field is then
    # reported by the field-length rules with its line, and parsing goes on); the
    # csv module's own 128 KiB limit would instead stop the reader and lose every
    # row after it. A line longer than MAX_CSV_LINE_BYTES is that line's problem,
    # read past without being held, so memory stays bounded whatever the file.
    csv.field_size_limit(max(csv.field_size_limit(), MAX_CSV_LINE_BYTES + 1))
    lines = _csv_lines(path, encoding, malformed)
    first = next(lines, "")
    found = sniffed_delimiter(first, delimiter)
    if found != delimiter:
        yield ImportNote(str(path), 1, f"read as {DELIMITERS[found]}-separated values "
                                       f"(not {DELIMITERS[delimiter]}), as the header is")  # fmt: skip
    reader = csv.DictReader(itertools.chain([first], lines), delimiter=found)
    header = reader.fieldnames
    if not header:
        first = next((p for p in malformed if p.line == 1), None)
        raise first or ImportErrorReport(
            str(path), 1, f"empty file; expected a header row ({', '.join(FIELDS)})"
        )

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        start = reader.line_num + 1  # a record's first line (quoted fields span lines)
        try:
            for record in reader:
                yield start, record
                start = reader.line_num + 1
        except csv.Error as exc:
            # the csv module cannot resynchronise after a broken quote: stop here, and
            # report it once the rows read so far are imported
            malformed.append(ImportErrorReport(str(path), start, f"malformed CSV: {exc}"))

    table = wide_entries if is_wide(list(header)) else long_table_entries
    yield from table(rows(), list(header), path)
    yield from malformed


MAX_CSV_LINE_BYTES = 4 * 2**20  # a CSV line longer than this is reported, not held


def _csv_lines(
    path: Path, encoding: str | None, problems: list[ImportErrorReport]
) -> Iterator[str]:
    """The lines of a CSV file (newlines kept, as ``csv`` wants them), read one
    at a time; a line too long becomes an empty line and its problem goes to
    ``problems``; a line not valid in the encoding ends the import, naming it."""
    chosen = _line_encoding(path, encoding)
    if chosen is None:
        yield from read_text(path, encoding).splitlines(keepends=True)
        return
    with path.open("rb") as f:
        number = 0
        while True:
            raw = f.readline(MAX_CSV_LINE_BYTES + 1)
            if not raw:
                return
            number += 1
            if len(raw) > MAX_CSV_LINE_BYTES and not raw.endswith(b"\n"):
                while (rest := f.readline(2**20)) and not rest.endswith(b"\n"):
                    pass  # the rest of the line, read past
                problems.append(ImportErrorReport(
                    str(path), number, f"line longer than {MAX_CSV_LINE_BYTES:,} bytes; skipped"))  # fmt: skip
                yield "\n"
                continue
            try:  # (utf-8-sig drops the BOM of line 1 itself)
                yield raw.decode(chosen if number == 1 else chosen.replace("-sig", ""))
            except UnicodeDecodeError as exc:  # a whole file in another encoding, as a rule
                raise ImportErrorReport(
                    str(path),
                    number,
                    f"not valid {chosen} text (byte {exc.start} of the line); "
                    "convert the file to UTF-8 or pass its encoding, e.g. --encoding cp1256",
                ) from exc


def long_table_entries(
    rows: Iterable[tuple[int, dict[Any, Any]]], header: list[str], path: Path
) -> Iterator[Record]:
    """Entries of a table with one entry per row (CSV, TSV or XLSX)."""
    missing = [f for f in REQUIRED if f not in header]
    if missing:
        raise ImportErrorReport(
            str(path), 1,
            f"header lacks column(s) {', '.join(missing)}; expected one entry per row "
            f"({', '.join(FIELDS)}) or one concept per row with a column per language (en, pl, ...)",
        )  # fmt: skip
    for line, record in rows:
        if record.get(None) is not None:
            yield ImportErrorReport(str(path), line, "more values than header columns")
        elif any(_present(v) for v in record.values()):
            cells = {k: (None if v is None else str(v)) for k, v in record.items()}
            yield from _checked(cells, path, line)


def _present(value: Any) -> bool:
    return value is not None and bool(str(value).strip())


def write_jsonl(entries: Iterable[Entry], out: io.TextIOBase) -> int:
    """Write entries one JSON object a line; returns how many were written."""
    count = 0
    for entry in entries:
        out.write(entry.to_json() + "\n")
        count += 1
    return count
