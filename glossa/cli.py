"""The ``glossa`` command: a thin layer over the library (sqlite-utils style).

Every command has ``--help``; every user error ends in one clear line on stderr
and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import errno
import json
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text
from typer.core import TyperGroup

from glossa.corpus.errors import CorpusError
from glossa.errors import ErrorKind, GlossaError
from glossa.indexer.store.updates import ChangeError
from glossa.search.searcher import MAX_K
from glossa.settings import Settings


def _plain_flags() -> None:
    """Typer >= 0.2x prints a type column for every option, ``<bool>`` on flags,
    which take no value; show nothing there for flags."""
    from typer.core import TyperOption

    shown = TyperOption.display_type_rich
    if getattr(shown, "_glossa", False):
        return

    def display_type_rich(self, ctx):
        return None if self.is_flag else shown(self, ctx)

    display_type_rich._glossa = True  # type: ignore[attr-defined]
    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]


_plain_flags()

class _OneErrorHandler(TyperGroup):
    """Every command's user errors end here: one line on stderr and exit 1, never
    a traceback. A ``GlossaError`` is a message for the user whatever its kind; an
    ``OSError`` is a file the user named or a full disk."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (GlossaError, OSError) as exc:
            raise _fail(_said(exc)) from exc


app = typer.Typer(
    cls=_OneErrorHandler,
    help="Glossa: multilingual semantic search over customer-service / CX glossaries.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(soft_wrap=False)
err = Console(stderr=True)



def _settings() -> Settings:
    try:
        return Settings()
    except Exception as exc:  # pydantic ValidationError: bad GLOSSA_* variable
        raise _fail(f"invalid GLOSSA_* setting: {exc}") from exc


def _said(exc: Exception) -> str:
    """What to tell the user about a failure: a full disk in plain words, with
    what state the index is in (a write commits whole or not at all)."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        where = f" writing {exc.filename}" if exc.filename else ""
        return (
            f"no space left on device{where}; nothing was committed and the index is as it was "
            "before: free some space and run the command again"
        )
    return str(exc)


def _fail(message: str, code: int = 1) -> typer.Exit:
    """One line on stderr; ``message`` is printed as it is (never read as markup)."""
    err.print(Text.assemble(("error:", "bold red"), " ", message), highlight=False,
              soft_wrap=True)  # fmt: skip
    return typer.Exit(code)


def _notify(message: str) -> None:
    err.print(f"[dim]{message}[/]", highlight=False)


def _termbase(index_dir: Path | None, *, build_if_missing: bool = False,
              settings: Settings | None = None):  # fmt: skip
    """The termbase a command works on: the given index, or the default one
    (built on first use when asked, with a progress bar)."""
    from glossa.termbase import open_termbase

    with _embedding_progress() as (progress, store_progress):
        return open_termbase(
            index_dir, settings or _settings(), build_if_missing=build_if_missing,
            notify=_notify, progress=progress, store_progress=store_progress,
        )  # fmt: skip


def _reading(index_dir: Path | None, *, wait_for_graph: bool = False):
    """The termbase a reading command asks (the default index is built on first
    use). ``wait_for_graph``: a one-shot command about equivalents or concepts
    waits for the equivalence graph (a server answers 503)."""
    termbase = _termbase(index_dir, build_if_missing=index_dir is None)
    termbase.searcher.wait_for_graph = wait_for_graph
    return termbase


def _searcher(index_dir: Path | None, *, wait_for_graph: bool = False):
    """The current version's Searcher for a command."""
    return _reading(index_dir, wait_for_graph=wait_for_graph).searcher


IndexOption = Annotated[
    Path | None,
    typer.Option("--index", "-i", help="Index directory (default: GLOSSA_INDEX_DIR)."),
]
LayoutOption = Annotated[
    str | None, typer.Option(help="Parser for .txt files whose layout is not known by name.")
]
StrictOption = Annotated[
    bool, typer.Option("--strict", help="Refuse the whole import if any record is bad.")
]
EncodingOption = Annotated[
    str | None,
    typer.Option(help="Text encoding of CSV/JSONL/.txt files (default: UTF-8, or by BOM)."),
]
TitleOption = Annotated[
    str | None,
    typer.Option(
        help="Title of the glossary, shown instead of the file name (default: the "
        "TBX header's title, else the file name)."
    ),
]
GlossaryFiles = Annotated[
    list[Path], typer.Argument(help="Glossary files: .jsonl, .csv, .tbx (or a known .txt layout).")
]


@contextmanager
def _embedding_progress() -> Iterator[tuple]:
    """A progress bar on stderr for embedding (and storing) entries; yields the
    two callbacks ``build`` takes. Nothing is drawn unless a callback is called
    (a search over an existing index shows no bar)."""
    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )
    task = bar.add_task("Embedding entries", total=None)
    stored = bar.add_task("Storing vectors", total=None, visible=False)

    def progress(done: int, total: int) -> None:
        bar.start()  # idempotent: the first update starts the display
        bar.update(task, completed=done, total=total)

    def store_progress(done: int, total: int) -> None:
        bar.start()
        bar.update(stored, completed=done, total=total, visible=True)

    try:
        yield progress, store_progress
    finally:
        bar.stop()


