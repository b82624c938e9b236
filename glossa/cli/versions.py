"""Commands over a termbase's files and versions: export, info, restore, optimize,
publish, check."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from glossa.cli.shell import (
    IndexOption,
    app,
    embedding_progress,
    err,
    fail,
    out,
    print_recovery,
    shown,
    termbase_at,
)

EXPORT_FORMATS = ("jsonl", "tbx", "xlsx")


@app.command()
def export(
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            help="jsonl (re-importable), tbx (TBX-Basic) or xlsx (one row per concept).",
        ),
    ] = "jsonl",
    style: Annotated[
        str, typer.Option("--style", help="TBX style: dca (descrip type=...) or dct (basic:...).")
    ] = "dca",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
    lang: Annotated[
        list[str] | None, typer.Option("--lang", "-l", help="Only these languages (repeatable).")
    ] = None,
    source: Annotated[
        list[str] | None, typer.Option("--source", "-s", help="Only these glossaries (repeatable).")
    ] = None,
    equivalents: Annotated[
        bool,
        typer.Option(
            "--equivalents",
            help="Give entries without a concept id one shared with their cross-lingual "
            "equivalents found by Glossa (TBX: one conceptEntry per group).",
        ),
    ] = False,
    salvage: Annotated[
        bool,
        typer.Option(
            "--salvage",
            help="Write every readable entry of a damaged index (no checksum or vector needed); "
            "the entries that cannot be read are named.",
        ),
    ] = False,
    index_dir: IndexOption = None,
) -> None:
    """Write the indexed entries, all or filtered; every format re-imports with `glossa index`."""
    if fmt not in EXPORT_FORMATS:
        raise fail(f"unknown format {fmt!r}; supported: {', '.join(EXPORT_FORMATS)}", code=2)
    from glossa.corpus.tbx import TBX_STYLES

    if style not in TBX_STYLES:
        raise fail(f"unknown TBX style {style!r}; supported: {', '.join(TBX_STYLES)}", code=2)
    termbase = termbase_at(index_dir)
    if salvage and equivalents:
        raise fail("--equivalents needs the index's vectors; --salvage reads entries only", code=2)
    if salvage:
        entries, snapshot = termbase.salvage(lang=lang, source=source)
        print_recovery(snapshot.lost, snapshot.lost_ids, snapshot.unnamed, None)
    else:
        entries = termbase.export(lang=lang, source=source, equivalents=equivalents)
    if not entries:
        raise fail("no entries match the filters")
    if fmt in ("tbx", "xlsx"):
        from glossa.corpus.spreadsheets import write_xlsx
        from glossa.corpus.tbx import write_tbx

        def write(f) -> None:
            if fmt == "tbx":
                write_tbx(entries, f, style=style)
            else:
                write_xlsx(entries, f)

        if output:
            with output.open("wb") as f:
                write(f)
        else:
            write(sys.stdout.buffer)
    else:
        lines = "".join(e.to_json() + "\n" for e in entries)
        if output:
            output.write_text(lines, encoding="utf-8")
        else:
            sys.stdout.write(lines)
    if output:
        err.print(f"wrote {len(entries)} entries to {output}")


@app.command()
def info(index_dir: IndexOption = None) -> None:
    """Show the index manifest and counts per language and source."""
    termbase = termbase_at(index_dir)
    table = Table(title=Text(shown(f"Index {termbase.path}")), show_header=False)
    for key, value in termbase.info().items():
        if isinstance(value, dict):
            value = ", ".join(f"{k}: {v}" for k, v in value.items())
        table.add_row(key, shown(str(value)))
    out.print(table)
    out.print("file checksums not verified here; `glossa check` verifies them", style="dim")


@app.command()
def restore(
    to: Annotated[
        int | None, typer.Option("--to", help="The generation to bring back (see --list).")
    ] = None,
    show: Annotated[bool, typer.Option("--list", help="List the kept versions; change nothing.")] = False,
    index_dir: IndexOption = None,
) -> None:
    """Bring back the index as it was before its last change, or any kept version
    (--to; GLOSSA_KEEP_VERSIONS of them, 3 by default). Every write and full build
    keeps the version it replaces, so running it again undoes the restore."""
    from glossa.indexer.store.versions import CURRENT

    termbase = termbase_at(index_dir)
    if show:
        for v in termbase.versions():
            mark = "*" if v.kind == CURRENT else " "
            out.print(f"{mark} generation {v.generation:>6}  {v.count:>8} entries  "
                      f"{v.built_at}  {v.kind}", highlight=False, soft_wrap=True)  # fmt: skip
        return
    manifest = termbase.restore(to)
    out.print(
        f"restored {'generation ' + str(to) if to is not None else 'the previous version'}: "
        f"{manifest.count} entries (now generation {manifest.generation}); the replaced "
        "version is kept, `glossa restore` again undoes this"
    )


@app.command()
def optimize(index_dir: IndexOption = None) -> None:
    """Merge every segment of the index into one, dropping deleted entries for good:
    the layout a fresh build gives, without embedding anything again."""
    current, merged = termbase_at(index_dir).optimize()
    if merged.generation == current.generation:
        out.print(f"nothing to optimize: one segment, no deleted entries "
                  f"(generation {current.generation} unchanged)")  # fmt: skip
        return
    out.print(
        f"merged {len(current.segments)} segment(s) into one: {merged.count} entries "
        f"(generation {merged.generation}); `glossa restore` undoes this"
    )


@app.command()
def publish(
    to: Annotated[
        Path, typer.Option("--to", help="Directory for the published index (a few files).")
    ],
    index_dir: IndexOption = None,
) -> None:
    """Copy the index into one Milvus collection (GLOSSA_MILVUS_URI): entries, BM25
    and vectors, so a server over --to holds memory independent of the corpus size.
    Search, equivalents, add, update and delete then take --index <that directory>."""
    termbase = termbase_at(index_dir)
    with embedding_progress() as (_, store_progress):
        manifest = termbase.publish(to, progress=store_progress)
    cut = f"; {manifest.cut_lexical} entries' lexical text cut at the token limit" if (
        manifest.cut_lexical) else ""  # fmt: skip
    out.print(
        f"published {manifest.count} entries to collection {manifest.collection} at "
        f"{manifest.milvus_uri}; search it with --index {to}{cut}",
        highlight=False,
    )


@app.command()
def check(
    repair: Annotated[
        bool,
        typer.Option(
            "--repair",
            help="Remove files no kept version names (left by a write that failed, e.g. on a "
            "full disk); never touches what a version needs.",
        ),
    ] = False,
    index_dir: IndexOption = None,
) -> None:
    """Verify every file of the index against the checksums in its manifest, and
    every entry record; exits 1 (with the fix) if anything is damaged."""
    termbase = termbase_at(index_dir)
    path = termbase.path.resolve()
    m, lost, left = termbase.check(repair)
    if repair and left:
        err.print(f"removed {len(left)} file(s) or folder(s) no version names")
        left = []
    if lost:
        raise fail(f"{len(lost)} damaged entry line(s), first: {lost[0]}")
    files = 1 + sum(len(i.sha256) + bool(i.deletes) for i in m.segments) + bool(m.reviews)
    out.print(f"ok: {files} files match their checksums; {m.count} entries "
              f"(generation {m.generation})")  # fmt: skip
    if left:
        err.print(Text.assemble(
            ("note:", "yellow"),
            f" {len(left)} file(s) or folder(s) no version names (left by a write that failed), "
            f"e.g. {left[0].relative_to(path)}; remove them with: glossa check --repair --index "
            f"{path}"), soft_wrap=True)  # fmt: skip



