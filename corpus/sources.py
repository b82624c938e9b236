"""Read glossaries from disk: the bundled corpus, scraped text files, JSONL, CSV and TBX.

This is the one place that turns paths into entries, so the CLI, the API and the
indexer agree on what a path means and every error names the file (and line).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from glossa.corpus.concepts import borrow_definitions
from glossa.corpus.entry import Entry
from glossa.corpus.errors import CorpusError, ImportErrorReport, ImportNote, place
from glossa.corpus.importers import Record, csv_entries, jsonl_entries, read_text
from glossa.corpus.parsers import BUNDLED_LAYOUTS, LAYOUTS
from glossa.corpus.skos import SKOS_SUFFIXES, skos_entries
from glossa.corpus.spreadsheets import xlsx_entries
from glossa.corpus.tbx import tbx_entries
from glossa.corpus.titles import GlossaryInfo, title_of

BUNDLED_DIR = Path(__file__).resolve().parent / "glossaries"
FORMATS = {
    ".jsonl": "JSONL", ".csv": "CSV", ".tsv": "TSV", ".xlsx": "XLSX", ".tbx": "TBX",
    ".xml": "TBX", ".ttl": "SKOS (Turtle)", ".rdf": "SKOS (RDF/XML)", ".txt": "scraped text",
}  # fmt: skip
TBX_SUFFIXES = (".tbx", ".xml")
SHOWN_PROBLEMS = 20
KEPT_PROBLEMS = 1000
MAX_IMPORT_BYTES = (
    2 * 2**30
)  # per file; GLOSSA_MAX_IMPORT_BYTES changes it  # problems kept with their place; the rest are only counted


class ImportFailed(CorpusError):
    """``--strict``: some records are bad, so nothing was imported."""

    def __init__(self, problems: list[CorpusError], count: int | None = None) -> None:
        self.problems = problems
        count = len(problems) if count is None else count
        lines = [str(p) for p in problems[:SHOWN_PROBLEMS]]
        if count > SHOWN_PROBLEMS:
            lines.append(f"... and {count - SHOWN_PROBLEMS} more")
        super().__init__(
            problems[0].source,
            problems[0].line,
            f"{count} bad record(s), nothing imported (--strict):\n" + "\n".join(lines),
        )

    def __str__(self) -> str:
        return self.reason


@dataclass
class ImportResult:
    """What an import read: the good entries, and every bad record with its place."""

    entries: list[Entry] = field(default_factory=list)
    problems: list[CorpusError] = field(default_factory=list)  # the first KEPT_PROBLEMS
    problem_count: int = 0  # all of them
    problem_kinds: Counter = field(default_factory=Counter)  # reason with values blanked -> count
    titles: dict[str, GlossaryInfo] = field(default_factory=dict)  # source id -> title
    # what was read differently from how it was written: per kind, its first place
    # and how many records it concerned (told once, not once per record)
    notes: dict[str, tuple[ImportNote, int]] = field(default_factory=dict)

    def note_lines(self) -> list[str]:
        return [str(note) + (f" (and {n - 1} more record(s))" if n > 1 else "")
                for note, n in self.notes.values()]  # fmt: skip


def bundled_paths() -> list[Path]:
    return [BUNDLED_DIR / name for name in sorted(BUNDLED_LAYOUTS)]


def parse_glossary(
    path: Path, layout: str | None = None, encoding: str | None = None
) -> Iterator[Entry]:
    """Parse one scraped glossary file with its layout (known by file name, or given)."""
    name = layout or BUNDLED_LAYOUTS.get(path.name)
    if name is None:
        raise ImportErrorReport(
            str(path),
            0,
            "unknown glossary layout; pass --layout "
            f"({', '.join(LAYOUTS)}) or convert it to JSONL, CSV or TBX",
        )
    if name not in LAYOUTS:
        raise ImportErrorReport(
            str(path), 0, f"unknown layout {name!r}; known: {', '.join(LAYOUTS)}"
        )
    spec = LAYOUTS[name]
    yield from spec.parse(read_text(path, encoding), path.name, spec.lang)


def file_records(
    path: Path,
    layout: str | None = None,
    encoding: str | None = None,
    max_bytes: int = MAX_IMPORT_BYTES,
) -> Iterator[Record]:
    """Entries and problems of one file, by its extension."""
    if not path.exists():
        raise ImportErrorReport(str(path), 0, "no such file")
    if path.is_dir():
        raise ImportErrorReport(str(path), 0, "is a directory; pass the glossary files")
    size = path.stat().st_size
    if size > max_bytes:
        raise ImportErrorReport(
            str(path), 0,
            f"is {size / 2**20:.0f} MiB; the import limit is {max_bytes / 2**20:.0f} MiB "
            "(GLOSSA_MAX_IMPORT_BYTES)",
        )  # fmt: skip
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        return jsonl_entries(path, encoding)
    if suffix == ".csv":
        return csv_entries(path, encoding)
    if suffix == ".tsv":
        return csv_entries(path, encoding, delimiter="\t")
    if suffix == ".xlsx":
        return xlsx_entries(path, max_bytes)
    if suffix in SKOS_SUFFIXES:
        return skos_entries(path)
    if suffix in TBX_SUFFIXES:
        return tbx_entries(path)  # XML declares its own encoding
    return iter(parse_glossary(path, layout, encoding))


def problem_kind(problem: CorpusError) -> str:
    """A problem's reason with its values blanked, to count problems by kind."""
    reason = getattr(problem, "reason", str(problem))
    return _VALUES.sub("…", reason)[:120]


