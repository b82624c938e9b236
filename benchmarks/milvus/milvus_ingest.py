"""Milvus vs FAISS at 100 000 entries: ingest time and query latency.

    python -m benchmarks.milvus.milvus_ingest [--count 100000] [--queries 200] [--uri URI]

Both stores get the same 100 000 synthetic vectors (real multilingual-e5
embeddings of the bundled entries plus noise, as in ``perf_scale``) with a
language and a source per row, through Glossa's ``VectorIndex`` interface as
``build_index`` uses it (batched inserts; at this size both build HNSW: FAISS
``faiss-hnsw``, Milvus ``HNSW`` M=32, efConstruction=200). Ingest = add + the
write that makes it durable (FAISS ``save``; Milvus ``flush``) + making it
searchable (Milvus ``load``). Queries go one at a time, as the API sends them,
without and with a language filter; recall@10 is against exact search. Without
``--uri`` Milvus Lite (embedded, a local file; pymilvus 3 + milvus-lite) is used on
loopback. Writes ``benchmarks/results/milvus/milvus_ingest.{md,json}``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
from glossa.indexer.store.factory import create_index
from glossa.indexer.store.vectors import FAISS_STORE, RowFilter, StoreConfig

from benchmarks.harness import parse_args, percentile, results_dir
from benchmarks.scale.perf_scale import base_vectors, recall_at_10, synthetic

LANGS = ("pl", "fa", "zh", "de", "en")


def measure(store: StoreConfig, data: np.ndarray, langs: list[str], queries: np.ndarray,
            truth: np.ndarray, truth_filtered: np.ndarray, allowed: np.ndarray) -> dict:  # fmt: skip
    sources = [f"glossary-{i % 20}" for i in range(len(data))]
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        index = create_index("auto", data.shape[1], len(data), store, generation=0)
        index.add(data, langs, sources)
        index.save(Path(tmp) / index.file_name)
        if hasattr(index, "_ensure_loaded"):
            index._ensure_loaded()
        ingest = time.perf_counter() - started
        index.search(queries[:5], 10)  # warm-up
        results = {}
        for name, where, expected in (
            ("unfiltered", None, truth),
            ("lang=fa", RowFilter(allowed, frozenset(["fa"]), None), truth_filtered),
        ):
            latencies, found = [], []
            for q in queries:
                t = time.perf_counter()
                _, rows = index.search(q[None, :], 10, where)
                latencies.append((time.perf_counter() - t) * 1000)
                found.append(rows[0])
            results[name] = {
                "p50_ms": round(percentile(latencies, 50), 3),
                "p99_ms": round(percentile(latencies, 99), 3),
                "recall_at_10": round(recall_at_10(np.array(found), expected), 4),
            }
        if store.backend == "milvus":
            from glossa.indexer.store.milvus import MilvusIndex

            MilvusIndex.drop(Path(tmp) / index.file_name, store)
    return {
        "store": f"Milvus Lite 3.2 ({index.index_type})"
        if store.backend == "milvus"
        else f"FAISS ({index.kind})",
        "count": len(data),
        "ingest_s": round(ingest, 2),
        "ingest_rows_per_s": round(len(data) / ingest),
        **{f"{k}_{m}": v for k, r in results.items() for m, v in r.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--uri", default=None, help="an existing Milvus (default: embedded)")
    args = parse_args(parser)
    base = base_vectors()
    data = synthetic(base, args.count, seed=1)
    queries = synthetic(base, args.queries, seed=2)
    rng = np.random.default_rng(3)
    langs = [LANGS[i] for i in rng.integers(0, len(LANGS), len(data))]
    allowed = np.flatnonzero(np.array(langs) == "fa")
    scores = queries @ data.T
    truth = np.argsort(-scores, axis=1)[:, :10]
    truth_filtered = allowed[np.argsort(-scores[:, allowed], axis=1)[:, :10]]
    scratch = None
    if args.uri is None:  # Milvus Lite: embedded, one local file, removed afterwards
        scratch = tempfile.TemporaryDirectory(prefix="glossa-milvus-")
        args.uri = str(Path(scratch.name) / "milvus.db")
    milvus = StoreConfig(backend="milvus", milvus_uri=args.uri, milvus_collection="bench",
                         milvus_timeout=30)  # fmt: skip
    try:
        rows = [measure(s, data, langs, queries, truth, truth_filtered, allowed)
                for s in (FAISS_STORE, milvus)]  # fmt: skip
    finally:
        if scratch is not None:
            scratch.cleanup()
    header = ["store", "count", "ingest_s", "ingest_rows_per_s", "unfiltered_p50_ms",
              "unfiltered_p99_ms", "unfiltered_recall_at_10", "lang=fa_p50_ms", "lang=fa_p99_ms",
              "lang=fa_recall_at_10"]  # fmt: skip
    table = "\n".join(
        ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        + ["| " + " | ".join(str(r[h]) for h in header) + " |" for r in rows]
    )
    print(table)
    results_dir().mkdir(exist_ok=True)
    (results_dir() / "milvus_ingest.md").write_text(
        f"# Milvus vs FAISS, {args.count} entries ({time.strftime('%Y-%m-%d')})\n\n"
        "`python -m benchmarks.milvus.milvus_ingest` — 2 cores, CPU; synthetic e5-like vectors "
        "(384-d), one query at a time, recall@10 vs exact search; the Milvus server runs on "
        "the same machine.\n\n" + table + "\n",
        encoding="utf-8",
    )
    (results_dir() / "milvus_ingest.json").write_text(json.dumps(rows, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
