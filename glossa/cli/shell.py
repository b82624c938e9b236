"""The shell every command shares: the typer app, its consoles, the one error
handler, opening a termbase, progress bars and the common options.

Every user error ends in one clear line on stderr and a non-zero exit, never a
traceback; every string from a termbase, a file or a path is printed as it is
(``rich.text.Text``), never read as markup."""

from __future__ import annotations

import errno
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text
from typer.core import TyperGroup

from glossa.errors import GlossaError
from glossa.settings import Settings


def plain_flags() -> None:
    """Recent Typer prints a type column for every option, ``<bool>`` on flags,
    which take no value; show nothing there for flags."""
    from typer.core import TyperOption

    shown = TyperOption.display_type_rich
    if getattr(shown, "_glossa", False):
        return

    def display_type_rich(self, ctx):
        return None if self.is_flag else shown(self, ctx)

    display_type_rich._glossa = True  # type: ignore[attr-defined]
    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]


plain_flags()

class OneErrorHandler(TyperGroup):
    """Every command's user errors end here: one line on stderr and exit 1, never
    a traceback. A ``GlossaError`` is a message for the user whatever its kind; an
    ``OSError`` is a file the user named or a full disk."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (GlossaError, OSError) as exc:
            raise fail(said(exc)) from exc


app = typer.Typer(
    cls=OneErrorHandler,
    help="Glossa: multilingual semantic search over customer-service / CX glossaries.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# C0 and C1 controls (ESC starts every terminal escape sequence: colours, OSC 8
# hyperlinks, cursor moves) shown as \xNN; newlines and tabs stay
_CONTROLS = {c: f"\\x{c:02x}" for c in (*range(0x00, 0x20), *range(0x7F, 0xA0))
             if chr(c) not in "\n\t"}  # fmt: skip


def shown(text: str) -> str:
    """``text`` as a terminal may show it: every control character written out."""
    return text.translate(_CONTROLS)


class LiteralConsole(Console):
    """A console that never interprets what it prints: no markup (``[/]``,
    ``[link=...]``), no emoji codes, no highlighting, and no control character
    from data reaches the terminal. Styling is Glossa's own, through ``Text``."""

    def __init__(self, **kwargs) -> None:
        super().__init__(markup=False, emoji=False, highlight=False, **kwargs)

    def print(self, *objects, **kwargs) -> None:  # type: ignore[override]
        kwargs.pop("highlight", None)
        super().print(*(literal(o) for o in objects), **kwargs)


def literal(value):
    """A string or ``Text`` with its control characters written out (styles kept
    when there were none to write out)."""
    if isinstance(value, str):
        return Text(shown(value))
    if isinstance(value, Text) and shown(value.plain) != value.plain:
        return Text(shown(value.plain), style=value.style)
    return value


out = LiteralConsole(soft_wrap=False)
err = LiteralConsole(stderr=True)



def load_settings() -> Settings:
    try:
        return Settings()
    except Exception as exc:  # pydantic ValidationError: bad GLOSSA_* variable
        raise fail(f"invalid GLOSSA_* setting: {exc}") from exc


def said(exc: Exception) -> str:
    """What to tell the user about a failure: a full disk in plain words, with
    what state the index is in (a write commits whole or not at all)."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        where = f" writing {exc.filename}" if exc.filename else ""
        return (
            f"no space left on device{where}; nothing was committed and the index is as it was "
            "before: free some space and run the command again"
        )
    return str(exc)


def fail(message: str, code: int = 1) -> typer.Exit:
    """One line on stderr; ``message`` is printed as it is (never read as markup)."""
    err.print(Text.assemble(("error:", "bold red"), " ", message), soft_wrap=True)
    return typer.Exit(code)


def notify(message: str) -> None:
    err.print(message, style="dim")


def termbase_at(index_dir: Path | None, *, build_if_missing: bool = False,
              settings: Settings | None = None):  # fmt: skip
    """The termbase a command works on: the given index, or the default one
    (built on first use when asked, with a progress bar)."""
    from glossa.termbase import open_termbase

    settings = settings or load_settings()
    index_dir = named_or_path(index_dir, settings)
    with embedding_progress() as (progress, store_progress):
        return open_termbase(
            index_dir, settings, build_if_missing=build_if_missing,
            notify=notify, progress=progress, store_progress=store_progress,
        )  # fmt: skip


def named_or_path(index_dir: Path | None, settings: Settings) -> Path | None:
    """``--index`` names a folder, or a termbase of the shelf (``glossa termbase
    list``) when no such folder exists."""
    if index_dir is None or index_dir.exists():
        return index_dir
    from glossa.shelf import NAME_PATTERN, Shelf

    if re.fullmatch(NAME_PATTERN, str(index_dir)):
        shelf = Shelf(settings)
        if str(index_dir) in shelf.names():
            return shelf.path(str(index_dir))
    return index_dir


def reading_termbase(index_dir: Path | None, *, wait_for_graph: bool = False):
    """The termbase a reading command asks (the default index is built on first
    use). ``wait_for_graph``: a one-shot command about equivalents or concepts
    waits for the equivalence graph (a server answers 503)."""
    termbase = termbase_at(index_dir, build_if_missing=index_dir is None)
    termbase.searcher.wait_for_graph = wait_for_graph
    return termbase


def searcher_at(index_dir: Path | None, *, wait_for_graph: bool = False):
    """The current version's Searcher for a command."""
    return reading_termbase(index_dir, wait_for_graph=wait_for_graph).searcher