_VALUES = re.compile(r"'[^']*'|\"[^\"]*\"|\d+")


def collect(records: Iterable[Record], *, strict: bool = False) -> ImportResult:
    """Split records into entries and problems; a repeated id is a problem too.

    Every problem is counted (by kind too), but only the first ``KEPT_PROBLEMS``
    are kept, so a file of a million bad records costs no more memory than one
    of a thousand."""
    result = ImportResult()
    seen: dict[str, Entry] = {}

    def problem(report: CorpusError) -> None:
        result.problem_count += 1
        result.problem_kinds[problem_kind(report)] += 1
        if len(result.problems) < KEPT_PROBLEMS:
            result.problems.append(report)

    for record in records:
        if isinstance(record, ImportNote):
            first, n = result.notes.get(record.message, (record, 0))
            result.notes[record.message] = (first, n + 1)
            continue
        if isinstance(record, CorpusError):
            problem(record)
            continue
        other = seen.get(record.id)
        if other is not None:
            problem(
                ImportErrorReport(
                    *(record.origin or (record.source, 0)),
                    f"duplicate entry id {record.id!r} (term {record.term!r}"
                    + (f", concept {record.concept!r}" if record.concept else "")
                    + f"; first read at {place(*(other.origin or (other.source, 0)))}, "
                    f"term {other.term!r})",
                )  # fmt: skip
            )
            continue
        seen[record.id] = record
        result.entries.append(record)
    result.entries = borrow_definitions(result.entries)
    if strict and result.problems:
        raise ImportFailed(result.problems, result.problem_count)
    return result


def import_entries(
    paths: Iterable[Path] = (),
    layout: str | None = None,
    *,
    strict: bool = False,
    encoding: str | None = None,
    title: str | None = None,
    max_bytes: int = MAX_IMPORT_BYTES,
) -> ImportResult:
    """Entries of the given files (none: the bundled corpus). Bad records are
    skipped and listed in ``problems``; with ``strict`` any bad record fails all.
    ``titles`` names each file's glossary (``title`` overrides, see corpus.titles)."""
    paths = list(paths) or bundled_paths()
    result = collect(
        (record for path in paths for record in file_records(path, layout, encoding, max_bytes)),
        strict=strict,
    )
    result.titles = {path.name: title_of(path, title) for path in paths}
    return result


def load_entries(paths: Iterable[Path] = (), layout: str | None = None) -> list[Entry]:
    """Entries of the given files; the first bad record raises (library use, benchmarks)."""
    result = import_entries(paths, layout, strict=False)
    if result.problems:
        raise result.problems[0]
    return result.entries
