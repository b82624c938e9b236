"""Read glossaries from disk: the bundled corpus, scraped text files, JSONL, CSV and TBX.

This is the one place that turns paths into entries, so the CLI, the API and the
indexer agree on what a path means and every error names the file (and line).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from glossa.corpus.entry import Entry
from glossa.corpus.errors import CorpusError, ImportErrorReport
from glossa.corpus.importers import Record, csv_entries, jsonl_entries, read_text
from glossa.corpus.parsers import BUNDLED_LAYOUTS, LAYOUTS
from glossa.corpus.tbx import tbx_entries
from glossa.corpus.titles import GlossaryInfo, title_of

BUNDLED_DIR = Path(__file__).resolve().parent / "glossaries"
FORMATS = {".jsonl": "JSONL", ".csv": "CSV", ".tbx": "TBX", ".xml": "TBX", ".txt": "scraped text"}
SHOWN_PROBLEMS = 20


class ImportFailed(CorpusError):
    """``--strict``: some records are bad, so nothing was imported."""

    def __init__(self, problems: list[CorpusError]) -> None:
        self.problems = problems
        lines = [str(p) for p in problems[:SHOWN_PROBLEMS]]
        if len(problems) > SHOWN_PROBLEMS:
            lines.append(f"... and {len(problems) - SHOWN_PROBLEMS} more")
        super().__init__(
            problems[0].source,
            problems[0].line,
            f"{len(problems)} bad record(s), nothing imported (--strict):\n" + "\n".join(lines),
        )

    def __str__(self) -> str:
        return self.reason


@dataclass
class ImportResult:
    """What an import read: the good entries, and every bad record with its place."""

    entries: list[Entry] = field(default_factory=list)
    problems: list[CorpusError] = field(default_factory=list)
    titles: dict[str, GlossaryInfo] = field(default_factory=dict)  # source id -> title


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
    path: Path, layout: str | None = None, encoding: str | None = None
) -> Iterator[Record]:
    """Entries and problems of one file, by its extension."""
    if not path.exists():
        raise ImportErrorReport(str(path), 0, "no such file")
    if path.is_dir():
        raise ImportErrorReport(str(path), 0, "is a directory; pass the glossary files")
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        return jsonl_entries(path, encoding)
    if suffix == ".csv":
        return csv_entries(path, encoding)
    if suffix in (".tbx", ".xml"):
        return tbx_entries(path)  # XML declares its own encoding
    return iter(parse_glossary(path, layout, encoding))


def collect(records: Iterable[Record], *, strict: bool = False) -> ImportResult:
    """Split records into entries and problems; a repeated id is a problem too."""
    result = ImportResult()
    seen: dict[str, Entry] = {}
    for record in records:
        if isinstance(record, CorpusError):
            result.problems.append(record)
            continue
        other = seen.get(record.id)
        if other is not None:
            result.problems.append(
                ImportErrorReport(
                    record.source,
                    0,
                    f"duplicate entry id {record.id!r} (term {record.term!r}; "
                    f"also in {other.source}, term {other.term!r})",
                )
            )
            continue
        seen[record.id] = record
        result.entries.append(record)
    if strict and result.problems:
        raise ImportFailed(result.problems)
    return result


def import_entries(
    paths: Iterable[Path] = (),
    layout: str | None = None,
    *,
    strict: bool = False,
    encoding: str | None = None,
    title: str | None = None,
) -> ImportResult:
    """Entries of the given files (none: the bundled corpus). Bad records are
    skipped and listed in ``problems``; with ``strict`` any bad record fails all.
    ``titles`` names each file's glossary (``title`` overrides, see corpus.titles)."""
    paths = list(paths) or bundled_paths()
    result = collect(
        (record for path in paths for record in file_records(path, layout, encoding)),
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
