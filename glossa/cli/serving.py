"""Commands that serve or measure: serve (the HTTP API and page) and eval."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from glossa.cli.shell import (
    IndexOption,
    app,
    err,
    fail,
    load_settings,
    notify,
    out,
    reading_termbase,
)

TermbaseOption = Annotated[
    list[str] | None,
    typer.Option("--termbase", "-t", metavar="NAME=PATH",
                 help="Serve the termbase at PATH as NAME (repeatable; the first is the default). "
                 "Without it: the default index, named default."),
]  # fmt: skip


def shelf_of(index_dir: Path | None, named: list[str] | None):
    """The settings and shelf a server serves: ``--termbase`` options, else
    ``--index`` as ``default``, else what the settings say (``Shelf``'s default:
    GLOSSA_TERMBASES, or the settings' index as ``default``)."""
    from glossa.shelf import DEFAULT, Shelf, parse_named_paths

    settings = load_settings()
    if index_dir is not None and named:
        raise fail("give --index or --termbase, not both", code=2)
    if index_dir is not None:
        settings = settings.model_copy(update={"index_dir": index_dir})
        return settings, Shelf(settings, {DEFAULT: index_dir})
    return settings, Shelf(settings, parse_named_paths(named) if named else None)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    index_dir: IndexOption = None,
    termbase: TermbaseOption = None,
) -> None:
    """Start the HTTP API, the web page and the MCP endpoint (/mcp). Builds the default index if needed."""
    from glossa.api.app import create_app
    from glossa.api.http import serve as serve_app

    settings, shelf = shelf_of(index_dir, termbase)
    app_ = create_app(settings, shelf=shelf, host=host)
    err.print(
        f"Glossa on http://{host}:{port}/  (API docs: /docs; MCP: /mcp; /health says when the "
        f"model is loaded); termbases: {', '.join(shelf.names())}"
    )
    warning = exposed_without_tokens(host, app_.state.services)
    if warning:
        err.print(Text.assemble(("warning:", "bold yellow"), " ", warning), soft_wrap=True)
    try:
        serve_app(app_, host, port, settings.header_timeout)
    except OSError as exc:
        raise fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc


def exposed_without_tokens(host: str, services) -> str | None:
    """What to say loudly when a server is reachable beyond this machine and no
    token guards anything on it (every termbase open to anyone who can connect)."""
    import ipaddress

    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    access = services.access()
    if loopback or access.admin_digest is not None or access.tokens:
        return None
    return (f"listening on {host} beyond this machine with no token at all: every termbase "
            "reads open to anyone who can connect, and writes are disabled. Create tokens "
            "(glossa token create) or close termbases (glossa termbase close NAME).")


@app.command()
def mcp(
    index_dir: IndexOption = None,
    termbase: TermbaseOption = None,
) -> None:
    """Serve the termbases to an LLM agent over the Model Context Protocol (stdio).

    Tools: termbases, search, concept, recognize, check_translation. Configure
    your agent to run `glossa mcp` (or `glossa mcp --termbase NAME=PATH ...`)."""
    from glossa.mcp_server import ShelfSource, create_mcp

    settings, shelf = shelf_of(index_dir, termbase)
    source = ShelfSource(shelf, settings)
    first = shelf.names()[0]
    if shelf.path(first) == settings.index_dir:  # built on first use, progress on stderr
        source.adopt(first, reading_termbase(index_dir))
    source.open(first).warm()  # the model and the index before the first call
    notify(f"Glossa MCP server on stdio; termbases: {', '.join(shelf.names())}")
    create_mcp(source).run("stdio")


def default_dataset() -> Path:
    return Path(__file__).resolve().parents[2] / "benchmarks" / "gold" / "beir"


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

    settings = load_settings()
    if dataset is None:
        dataset = default_dataset()
        if not (dataset / "corpus.jsonl").is_file():  # installed from a wheel: no source tree
            raise fail("the bundled gold set lives in Glossa's source tree "
                       "(benchmarks/gold/beir), which this installation does not have: "
                       "give a BEIR folder (corpus.jsonl, queries.jsonl, qrels/test.tsv)", code=2)  # fmt: skip
    chosen = modes or list(MODES)
    unknown = sorted(set(chosen) - set(MODES))
    if unknown:
        raise fail(f"unknown mode {', '.join(unknown)}; valid: {', '.join(MODES)}", code=2)
    reports, files = run_evaluation(
        settings,
        dataset,
        chosen,
        out_dir or settings.index_dir.parent / "eval-results",
        name=name,
        split=split,
        notify=notify,
    )
    out.print(markdown_table(reports), highlight=False, soft_wrap=True)
    for path in files:
        err.print(f"wrote {path}")



