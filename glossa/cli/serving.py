"""Commands that serve or measure: serve (the HTTP API and page) and eval."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from glossa.cli.shell import (
    IndexOption,
    app,
    err,
    fail,
    load_settings,
    notify,
    out,
)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    index_dir: IndexOption = None,
) -> None:
    """Start the HTTP API and the web search page (uvicorn). Builds the default index if needed."""
    from glossa.api.app import create_app
    from glossa.api.http import serve as serve_app

    settings = load_settings()
    if index_dir is not None:
        settings = settings.model_copy(update={"index_dir": index_dir})
    app_ = create_app(settings)
    err.print(
        f"Glossa on http://{host}:{port}/  (API docs: /docs; /health says when the model is loaded)"
    )
    try:
        serve_app(app_, host, port, settings.header_timeout)
    except OSError as exc:
        raise fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc


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
    dataset = dataset or default_dataset()
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