IndexOption = Annotated[
    Path | None,
    typer.Option("--index", "-i", help="Index directory, or a termbase's name (glossa termbase "
                 "list); default: GLOSSA_INDEX_DIR."),
]
LayoutOption = Annotated[
    str | None, typer.Option(help="Parser for .txt files whose layout is not known by name.")
]
StrictOption = Annotated[
    bool, typer.Option("--strict", help="Refuse the whole import if any record is bad.")
]
SkipBadOption = Annotated[
    bool,
    typer.Option("--skip-bad", help="Import the good records and exit 0 when some are skipped "
                 "(without it: exit 2, the good records imported, the bad ones listed)."),
]  # fmt: skip
SKIPPED_EXIT = 2  # an import that skipped records: done, but not all of it
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
def embedding_progress() -> Iterator[tuple]:
    """A progress bar on stderr for embedding (and storing) entries; yields the
    two callbacks ``build`` takes. Nothing is drawn, or even imported, unless a
    callback is called (a search over an existing index shows no bar)."""
    bars: list = []

    def bar():
        if not bars:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            made = Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                            MofNCompleteColumn(), TimeElapsedColumn(), console=err,
                            transient=False)  # fmt: skip
            bars.append((made, made.add_task("Embedding entries", total=None),
                         made.add_task("Storing vectors", total=None, visible=False)))  # fmt: skip
            made.start()
        return bars[0]

    def progress(done: int, total: int) -> None:
        made, task, _ = bar()
        made.update(task, completed=done, total=total)

    def store_progress(done: int, total: int) -> None:
        made, _, stored = bar()
        made.update(stored, completed=done, total=total, visible=True)

    try:
        yield progress, store_progress
    finally:
        if bars:
            bars[0][0].stop()


@contextmanager
def reading_progress(description: str) -> Iterator:
    """A progress bar on stderr over a file's bytes; yields its callback
    ``(bytes read, size)``. Drawn on a terminal only, and only once called."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                   TextColumn("{task.percentage:>3.0f}%"), TimeElapsedColumn(),
                   console=err, transient=True)  # fmt: skip
    task = bar.add_task(description, total=None)

    def progress(done: int, total: int) -> None:
        bar.start()
        bar.update(task, completed=done, total=total)

    try:
        yield progress
    finally:
        bar.stop()


def check_inputs(paths: list[Path] | None) -> None:
    """Refuse missing or unreadable inputs before any model, bar or lock file."""
    for path in paths or []:
        if not path.exists():
            raise fail(f"{path}: no such file")
        if path.is_dir():
            raise fail(f"{path}: is a directory; pass the glossary files")


MAX_PROBLEMS_SHOWN = 20


def report_skipped(result, shown: int = MAX_PROBLEMS_SHOWN) -> None:
    """What the import read differently (a delimiter, language tags: once per
    kind), then the first ``shown`` problems with their place and counts by kind:
    a file of a million bad records gives a screenful, not a million lines."""
    for line in result.note_lines():
        err.print(f"note: {line}", soft_wrap=True)
    count = result.problem_count
    if not count:
        return
    err.print(f"skipped {count} bad record(s):", style="yellow")
    for problem in result.problems[:shown]:
        err.print(f"  {str(problem)[:1000]}", highlight=False, soft_wrap=True)
    if count > shown:
        err.print(f"  ... and {count - shown} more; by kind:", highlight=False)
        for kind, n in result.problem_kinds.most_common(10):
            err.print(f"  {n:>9}  {kind}", highlight=False, soft_wrap=True)



def skipped_exit(result, skip_bad: bool) -> None:
    """An import that skipped records ends with exit 2 unless asked to proceed."""
    if result.problem_count and not skip_bad:
        err.print(f"{result.problem_count} record(s) skipped (listed above); the good ones were "
                  "imported. Fix them, or pass --skip-bad to accept this (exit 0).",
                  style="yellow")  # fmt: skip
        raise typer.Exit(SKIPPED_EXIT)


def print_change(report) -> None:
    out.print(
        f"added {len(report.added)}, updated {len(report.updated)}, deleted "
        f"{len(report.deleted)}, unchanged {len(report.unchanged)} "
        f"(embedded {report.embedded} texts); the index now holds {report.count} entries "
        f"(generation {report.generation})",
        highlight=False,
    )



SHOWN_LOST = 20  # lost ids printed; the file beside the index names them all


def print_recovery(
    problems: list[str], lost_ids: Sequence[str], unnamed: int, lost_file: Path | None
) -> None:
    """What a recovery could not read: the problems, then the lost entries by id."""
    if not problems and not lost_ids and not unnamed:
        return
    err.print(f"kept every readable entry; {len(problems)} problem(s):", style="yellow")
    for line in problems:
        err.print(f"  {line}", highlight=False, soft_wrap=True)
    if lost_ids:
        listed = ", ".join(lost_ids[:SHOWN_LOST]) + (", …" if len(lost_ids) > SHOWN_LOST else "")
        where = f" (all of them in {lost_file})" if lost_file else ""
        err.print(Text.assemble(
            (f"{len(lost_ids)} entr{'y' if len(lost_ids) == 1 else 'ies'} could not be "
             f"read{where}; restore them from a source glossary or an export:", "yellow"),
            f" {listed}"), soft_wrap=True)  # fmt: skip
    if unnamed:
        err.print(f"{unnamed} more entr{'y' if unnamed == 1 else 'ies'} could not be read "
                  "and no id of them is on record", style="yellow")  # fmt: skip



