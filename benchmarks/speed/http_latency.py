"""Latency of ``GET /search`` end to end over HTTP on 127.0.0.1.

    python -m benchmarks.speed.http_latency [--requests 200]

Starts ``glossa serve`` as a separate process on a free loopback port (the
default index, built if missing), waits for /health to say ready, sends a bounded
number of sequential requests cycling through the gold-set queries, and reports
p50/p95/p99 and the server's time to ready. Writes benchmarks/results/speed/http_latency.{md,json}.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from benchmarks.gold.concepts import QUERIES
from benchmarks.harness import (
    free_port,
    parse_args,
    percentile,
    wait_ready,
    write_results,
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    args = parse_args(parser)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    glossa = str(Path(sys.executable).with_name("glossa"))
    started = time.perf_counter()
    server = subprocess.Popen([glossa, "serve", "--port", str(port)], stderr=subprocess.DEVNULL)
    try:
        ready_s = wait_ready(base, started)
        texts = [q[3] for q in QUERIES]
        latencies = []
        for i in range(args.requests):
            url = f"{base}/search?" + urllib.parse.urlencode({"q": texts[i % len(texts)], "k": 10})
            t = time.perf_counter()
            with urllib.request.urlopen(url, timeout=30) as r:
                r.read()
            latencies.append((time.perf_counter() - t) * 1000)
    finally:
        server.terminate()
        server.wait(timeout=30)
    result = {
        "requests": args.requests,
        "server_ready_s": round(ready_s, 2),
        **{f"p{p}_ms": round(percentile(latencies, p), 2) for p in (50, 95, 99)},
        "mean_ms": round(sum(latencies) / len(latencies), 2),
    }
    table = "| measure | value |\n|---|---|\n" + "\n".join(
        f"| {k} | {v} |" for k, v in result.items()
    )
    write_results("http_latency", "GET /search over HTTP on 127.0.0.1", table, result)


if __name__ == "__main__":
    main()
