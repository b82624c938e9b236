"""Commands over texts: the termbase's terms in a text, a translation's
terminology check, and the termbase's own QA."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from glossa.cli.shell import (
    IndexOption,
    app,
    fail,
    out,
    reading_progress,
    reading_termbase,
)


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
        raise fail(f"unknown --format {output!r}; valid: text, json, html")
    if file == "-":
        text = read_text(sys.stdin.buffer, "standard input")
    else:
        with open(file, "rb") as stream:
            text = read_text(stream, file)
    recognizer = reading_termbase(index_dir, wait_for_graph=True).recognizer()
    found = recognizer.recognize(text, lang, target or None, mode, every, semantic,
                                 cased=not any_case)  # fmt: skip
    if output == "json":
        sys.stdout.write(json.dumps(found.to_dict(), ensure_ascii=False) + "\n")
    elif output == "html":
        sys.stdout.write(to_html(text, found))
    else:
        out.print(Text.assemble((f"{len(found.matches)} terms", "bold"),
                                f" in {found.lang or 'an unknown language'} ({found.mode})"))  # fmt: skip
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
    from glossa.recognition.bilingual import BilingualFile
    from glossa.recognition.translation_qa import check_segment

    bilingual = BilingualFile(file)
    source = source_lang or bilingual.source_lang
    target = target_lang or bilingual.target_lang
    if not source or not target:
        raise fail(f"{file} does not say its {'source' if not source else 'target'} "
                    "language: give --source-lang and --target-lang")  # fmt: skip
    recognizer = reading_termbase(index_dir, wait_for_graph=True).recognizer()
    report = QaReport(file, source, target, as_json)
    with reading_progress("Checking segments") as progress:
        for segment in bilingual.segments(progress):
            report.add(check_segment(recognizer, segment.source, segment.target, source, target,
                                     segment.id, segment.where))  # fmt: skip
    report.close(bilingual.untranslated)
    if report.with_problems:
        raise typer.Exit(2)


class QaReport:
    """``glossa qa``'s output, written as each segment is checked: memory stays
    that of one segment whatever the file's size, and a reader (or ``--json``'s
    consumer) sees the first problems at once. The JSON object's ``checks`` come
    first and its counts last (they are known only at the end)."""

    def __init__(self, file: Path, source: str, target: str, as_json: bool) -> None:
        self.as_json = as_json
        self.counts = dict.fromkeys(("segments", "with_problems", "terms", "used", "missing",
                                     "discouraged"), 0)  # fmt: skip
        self.head = {"file": str(file), "source_lang": source, "target_lang": target}
        if as_json:
            sys.stdout.write(json.dumps(self.head, ensure_ascii=False)[:-1] + ', "checks": [')

    @property
    def with_problems(self) -> int:
        return self.counts["with_problems"]

    def add(self, check) -> None:
        from glossa.recognition.translation_qa import MISSING, USED

        counts = self.counts
        counts["segments"] += 1
        counts["with_problems"] += check.problems > 0
        counts["terms"] += len(check.terms)
        counts["used"] += sum(t.verdict == USED for t in check.terms)
        counts["missing"] += sum(t.verdict == MISSING for t in check.terms)
        counts["discouraged"] += len(check.discouraged)
        if self.as_json:
            sep = ", " if counts["segments"] > 1 else ""
            sys.stdout.write(sep + json.dumps(check.to_dict(), ensure_ascii=False))
            return
        for t in check.terms:
            if t.verdict == MISSING:
                wanted = " or ".join(e.term for e in t.approved)
                out.print(Text.assemble(f"{check.where}: ", ("missing", "red"),
                                        f" {t.source.text!r} → {wanted}"))  # fmt: skip
        for m in check.discouraged:
            out.print(Text.assemble(f"{check.where}: ", ("discouraged", "red"),
                                    f" {m.text!r} ({m.status})"))  # fmt: skip

    def close(self, untranslated: int) -> None:
        c = self.counts
        if self.as_json:
            tail = json.dumps({**c, "untranslated": untranslated})
            sys.stdout.write("], " + tail[1:] + "\n")
            return
        out.print(f"{c['segments']} segments ({untranslated} untranslated skipped): {c['terms']} "
                  f"source terms, {c['used']} with an approved equivalent, {c['missing']} missing, "
                  f"{c['discouraged']} discouraged target terms", highlight=False)  # fmt: skip


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
    report = reading_termbase(index_dir, wait_for_graph=True).check_termbase(limit)
    if as_json:
        sys.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False) + "\n")
    else:
        out.print(Text.assemble((f"{report.entries} entries, {report.concepts} concepts", "bold"),
                                f" ({', '.join(report.languages)}): {report.problems} problems"))  # fmt: skip
        for check in report.checks.values():
            kind = ("problem", "red") if check.problem else ("note", "dim")
            out.print(Text.assemble(f"{check.count:>6}  {check.name}  ", kind, "  ",
                                    (check.description, "dim")))  # fmt: skip
            for item in check.items:
                out.print(f"          {json.dumps(item, ensure_ascii=False)}", highlight=False)
            if check.count > len(check.items):
                out.print(f"          … {check.count - len(check.items)} more (--limit)", style="dim")
    if report.problems:
        raise typer.Exit(2)



