"""Read glossaries from disk: the bundled corpus, scraped text files, JSONL and CSV.

This is the one place that turns paths into entries, so the CLI and the indexer
agree on what a path means and every error names the file (and line).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from corpus.entry import Entry
from corpus.errors import ImportErrorReport
from corpus.importers import read_csv, read_jsonl, read_utf8
from corpus.parsers import BUNDLED_LAYOUTS, LAYOUTS

BUNDLED_DIR = Path(__file__).resolve().parent / "glossaries"


def bundled_paths() -> list[Path]:
    return [BUNDLED_DIR / name for name in sorted(BUNDLED_LAYOUTS)]


def parse_glossary(path: Path, layout: str | None = None) -> Iterator[Entry]:
    """Parse one scraped glossary file with its layout (known by file name, or given)."""
    name = layout or BUNDLED_LAYOUTS.get(path.name)
    if name is None:
        raise ImportErrorReport(
            str(path),
            0,
            "unknown glossary layout; pass --layout "
            f"({', '.join(LAYOUTS)}) or convert it to JSONL/CSV",
        )
    if name not in LAYOUTS:
        raise ImportErrorReport(
            str(path), 0, f"unknown layout {name!r}; known: {', '.join(LAYOUTS)}"
        )
    spec = LAYOUTS[name]
    yield from spec.parse(read_utf8(path), path.name, spec.lang)


def load_entries(paths: Iterable[Path] = (), layout: str | None = None) -> list[Entry]:
    """Entries of the given files (``.jsonl``, ``.csv`` or a scraped ``.txt``); none: bundled."""
    paths = list(paths) or bundled_paths()
    entries: list[Entry] = []
    for path in paths:
        if not path.exists():
            raise ImportErrorReport(str(path), 0, "no such file")
        if path.is_dir():
            raise ImportErrorReport(str(path), 0, "is a directory; pass the glossary files")
        suffix = path.suffix.lower()
        if suffix == ".jsonl":
            entries.extend(read_jsonl(path))
        elif suffix == ".csv":
            entries.extend(read_csv(path))
        else:
            entries.extend(parse_glossary(path, layout))
    _check_unique_ids(entries)
    return entries


def _check_unique_ids(entries: list[Entry]) -> None:
    seen: dict[str, Entry] = {}
    for entry in entries:
        if entry.id in seen:
            other = seen[entry.id]
            raise ImportErrorReport(
                entry.source,
                0,
                f"duplicate entry id {entry.id!r} (term {entry.term!r}; also in {other.source})",
            )
        seen[entry.id] = entry