def _check_inputs(paths: list[Path] | None) -> None:
    """Refuse missing or unreadable inputs before any model, bar or lock file."""
    for path in paths or []:
        if not path.exists():
            raise _fail(f"{path}: no such file")
        if path.is_dir():
            raise _fail(f"{path}: is a directory; pass the glossary files")


MAX_PROBLEMS_SHOWN = 20


def _report_skipped(result, shown: int = MAX_PROBLEMS_SHOWN) -> None:
    """The first ``shown`` problems with their place, then counts by kind: a file
    of a million bad records gives a screenful, not a million lines."""
    count = getattr(result, "problem_count", 0)
    if not count:
        return
    err.print(f"[yellow]skipped {count} bad record(s):[/]", highlight=False)
    for problem in result.problems[:shown]:
        err.print(f"  {str(problem)[:1000]}", highlight=False, soft_wrap=True)
    if count > shown:
        err.print(f"  ... and {count - shown} more; by kind:", highlight=False)
        for kind, n in result.problem_kinds.most_common(10):
            err.print(f"  {n:>9}  {kind}", highlight=False, soft_wrap=True)


def _validate_files(paths: list[Path], settings: Settings, layout, encoding) -> int:
    """``index --validate``: per file, the TBX checks and an import dry run."""
    from collections import Counter

    from glossa.corpus.sources import TBX_SUFFIXES, import_entries
    from glossa.corpus.tbx_validation import validate_tbx

    if not paths:
        raise _fail("--validate needs the files to check", code=2)
    failed = False
    for path in paths:
        if path.suffix.lower() in TBX_SUFFIXES:
            report = validate_tbx(path, [settings.schema_dir] if settings.schema_dir else [])
            for line in report.lines():
                out.print(line, highlight=False, soft_wrap=True)
            failed |= not report.valid
        try:
            result = import_entries([path], layout, encoding=encoding,
                                    max_bytes=settings.max_import_bytes)  # fmt: skip
        except CorpusError as exc:
            err.print(f"error: {exc}", highlight=False, soft_wrap=True)
            failed = True
            continue
        langs = Counter(e.lang for e in result.entries)
        concepts = len({e.concept or e.id for e in result.entries})
        borrowed = sum(1 for e in result.entries if e.definition_from)
        bare = sum(1 for e in result.entries if not e.definition)
        out.print(
            f"{path}: would import {len(result.entries)} entries of {concepts} concepts in "
            f"{len(langs)} language(s) ({', '.join(f'{k} {v}' for k, v in langs.most_common())}); "
            f"{borrowed} borrow their concept's definition, {bare} have none",
            highlight=False, soft_wrap=True,
        )  # fmt: skip
        _report_skipped(result)
        failed |= bool(result.problem_count)
    return 1 if failed else 0


def _print_change(report) -> None:
    out.print(
        f"added {len(report.added)}, updated {len(report.updated)}, deleted "
        f"{len(report.deleted)}, unchanged {len(report.unchanged)} "
        f"(embedded {report.embedded} texts); the index now holds {report.count} entries "
        f"(generation {report.generation})",
        highlight=False,
    )


