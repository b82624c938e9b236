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
of consecutive rows are each stage's cost. Writes ``served_stages.{md,json}``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from benchmarks.gold.concepts import QUERIES
from benchmarks.harness import (
    bundled_index,
    markdown_table,
    parse_args,
    percentile,
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
    previous = None
    for name, p50 in served.items():
        rows[name] = {"p50 ms": p50, "over the row above": "" if previous is None else round(p50 - previous, 2)}
        previous = p50
    for name, p50 in in_process.items():
        rows[name] = {"p50 ms": p50, "over the row above": ""}
    overhead = round(served["GET /search, a new query"] - in_process["query encoder alone (int8)"], 2)
    text = (f"{len(texts)} distinct gold-set queries, one client on loopback; load average before: "
            f"{load:.2f} on {os.cpu_count()} cores; one run.\n\n" + markdown_table(rows, "stage")
            + f"\n\nServed new query minus the encoder alone: **{overhead} ms** (target ≤ 1.5).")
    write_results("served_stages", "Where a served search's time goes", text,
                  {"load_before": load, "rows": rows, "overhead_ms": overhead})


if __name__ == "__main__":
    main()
