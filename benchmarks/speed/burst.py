"""A burst of distinct queries while another process holds a core (issue 14).

    python -m benchmarks.speed.burst [--requests 1000] [--index DIR]

Serves the index (default: a fresh build of the bundled corpus) with
``glossa serve`` on 127.0.0.1, starts a busy loop that holds one core, fires
``--requests`` concurrent distinct queries at once (none cached), then asks one
fresh query and times it. Everything is bounded: client timeout 60 s, the busy
loop stops with the script. Reports the status codes, the fresh query's
latency, the server's RSS before and after. Writes ``results/speed/burst.{md,json}``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

from benchmarks.harness import free_port, parse_args, wait_ready, write_results

ROOT = Path(__file__).resolve().parents[2]
HOG = "import time\nend = time.time() + 600\nwhile time.time() < end: pass\n"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def burst(base: str, n: int) -> Counter:
    limits = httpx.Limits(max_connections=n, max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:

        async def one(i: int) -> str:
            try:
                r = await http.get(
                    "/search", params={"q": f"distinct burst query number {i} x{i * 7919}"}
                )
                return str(r.status_code)
            except httpx.HTTPError as exc:
                return type(exc).__name__

        return Counter(await asyncio.gather(*(one(i) for i in range(n))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--index", type=Path)
    args = parse_args(parser)
    work = Path(tempfile.mkdtemp(prefix="glossa-burst-"))
    index = args.index or work / "index"
    env = {**os.environ, "GLOSSA_INDEX_DIR": str(index)}
    if not args.index:
        subprocess.run([sys.executable, "-m", "glossa.cli", "index", "--out", str(index)],
                       env=env, cwd=ROOT, check=True, capture_output=True)  # fmt: skip
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "glossa.cli", "serve", "--port", str(port)],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)  # fmt: skip
    hog = None
    try:
        wait_ready(base, time.perf_counter())
        before = rss_mb(server.pid)
        hog = subprocess.Popen([sys.executable, "-c", HOG])
        started = time.perf_counter()
        codes = asyncio.run(burst(base, args.requests))
        burst_s = time.perf_counter() - started
        fresh_started = time.perf_counter()
        fresh = httpx.get(base + "/search", params={"q": "a fresh question nobody asked before"},
                          timeout=120)  # fmt: skip
        fresh_s = time.perf_counter() - fresh_started
        after = rss_mb(server.pid)
    finally:
        if hog:
            hog.kill()
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)  # a given --index lives elsewhere
    result = {
        "requests": args.requests, "status_codes": dict(codes), "burst_seconds": round(burst_s, 2),
        "fresh_query_status": fresh.status_code, "fresh_query_seconds": round(fresh_s, 3),
        "rss_mb_before": round(before, 1), "rss_mb_after": round(after, 1),
        "load_average": os.getloadavg(),
    }  # fmt: skip
    text = "\n".join(f"| {k} | {v} |" for k, v in result.items())
    text = "| measure | value |\n|---|---|\n" + text
    write_results(
        "burst", "Burst of distinct queries with one core busy",
        "Default settings (GLOSSA_SEARCH_QUEUE=32, GLOSSA_SEARCH_TIMEOUT=10, "
        f"GLOSSA_ENCODER_THREADS={os.environ.get('GLOSSA_ENCODER_THREADS', 'every core')}, "
        "GLOSSA_QUERY_BATCH=32), 2 cores, a busy loop on one.\n\n" + text, result,
    )  # fmt: skip


if __name__ == "__main__":
    main()
