"""Where a served search's time goes, stage by stage (issue 39's table).

    python -m benchmarks.speed.served_stages [--queries 100] [--out DIR]

One ``glossa serve`` over the bundled index (default settings; the benchmark
waits until the int8 query graph answers), one client on loopback, the gold
set's distinct queries, each measured sequentially; and in the benchmark's own
process the same searcher pieces. Each row adds one stage to the one above:

1. ``GET /health``: uvicorn, the middleware (metrics, hygiene, body limit), routing;
2. ``GET /stats``: a dependency chain (the termbase, its current version) and a
   small model serialised;
3. ``GET /search?mode=lexical``: query validation, the fast lane's thread hop,
   lexical ranking, ten hits serialised (no encoder);
4. ``GET /search`` of a query seen before: the same with hybrid ranking over a
   cached query vector (concept-first order, fusion);
5. ``GET /search`` of a new query: the admission gate, the encoder thread's hop,
   the query embedded;

and in process: the query encoder alone (int8, as the server runs it) and
``Searcher.search_response`` over a cached vector (ranking alone). Differences
of consecutive rows are each stage's cost.

Then the stages inside one served search, each measured directly: the same
server with a time stamp at each boundary (``benchmarks.speed.stamped_server``),
new queries sent one at a time, each stage's p50 over the requests (stages'
p50s need not add up to the total's). Writes ``served_stages.{md,json}``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from benchmarks.gold.concepts import QUERIES
from benchmarks.harness import (
    bundled_index,
    child_env,
    free_port,
    markdown_table,
    parse_args,
    percentile,
    wait_ready,
    write_results,
)
from benchmarks.speed.termbase_server import Server


def timed(function, items) -> float:
    times = []
    for item in items:
        started = time.perf_counter()
        function(item)
        times.append((time.perf_counter() - started) * 1000)
    return round(percentile(times, 50), 2)


# (label, from stamp, to stamp): what happens between two boundaries of one search
STAGES = [
    ("middleware, routing, query validation, dependencies", "app_in", "gate_in"),
    ("admission gate to the encoder thread", "gate_in", "thread_in"),
    ("ranking before the embedding (scope, lexical list, exact names)", "thread_in", "encoder_in"),
    ("the query embedded (int8 graph, tokenizer, cache)", "encoder_in", "encoder_out"),
    ("ranking after it (dense, fusion, concept-first, hits)", "encoder_out", "thread_out"),
    ("encoder thread back to the event loop", "thread_out", "gate_out"),
    ("response model and JSON", "gate_out", "response_start"),
    ("response handed to the server", "response_start", "app_out"),
]


def stage_table(index: Path, texts: list[str]) -> tuple[dict, float]:
    """Each stage's p50 inside a served search, from a stamped server; and the
    p50 over requests of (the client's time minus the embedding's)."""
    port, stamps = free_port(), index.parent / "stamps.json"
    env = child_env(None, benchmarks=True, GLOSSA_INDEX_DIR=str(index))
    process = subprocess.Popen([sys.executable, "-m", "benchmarks.speed.stamped_server", "--port",
                                str(port), "--out", str(stamps.parent)],
                               env=env, cwd=tempfile.gettempdir())  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, time.perf_counter())
        while json.loads(urllib.request.urlopen(base + "/stats", timeout=30).read()).get(
                "query_encoder") != "onnx-int8":  # fmt: skip
            time.sleep(0.5)

        def get(text: str) -> float:
            started = time.perf_counter()
            with urllib.request.urlopen(base + "/search?" + urllib.parse.urlencode({"q": text}),
                                        timeout=30) as r:  # fmt: skip
                r.read()
            return (time.perf_counter() - started) * 1000

        for text in texts[:20]:
            get(text + " warm")
        client = [get(f"{text} stage{n}") for n in range(3) for text in texts]
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    requests: list[dict[str, float]] = []
    for name, at in json.loads(stamps.read_text()):
        if name == "app_in":
            requests.append({})
        if requests:
            requests[-1].setdefault(name, at)
    requests = requests[-len(client):]
    rows = {}
    for label, start, end in STAGES:
        spans = [(r[end] - r[start]) * 1000 for r in requests if start in r and end in r]
        rows[label] = {"p50 ms": round(percentile(spans, 50), 3)}
    around = [c - (r["app_out"] - r["app_in"]) * 1000 for c, r in zip(client, requests, strict=True)]
    rows["client, loopback and HTTP parsing (outside the app)"] = {
        "p50 ms": round(percentile(around, 50), 3)}
    over = [c - (r["encoder_out"] - r["encoder_in"]) * 1000 for c, r in zip(client, requests, strict=True)]
    rows["whole request (client's time)"] = {"p50 ms": round(percentile(client, 50), 3)}
    return rows, round(percentile(over, 50), 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=100)
    args = parse_args(parser)
    load = os.getloadavg()[0]
    texts = list(dict.fromkeys(q[3] for q in QUERIES))[: args.queries]
    rows: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        index = bundled_index(Path(tmp))
        server = Server(index, None)
        try:
            def get(path: str) -> None:
                with urllib.request.urlopen(server.base + path, timeout=30) as r:
                    r.read()

            server.wait_for_int8()
            for text in texts[:20]:
                get("/search?" + urllib.parse.urlencode({"q": text + " warm"}))
            served = {
                "GET /health": timed(lambda _: get("/health"), texts),
                "GET /stats": timed(lambda _: get("/stats"), texts),
                "GET /search lexical": timed(lambda t: get("/search?" + urllib.parse.urlencode(
                    {"q": t, "mode": "lexical"})), texts),  # fmt: skip
                "GET /search, a query seen before": timed(
                    lambda t: get("/search?" + urllib.parse.urlencode({"q": t + " warm"})), texts[:20] * 5),
                "GET /search, a new query": timed(
                    lambda t: get("/search?" + urllib.parse.urlencode({"q": t + " new"})), texts),
            }
        finally:
            server.close()
        from glossa.search.searcher import Searcher

        from glossa.runtime import _backend_encoder
        from glossa.settings import Settings

        encoder = _backend_encoder(Settings(encoder_backend="onnx-int8"))
        encoder.encode_queries(["warm up"])
        in_process = {"query encoder alone (int8)": timed(lambda t: encoder.encode_queries([t + " in"]), texts)}
        vectors = {t: encoder.encode_queries([t])[0] for t in texts}

        class Known:
            model_name, dimension = encoder.model_name, encoder.dimension

            def encode_queries(self, batch):
                import numpy as np

                return np.stack([vectors[t] for t in batch])

        searcher = Searcher.open(index, Known())
        searcher.search_response(texts[0], k=10)
        in_process["Searcher.search_response, vector known (ranking)"] = timed(
            lambda t: searcher.search_response(t, k=10), texts)
        stages, stage_overhead = stage_table(index, texts)
    previous = None
    for name, p50 in served.items():
        rows[name] = {"p50 ms": p50, "over the row above": "" if previous is None else round(p50 - previous, 2)}
        previous = p50
    for name, p50 in in_process.items():
        rows[name] = {"p50 ms": p50, "over the row above": ""}
    overhead = round(served["GET /search, a new query"] - in_process["query encoder alone (int8)"], 2)
    text = (f"{len(texts)} distinct gold-set queries, one client on loopback; load average before: "
            f"{load:.2f} on {os.cpu_count()} cores; one run.\n\n" + markdown_table(rows, "stage")
            + f"\n\nServed new query minus the encoder alone: **{overhead} ms** (target ≤ 1.5)."
            + "\n\n## Inside one served search\n\nThe same server with a time stamp at each "
            f"boundary (`benchmarks/speed/stamped_server.py`), {3 * len(texts)} new queries one at a "
            "time; each stage's p50.\n\n" + markdown_table(stages, "stage")
            + f"\n\nPer request, the client's time minus the embedding's: **{stage_overhead} ms**"
            " (p50; target ≤ 1.5).")
    write_results("served_stages", "Where a served search's time goes", text,
                  {"load_before": load, "rows": rows, "overhead_ms": overhead,
                   "stages": stages, "stage_overhead_ms": stage_overhead})  # fmt: skip


if __name__ == "__main__":
    main()
