"""What a failed load tells the user to do: one sentence per kind of damage, each
with the command that fixes it (every ``IndexLoadError`` ends in one)."""

from __future__ import annotations

from pathlib import Path

from glossa.indexer.store.segments import ENTRIES, SEGMENTS


def rebuild_hint(path: Path) -> str:
    """For an index whose entries are intact but whose vectors do not fit: re-embed
    the index's own entries (never re-index the bundled corpus over them)."""
    return f"re-embed its own entries with: glossa rebuild --index {path}"


def missing_index_hint(path: Path) -> str:
    if (path / ENTRIES).is_file() or any((path / SEGMENTS).glob(f"*/{ENTRIES}")):
        return (
            f"its entries are still there: recover every readable one with: "
            f"glossa rebuild --index {path}"
        )
    return (
        f"build it from your glossaries with: glossa index GLOSSARY... --out {path} "
        f"(with no GLOSSARY this indexes the bundled CX glossaries)"
    )


def reembed_hint(path: Path) -> str:
    """For damaged derived files: the entries are intact and can be embedded again."""
    return (
        f"its entries are intact: re-embed them with: glossa rebuild --index {path} "
        f"(or rebuild from the source glossaries: glossa index GLOSSARY... --out {path})"
    )


def sources_hint(path: Path) -> str:
    """For damaged entries: a rebuild keeps every readable one and names the rest."""
    return (
        f"keep every readable entry with: glossa rebuild --index {path} (it names each entry it "
        f"cannot read; glossa export --salvage --index {path} writes the readable ones to a file)"
    )
