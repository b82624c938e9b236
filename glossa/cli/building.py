"""Commands that build and change a termbase: index, add, update, delete, rebuild, review."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from glossa.cli.shell import (
    EncodingOption,
    GlossaryFiles,
    IndexOption,
    LayoutOption,
    SkipBadOption,
    StrictOption,
    TitleOption,
    app,
    check_inputs,
    embedding_progress,
    err,
    fail,
    load_settings,
    notify,
    out,
    print_change,
    print_recovery,
    report_skipped,
    shown,
    skipped_exit,
    termbase_at,
)
from glossa.corpus.errors import CorpusError
from glossa.errors import ErrorKind
from glossa.indexer.store.change_error import ChangeError
from glossa.settings import Settings


def validate_files(paths: list[Path], settings: Settings, layout, encoding) -> int:
    """``index --validate``: per file, the TBX checks and an import dry run."""
    from collections import Counter

    from glossa.corpus.sources import TBX_SUFFIXES, import_entries
    from glossa.corpus.tbx_validation import validate_tbx

    if not paths:
        raise fail("--validate needs the files to check", code=2)
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
        report_skipped(result)
        failed |= bool(result.problem_count)
    return 1 if failed else 0



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
    skip_bad: SkipBadOption = False,
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

    settings = load_settings()
    target = out_dir or settings.index_dir
    check_inputs(paths)
    if validate:
        raise typer.Exit(validate_files(paths or [], settings, layout, encoding))
    started = time.perf_counter()
    encoder = make_encoder(settings, notify)
    with embedding_progress() as (progress, store_progress):
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
    report_skipped(imported)
    out.print(Text.assemble((f"Indexed {manifest.count} entries", "bold"),
                            f" (generation {manifest.generation}) into"))  # fmt: skip
    out.print(f"  {target}", highlight=False, soft_wrap=True)
    table = Table()
    table.add_column("glossary")
    table.add_column("entries", justify="right")
    from glossa.corpus.titles import titles_for

    titles = titles_for(manifest.sources, manifest.source_titles)
    for source, count in manifest.sources.items():
        table.add_row(shown(titles[source].title), str(count))
    out.print(table)
    out.print(
        f"embedding + index: {manifest.build_seconds:.1f} s; "
        f"total with model load: {time.perf_counter() - started:.1f} s"
    )
    skipped_exit(imported, skip_bad)



@app.command()
def add(
    paths: GlossaryFiles,
    upsert: Annotated[
        bool, typer.Option("--upsert", help="Replace entries whose id already exists.")
    ] = False,
    layout: LayoutOption = None,
    strict: StrictOption = False,
    skip_bad: SkipBadOption = False,
    encoding: EncodingOption = None,
    title: TitleOption = None,
    index_dir: IndexOption = None,
) -> None:
    """Add entries to an existing index; only the new entries are embedded.

    Re-adding an identical entry changes nothing; an existing id with different
    content is refused unless --upsert. A running server picks the change up."""
    from glossa.corpus.sources import import_entries

    settings = load_settings()
    result = import_entries(
        paths, layout, strict=strict, encoding=encoding, title=title,
        max_bytes=settings.max_import_bytes,
    )  # fmt: skip
    report_skipped(result)
    if not result.entries:
        raise fail("no valid entries to add")
    report = termbase_at(index_dir, settings=settings).change(
        add=result.entries, upsert=upsert,
        source_titles={k: v.to_dict() for k, v in result.titles.items()},
    )  # fmt: skip
    print_change(report)
    skipped_exit(result, skip_bad)


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
        raise fail("nothing to change; pass at least one of --term, --definition, --alias, ...", 2)
    termbase = termbase_at(index_dir)
    old = termbase.get(entry_id)
    if old is None:
        raise ChangeError(f"no entry with id {entry_id!r}", ErrorKind.NOT_FOUND)
    record = {**old.to_dict(), **changes}
    edited = entry_from_record(record, source="command line", line=0, default_source=old.source)
    report = termbase.change(update=[edited])
    print_change(report)


@app.command()
def delete(
    entry_ids: Annotated[list[str], typer.Argument(help="Ids of the entries to delete.")],
    index_dir: IndexOption = None,
) -> None:
    """Delete entries: their vectors and lexical postings go; no model is loaded."""
    report = termbase_at(index_dir).change(delete=entry_ids)
    print_change(report)


@app.command()
def rebuild(index_dir: IndexOption = None) -> None:
    """Embed an index's own entries again: after changing GLOSSA_MODEL / GLOSSA_DOC_TEXT /
    GLOSSA_INDEX_KIND, or when a vector file is damaged. Atomic: a running server
    keeps answering from the old index until the new one is in place."""
    termbase = termbase_at(index_dir)
    target = termbase.path
    report = termbase.rebuild()
    print_recovery(report.lost, report.lost_ids, report.unnamed, report.lost_file)
    manifest = report.manifest
    out.print(
        f"re-embedded {manifest.count} entries into {target} in {manifest.build_seconds:.1f} s "
        f"(generation {manifest.generation})"
    )



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
        raise fail(f"decision must be accept or reject, not {decision!r}", code=2)
    generation, changed = termbase_at(index_dir).review(entry_a, entry_b, decisions[decision])
    verb = decisions[decision] if changed else f"already {decisions[decision]}"
    out.print(f"{entry_a} ↔ {entry_b}: {verb} (generation {generation})")