@app.command()
def index(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Glossary files (.jsonl, .csv, or a bundled .txt layout). None: the bundled corpus."
        ),
    ] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", "-o", help="Index directory to write.")
    ] = None,
    layout: LayoutOption = None,
    strict: StrictOption = False,
    encoding: EncodingOption = None,
    title: TitleOption = None,
    validate: Annotated[
        bool,
        typer.Option(
            "--validate",
            help="Check the files and say what would be imported; index nothing. TBX files are "
            "also checked against their dialect and the schemas they declare.",
        ),
    ] = False,
    replace: Annotated[
        bool,
        typer.Option("--replace", help="Replace an index that holds entries of other sources "
                     "(added through the API or `glossa add`); `glossa restore` undoes it."),
    ] = False,
) -> None:
    """Parse glossaries, embed every entry, and write an index directory (atomically).

    Bad records are skipped and listed (file:line: reason); --strict refuses the
    whole import instead."""
    from glossa.runtime import build, make_encoder

    settings = _settings()
    target = out_dir or settings.index_dir
    _check_inputs(paths)
    if validate:
        raise typer.Exit(_validate_files(paths or [], settings, layout, encoding))
    started = time.perf_counter()
    encoder = make_encoder(settings, _notify)
    with _embedding_progress() as (progress, store_progress):
        manifest, imported = build(
            settings,
            encoder,
            target,
            paths or [],
            layout,
            progress=progress,
            strict=strict,
            encoding=encoding,
            store_progress=store_progress,
            title=title,
            replace=replace,
        )
    _report_skipped(imported)
    out.print(f"[bold]Indexed {manifest.count} entries[/] (generation {manifest.generation}) into",
              highlight=False)
    out.print(f"  {target}", highlight=False, soft_wrap=True)
    table = Table()
    table.add_column("glossary")
    table.add_column("entries", justify="right")
    from glossa.corpus.titles import titles_for

    titles = titles_for(manifest.sources, manifest.source_titles)
    for source, count in manifest.sources.items():
        table.add_row(titles[source].title, str(count))
    out.print(table)
    out.print(
        f"embedding + index: {manifest.build_seconds:.1f} s; "
        f"total with model load: {time.perf_counter() - started:.1f} s"
    )


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="What to look for, in any language.")],
    k: Annotated[int, typer.Option("-k", min=1, max=MAX_K, help="How many hits.")] = 10,
    lang: Annotated[
        list[str] | None, typer.Option("--lang", "-l", help="Only these languages (repeatable).")
    ] = None,
    source: Annotated[
        list[str] | None,
        typer.Option("--source", "-s", help="Only these glossary files (repeatable)."),
    ] = None,
    mode: Annotated[
        str | None,
        typer.Option("--mode", "-m", help="dense | lexical | hybrid (default: GLOSSA_MODE)."),
    ] = None,
    by_concept: Annotated[
        bool, typer.Option("--by-concept", help="The first K concepts, each with its entries.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    index_dir: IndexOption = None,
) -> None:
    """Search all glossaries, across languages. Builds the default index on first use."""
    started = time.perf_counter()
    searcher = _searcher(index_dir, wait_for_graph=by_concept)  # concepts need the graph
    searcher.encoder.encode_queries(
        ["warm-up"]
    )  # model weights in, so the search is timed alone
    loaded = time.perf_counter() - started
    if by_concept:
        concepts = searcher.search_concepts(
            query, k=k, lang=lang or None, source=source or None, mode=mode
        )
    else:
        response = searcher.search_response(
            query, k=k, lang=lang or None, source=source or None, mode=mode
        )
    if by_concept:
        _print_concepts(query, concepts, as_json)
        return
    if as_json:
        sys.stdout.write(json.dumps(response.to_dict(), ensure_ascii=False) + "\n")
        return
    out.print(
        f"[bold]{len(response.hits)} hits[/] for {query!r}: search {response.took_ms:.0f} ms "
        f"(start-up: model and index loaded in {loaded:.1f} s)",
        highlight=False,
    )
    for hit in response.hits:
        _print_hit(hit, f"{hit.rank:>3}  {hit.score:5.2f}  ")


def _print_concepts(query: str, concepts, as_json: bool) -> None:
    if as_json:
        payload = {"query": query, "group": "concept", "concepts": [c.to_dict() for c in concepts]}
        sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
        return
    out.print(f"[bold]{len(concepts)} concepts[/] for {query!r}", highlight=False)
    for concept in concepts:
        out.print(Text.assemble((f"{concept.rank:>3}  {concept.score:5.2f}  ", ""),
                                (concept.id, "magenta")), no_wrap=True)  # fmt: skip
        for hit in concept.hits:
            _print_hit(hit, "       ", indent=9)


def _print_hit(hit, prefix: str, indent: int = 7) -> None:
    """One hit: its line (language, term, other names, status, glossary) and the
    start of its definition, each cut to the terminal's width."""
    also = ", ".join([*hit.aliases, *([hit.english] if hit.english else [])])
    line = Text(prefix)
    line.append(hit.lang, style="bold cyan")
    line.append("  ")
    line.append(hit.term, style="bold")
    if also:
        line.append(f"  ({also})", style="green")
    if hit.discouraged:
        line.append(f"  {hit.status or 'deprecated'}" if hit.term in hit.discouraged
                    else f"  deprecated: {', '.join(hit.discouraged)}", style="red")  # fmt: skip
    line.append(f"  [{hit.source_title or hit.source}]", style="dim")
    line.truncate(out.width - 1, overflow="ellipsis")  # one line, whatever the width
    out.print(line, no_wrap=True)
    if not hit.definition:
        return  # a termbase term without any definition
    definition = " ".join(hit.definition.split())
    if hit.definition_from:
        definition = f"({hit.definition_from}) {definition}"
    snippet = Text(" " * indent + definition, style="dim")
    snippet.truncate(out.width - 1, overflow="ellipsis")  # by terminal cells: CJK is double width
    out.print(snippet, no_wrap=True)


@app.command()
def add(
    paths: GlossaryFiles,
    upsert: Annotated[
        bool, typer.Option("--upsert", help="Replace entries whose id already exists.")
    ] = False,
    layout: LayoutOption = None,
    strict: StrictOption = False,
    encoding: EncodingOption = None,
    title: TitleOption = None,
    index_dir: IndexOption = None,
) -> None:
    """Add entries to an existing index; only the new entries are embedded.

    Re-adding an identical entry changes nothing; an existing id with different
    content is refused unless --upsert. A running server picks the change up."""
    from glossa.corpus.sources import import_entries

    settings = _settings()
    result = import_entries(
        paths, layout, strict=strict, encoding=encoding, title=title,
        max_bytes=settings.max_import_bytes,
    )  # fmt: skip
    _report_skipped(result)
    if not result.entries:
        raise _fail("no valid entries to add")
    report = _termbase(index_dir, settings=settings).change(
        add=result.entries, upsert=upsert,
        source_titles={k: v.to_dict() for k, v in result.titles.items()},
    )  # fmt: skip
    _print_change(report)


@app.command()
def update(
    entry_id: Annotated[str, typer.Argument(help="Id of the entry to change.")],
    term: Annotated[str | None, typer.Option(help="New term.")] = None,
    definition: Annotated[str | None, typer.Option(help="New definition.")] = None,
    alias: Annotated[
        list[str] | None,
        typer.Option("--alias", help="Aliases (repeatable); replaces all. --alias '' clears."),
    ] = None,
    english: Annotated[str | None, typer.Option(help="English equivalent ('' clears).")] = None,
    category: Annotated[str | None, typer.Option(help="Subject field ('' clears).")] = None,
    concept: Annotated[str | None, typer.Option(help="Concept id ('' clears).")] = None,
    lang: Annotated[str | None, typer.Option(help="Language code.")] = None,
    source: Annotated[str | None, typer.Option(help="Glossary name.")] = None,
    index_dir: IndexOption = None,
) -> None:
    """Change fields of one entry (its id stays); only its changed texts are embedded."""
    from glossa.corpus.importers import entry_from_record
    changes = {
        "term": term, "definition": definition, "english": english, "category": category,
        "concept": concept, "lang": lang, "source": source,
        "aliases": None if alias is None else [a for a in alias if a.strip()],
    }  # fmt: skip
    changes = {k: v for k, v in changes.items() if v is not None}
    if not changes:
        raise _fail("nothing to change; pass at least one of --term, --definition, --alias, ...", 2)
    termbase = _termbase(index_dir)
    old = termbase.get(entry_id)
    if old is None:
        raise ChangeError(f"no entry with id {entry_id!r}", ErrorKind.NOT_FOUND)
    record = {**old.to_dict(), **changes}
    edited = entry_from_record(record, source="command line", line=0, default_source=old.source)
    report = termbase.change(update=[edited])
    _print_change(report)


@app.command()
def delete(
    entry_ids: Annotated[list[str], typer.Argument(help="Ids of the entries to delete.")],
    index_dir: IndexOption = None,
) -> None:
    """Delete entries: their vectors and lexical postings go; no model is loaded."""
    report = _termbase(index_dir).change(delete=entry_ids)
    _print_change(report)


@app.command()
def rebuild(index_dir: IndexOption = None) -> None:
    """Embed an index's own entries again: after changing GLOSSA_MODEL / GLOSSA_DOC_TEXT /
    GLOSSA_INDEX_KIND, or when a vector file is damaged. Atomic: a running server
    keeps answering from the old index until the new one is in place."""
    termbase = _termbase(index_dir)
    target = termbase.path
    report = termbase.rebuild()
    _print_recovery(report.lost, report.lost_ids, report.unnamed, report.lost_file)
    manifest = report.manifest
    out.print(
        f"re-embedded {manifest.count} entries into {target} in {manifest.build_seconds:.1f} s "
        f"(generation {manifest.generation})"
    )


SHOWN_LOST = 20  # lost ids printed; the file beside the index names them all


def _print_recovery(
    problems: list[str], lost_ids: Sequence[str], unnamed: int, lost_file: Path | None
) -> None:
    """What a recovery could not read: the problems, then the lost entries by id."""
    if not problems and not lost_ids and not unnamed:
        return
    err.print(f"[yellow]kept every readable entry; {len(problems)} problem(s):[/]", highlight=False)
    for line in problems:
        err.print(f"  {line}", highlight=False, soft_wrap=True)
    if lost_ids:
        shown = ", ".join(lost_ids[:SHOWN_LOST]) + (", …" if len(lost_ids) > SHOWN_LOST else "")
        where = f" (all of them in {lost_file})" if lost_file else ""
        err.print(
            f"[yellow]{len(lost_ids)} entr{'y' if len(lost_ids) == 1 else 'ies'} could not be "
            f"read{where}; restore them from a source glossary or an export:[/] {shown}",
            highlight=False, soft_wrap=True,
        )  # fmt: skip
    if unnamed:
        err.print(f"[yellow]{unnamed} more entr{'y' if unnamed == 1 else 'ies'} could not be read "
                  "and no id of them is on record[/]", highlight=False)  # fmt: skip


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
        raise _fail(f"unknown format {fmt!r}; supported: {', '.join(EXPORT_FORMATS)}", code=2)
    from glossa.corpus.tbx import TBX_STYLES

    if style not in TBX_STYLES:
        raise _fail(f"unknown TBX style {style!r}; supported: {', '.join(TBX_STYLES)}", code=2)
    termbase = _termbase(index_dir)
    if salvage and equivalents:
        raise _fail("--equivalents needs the index's vectors; --salvage reads entries only", code=2)
    if salvage:
        entries, snapshot = termbase.salvage(lang=lang, source=source)
        _print_recovery(snapshot.lost, snapshot.lost_ids, snapshot.unnamed, None)
    else:
        entries = termbase.export(lang=lang, source=source, equivalents=equivalents)
    if not entries:
        raise _fail("no entries match the filters")
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
    termbase = _termbase(index_dir)
    table = Table(title=Text(f"Index {termbase.path}"), show_header=False)
    for key, value in termbase.info().items():
        if isinstance(value, dict):
            value = ", ".join(f"{k}: {v}" for k, v in value.items())
        table.add_row(key, str(value))
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

    termbase = _termbase(index_dir)
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
    current, merged = _termbase(index_dir).optimize()
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
    termbase = _termbase(index_dir)
    with _embedding_progress() as (_, store_progress):
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
    termbase = _termbase(index_dir)
    path = termbase.path.resolve()
    m, lost, left = termbase.check(repair)
    if repair and left:
        err.print(f"removed {len(left)} file(s) or folder(s) no version names")
        left = []
    if lost:
        raise _fail(f"{len(lost)} damaged entry line(s), first: {lost[0]}")
    files = 1 + sum(len(i.sha256) + bool(i.deletes) for i in m.segments) + bool(m.reviews)
    out.print(f"ok: {files} files match their checksums; {m.count} entries "
              f"(generation {m.generation})")  # fmt: skip
    if left:
        err.print(
            f"[yellow]note:[/] {len(left)} file(s) or folder(s) no version names (left by a "
            f"write that failed), e.g. {left[0].relative_to(path)}; remove them with: "
            f"glossa check --repair --index {path}",
            highlight=False, soft_wrap=True,
        )  # fmt: skip


@app.command()
def equivalents(
    entry_id: Annotated[str, typer.Argument(help="Entry id (see `glossa search --json`).")],
    candidates: Annotated[
        bool, typer.Option("--candidates", help="Also list each language's candidates for review.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    index_dir: IndexOption = None,
) -> None:
    """Confirmed equivalents of ENTRY_ID in other languages (and candidates to review)."""
    searcher = _searcher(index_dir, wait_for_graph=True)
    entry = searcher.get(entry_id)
    found = searcher.equivalents(entry_id)
    proposed = searcher.candidates(entry_id) if candidates or as_json else {}
    stale = searcher.stale_reviews(entry_id)
    assert entry is not None
    if as_json:
        payload = {
            "entry": entry.to_dict(),
            "equivalents": [e.to_dict() for e in found],
            "candidates": {lang: [c.to_dict() for c in cs] for lang, cs in proposed.items()},
            "stale_reviews": [{"id": other, "decision": d} for other, d in stale],
        }
        sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
        return
    out.print(Text.assemble((entry.term, "bold"), f"  [{entry.lang}, {entry.source}]"))
    if not found:
        out.print("  no confirmed equivalents" + ("" if candidates else " (see --candidates)"))
    for eq in found:
        line = _equivalent_line(eq.hit, eq.status)
        if eq.shared_names:
            line.append(f"  shares: {', '.join(eq.shared_names)}", style="yellow")
        out.print(line)
    for other, decision in stale:
        out.print(Text(f"  stale review: {decision} with {other}, but an entry changed since; "
                       f"not applied (review the pair again)", style="red"))  # fmt: skip
    for lang, cs in proposed.items():
        out.print(Text(f"candidates in {lang}:", style="bold"))
        for c in cs:
            line = _equivalent_line(c.hit, c.status or "", f"p={c.probability:.2f}")
            line.append(f"  margin {c.margin:+.2f}{'  mutual' if c.mutual else ''}", style="dim")
            if c.shared_names:
                line.append(f"  shares: {', '.join(c.shared_names)}", style="yellow")
            out.print(line)
    if proposed:
        out.print(Text("accept or reject with: glossa review accept|reject ID ID", style="dim"))


@app.command()
def concept(
    concept_id: Annotated[
        str, typer.Argument(help="A concept id (see `glossa search --by-concept`) or an entry id.")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    index_dir: IndexOption = None,
) -> None:
    """Every entry of a concept in every language, and how each joined it."""
    record = _searcher(index_dir, wait_for_graph=True).concept(concept_id)
    if as_json:
        sys.stdout.write(json.dumps(record.to_dict(), ensure_ascii=False) + "\n")
        return
    out.print(Text.assemble(("concept ", "bold"), (record.id, "magenta"),
                            f"  (seen from {record.anchor})"))  # fmt: skip
    for member in sorted(record.members, key=lambda m: (m.joined != "anchor", m.hit.lang)):
        joined = member.joined if member.probability is None else (
            f"{member.joined} p={member.probability:.2f}")  # fmt: skip
        out.print(_equivalent_line(member.hit, joined))


def _equivalent_line(hit, status: str, prefix: str = "") -> Text:
    line = Text(f"  {prefix or f'{hit.score:5.2f}'}  ")
    line.append(hit.lang, style="bold cyan")
    line.append("  ")
    line.append(hit.term, style="bold")
    if hit.english:
        line.append(f"  ({hit.english})", style="green")
    line.append(f"  {hit.id}", style="dim")
    if status:
        line.append(f"  [{status}]", style="magenta")
    return line


@app.command()
def recognize(
    file: Annotated[str, typer.Argument(help="A UTF-8 text file, or - for standard input.")],
    target: Annotated[
        list[str] | None,
        typer.Option("--target", "-t", help="Show equivalents in these languages (repeatable)."),
    ] = None,
    lang: Annotated[
        str | None, typer.Option("--lang", "-l", help="The text's language (default: detected).")
    ] = None,
    mode: Annotated[
        str | None,
        typer.Option(
            help="exact | inflected | prefix (default: inflected where a lemmatiser "
            "covers the language)."
        ),
    ] = None,
    every: Annotated[
        bool, typer.Option("--all", help="Every occurrence, not only the longest ones.")
    ] = False,
    any_case: Annotated[
        bool, typer.Option("--any-case", help="Acronyms and short terms in any case, too.")
    ] = False,
    semantic: Annotated[
        bool,
        typer.Option("--semantic", help="Also phrases that mean a term (embeds them; 400 words at most)."),
    ] = False,
    output: Annotated[str, typer.Option("--format", "-f", help="text | json | html")] = "text",
    index_dir: IndexOption = None,
) -> None:
    """The termbase's terms in a text (inflected forms too), with their equivalents."""
    from glossa.recognition.render import describe, to_html
    from glossa.recognition.texts import read_text

    if output not in ("text", "json", "html"):
        raise _fail(f"unknown --format {output!r}; valid: text, json, html")
    if file == "-":
        text = read_text(sys.stdin.buffer, "standard input")
    else:
        with open(file, "rb") as stream:
            text = read_text(stream, file)
    recognizer = _reading(index_dir, wait_for_graph=True).recognizer()
    found = recognizer.recognize(text, lang, target or None, mode, every, semantic,
                                 cased=not any_case)  # fmt: skip
    if output == "json":
        sys.stdout.write(json.dumps(found.to_dict(), ensure_ascii=False) + "\n")
    elif output == "html":
        sys.stdout.write(to_html(text, found))
    else:
        out.print(f"[bold]{len(found.matches)} terms[/] in {found.lang or 'an unknown language'} "
                  f"({found.mode})", highlight=False)  # fmt: skip
        for m in found.matches:
            line = Text(f"  {m.start:>6}  ")
            line.append(m.text, style="bold red" if m.discouraged else "bold")
            line.append(f"  {describe(m)}", style="dim" if not m.discouraged else "red")
            out.print(line)


@app.command()
def qa(
    file: Annotated[Path, typer.Argument(help="A bilingual file: XLIFF 1.2/2.x, PO or TMX.")],
    source_lang: Annotated[
        str | None, typer.Option(help="The source language (default: what the file says).")
    ] = None,
    target_lang: Annotated[
        str | None, typer.Option(help="The target language (default: what the file says).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    index_dir: IndexOption = None,
) -> None:
    """Terminology check of a translation: is each source term translated with
    an approved equivalent, and are discouraged terms used? Exit code 2 when a
    segment has a problem (for CI), 1 on an error."""
    from glossa.recognition.bilingual import read_bilingual
    from glossa.recognition.translation_qa import MISSING, USED, check_segment

    bilingual = read_bilingual(file)
    source = source_lang or bilingual.source_lang
    target = target_lang or bilingual.target_lang
    if not source or not target:
        raise _fail(f"{file} does not say its {'source' if not source else 'target'} "
                    "language: give --source-lang and --target-lang")  # fmt: skip
    recognizer = _reading(index_dir, wait_for_graph=True).recognizer()
    checks = [check_segment(recognizer, s.source, s.target, source, target, s.id, s.where)
              for s in bilingual.segments]  # fmt: skip
    terms = [t for c in checks for t in c.terms]
    summary = {
        "file": str(file), "source_lang": source, "target_lang": target,
        "segments": len(checks), "untranslated": bilingual.untranslated,
        "with_problems": sum(c.problems > 0 for c in checks), "terms": len(terms),
        "used": sum(t.verdict == USED for t in terms),
        "missing": sum(t.verdict == MISSING for t in terms),
        "discouraged": sum(len(c.discouraged) for c in checks),
    }  # fmt: skip
    if as_json:
        sys.stdout.write(json.dumps({**summary, "checks": [c.to_dict() for c in checks]},
                                    ensure_ascii=False) + "\n")  # fmt: skip
    else:
        for c in checks:
            for t in c.terms:
                if t.verdict == MISSING:
                    wanted = " or ".join(e.term for e in t.approved)
                    out.print(f"{c.where}: [red]missing[/] {t.source.text!r} → {wanted}",
                              highlight=False)  # fmt: skip
            for m in c.discouraged:
                out.print(f"{c.where}: [red]discouraged[/] {m.text!r} ({m.status})", highlight=False)
        out.print(f"{summary['segments']} segments ({summary['untranslated']} untranslated "
                  f"skipped): {summary['terms']} source terms, {summary['used']} with an approved "
                  f"equivalent, {summary['missing']} missing, {summary['discouraged']} "
                  f"discouraged target terms", highlight=False)  # fmt: skip
    if summary["with_problems"]:
        raise typer.Exit(2)


@app.command()
def lint(
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="Findings listed per check.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    index_dir: IndexOption = None,
) -> None:
    """Termbase QA: duplicate concepts and homonyms, several preferred terms,
    deprecated terms preferred elsewhere, entries linked into two concepts, weak
    links, missing languages, missing definitions. Exit code 2 when a problem
    (not a note) is found."""
    report = _reading(index_dir, wait_for_graph=True).check_termbase(limit)
    if as_json:
        sys.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False) + "\n")
    else:
        out.print(f"[bold]{report.entries} entries, {report.concepts} concepts[/] "
                  f"({', '.join(report.languages)}): {report.problems} problems", highlight=False)  # fmt: skip
        for check in report.checks.values():
            kind = "[red]problem[/]" if check.problem else "[dim]note[/]"
            out.print(f"{check.count:>6}  {check.name}  {kind}  [dim]{check.description}[/]",
                      highlight=False)  # fmt: skip
            for item in check.items:
                out.print(f"          {json.dumps(item, ensure_ascii=False)}", highlight=False)
            if check.count > len(check.items):
                out.print(f"          … {check.count - len(check.items)} more (--limit)", style="dim")
    if report.problems:
        raise typer.Exit(2)


@app.command()
def review(
    decision: Annotated[str, typer.Argument(help="accept or reject")],
    entry_a: Annotated[str, typer.Argument(help="An entry id.")],
    entry_b: Annotated[str, typer.Argument(help="An entry id in another language.")],
    index_dir: IndexOption = None,
) -> None:
    """Accept or reject ENTRY_A and ENTRY_B as equivalents. Accepted links are
    confirmed; rejected pairs are never proposed again; both survive rebuilds."""
    decisions = {"accept": "accepted", "reject": "rejected"}
    if decision not in decisions:
        raise _fail(f"decision must be accept or reject, not {decision!r}", code=2)
    generation, changed = _termbase(index_dir).review(entry_a, entry_b, decisions[decision])
    verb = decisions[decision] if changed else f"already {decisions[decision]}"
    out.print(f"{entry_a} ↔ {entry_b}: {verb} (generation {generation})")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    index_dir: IndexOption = None,
) -> None:
    """Start the HTTP API and the web search page (uvicorn). Builds the default index if needed."""
    from glossa.api.app import create_app
    from glossa.api.http import serve as serve_app

    settings = _settings()
    if index_dir is not None:
        settings = settings.model_copy(update={"index_dir": index_dir})
    app_ = create_app(settings)
    err.print(
        f"Glossa on http://{host}:{port}/  (API docs: /docs; /health says when the model is loaded)"
    )
    try:
        serve_app(app_, host, port, settings.header_timeout)
    except OSError as exc:
        raise _fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc


def _default_dataset() -> Path:
    return Path(__file__).resolve().parent.parent / "benchmarks" / "gold" / "beir"


@app.command("eval")
def evaluate(
    dataset: Annotated[
        Path | None,
        typer.Argument(
            help="BEIR-layout directory (corpus.jsonl, queries.jsonl, qrels/test.tsv). Default: the bundled gold set."
        ),
    ] = None,
    modes: Annotated[
        list[str] | None,
        typer.Option("--mode", "-m", help="Modes to evaluate (repeatable; default: all)."),
    ] = None,
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Where runs and tables are written (default: eval-results beside the index).",
        ),
    ] = None,
    name: Annotated[str | None, typer.Option(help="File name stem of the results.")] = None,
    split: Annotated[
        str,
        typer.Option(
            help="Which judgments: qrels/<split>.tsv. The gold set has test (the report part), "
            "dev (the tuning part) and all."
        ),
    ] = "test",
) -> None:
    """nDCG@10, Recall@10, MRR@10, Recall@100 (ranx), overall and per query language and kind."""
    from glossa.runtime import evaluate as run_evaluation
    from glossa.search.evaluation import markdown_table
    from glossa.search.searcher import MODES

    settings = _settings()
    dataset = dataset or _default_dataset()
    chosen = modes or list(MODES)
    unknown = sorted(set(chosen) - set(MODES))
    if unknown:
        raise _fail(f"unknown mode {', '.join(unknown)}; valid: {', '.join(MODES)}", code=2)
    reports, files = run_evaluation(
        settings,
        dataset,
        chosen,
        out_dir or settings.index_dir.parent / "eval-results",
        name=name,
        split=split,
        notify=_notify,
    )
    out.print(markdown_table(reports), highlight=False, soft_wrap=True)
    for path in files:
        err.print(f"wrote {path}")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
