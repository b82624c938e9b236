"""Commands that read a termbase: search, equivalents, concept."""

from __future__ import annotations

import json
import sys
import time
from typing import Annotated

import typer
from rich.text import Text

from glossa.cli.shell import (
    IndexOption,
    app,
    out,
    searcher_at,
)
from glossa.search.searcher import MAX_K


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
    searcher = searcher_at(index_dir, wait_for_graph=by_concept)  # concepts need the graph
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
        print_concepts(query, concepts, as_json)
        return
    if as_json:
        sys.stdout.write(json.dumps(response.to_dict(), ensure_ascii=False) + "\n")
        return
    out.print(Text.assemble(
        (f"{len(response.hits)} hits", "bold"),
        f" for {query!r}: search {response.took_ms:.0f} ms "
        f"(start-up: model and index loaded in {loaded:.1f} s)",
    ))  # fmt: skip
    for hit in response.hits:
        print_hit(hit, f"{hit.rank:>3}  {hit.score:5.2f}  ")


def print_concepts(query: str, concepts, as_json: bool) -> None:
    if as_json:
        payload = {"query": query, "group": "concept", "concepts": [c.to_dict() for c in concepts]}
        sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
        return
    out.print(Text.assemble((f"{len(concepts)} concepts", "bold"), f" for {query!r}"))
    for concept in concepts:
        out.print(Text.assemble((f"{concept.rank:>3}  {concept.score:5.2f}  ", ""),
                                (concept.id, "magenta")), no_wrap=True)  # fmt: skip
        for hit in concept.hits:
            print_hit(hit, "       ", indent=9)


def print_hit(hit, prefix: str, indent: int = 7) -> None:
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
def equivalents(
    entry_id: Annotated[str, typer.Argument(help="Entry id (see `glossa search --json`).")],
    candidates: Annotated[
        bool, typer.Option("--candidates", help="Also list each language's candidates for review.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    index_dir: IndexOption = None,
) -> None:
    """Confirmed equivalents of ENTRY_ID in other languages (and candidates to review)."""
    searcher = searcher_at(index_dir, wait_for_graph=True)
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
        line = equivalent_line(eq.hit, eq.status)
        if eq.shared_names:
            line.append(f"  shares: {', '.join(eq.shared_names)}", style="yellow")
        out.print(line)
    for other, decision in stale:
        out.print(Text(f"  stale review: {decision} with {other}, but an entry changed since; "
                       f"not applied (review the pair again)", style="red"))  # fmt: skip
    for lang, cs in proposed.items():
        out.print(Text(f"candidates in {lang}:", style="bold"))
        for c in cs:
            line = equivalent_line(c.hit, c.status or "", f"p={c.probability:.2f}")
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
    record = searcher_at(index_dir, wait_for_graph=True).concept(concept_id)
    if as_json:
        sys.stdout.write(json.dumps(record.to_dict(), ensure_ascii=False) + "\n")
        return
    out.print(Text.assemble(("concept ", "bold"), (record.id, "magenta"),
                            f"  (seen from {record.anchor})"))  # fmt: skip
    for member in sorted(record.members, key=lambda m: (m.joined != "anchor", m.hit.lang)):
        joined = member.joined if member.probability is None else (
            f"{member.joined} p={member.probability:.2f}")  # fmt: skip
        out.print(equivalent_line(member.hit, joined))


def equivalent_line(hit, status: str, prefix: str = "") -> Text:
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



