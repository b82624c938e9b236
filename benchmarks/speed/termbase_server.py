"""The server over one ``Termbase``: a herd of first ``/recognize`` requests, and
served search latency, for this checkout and (optionally) an older one, in one run.

    python -m benchmarks.speed.termbase_server [--before DIR] [--requests 200] [--out DIR]

``--before DIR``: a package laid out as it installs (``glossa/...``, e.g. by
``git worktree add`` and copying the folders as ``tests/test_architecture.py``
does) whose server is started with ``PYTHONPATH=DIR``, so both servers run on the
same machine, same index and same load. Per server:

- **herd**: a fresh server, then 16 ``/recognize`` requests sent together (a
  Polish text of the README's example, no ``lang``): peak RSS (VmHWM) and each
  answer's time, against a fresh server's single cold request;
- **search**: ``GET /search`` p50/p95 over the gold set's queries, one client,
  after a warm-up round.

Writes ``termbase_server.{md,json}`` under ``--out`` (default: a temporary
directory; ``--update`` rewrites the tracked figures).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
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

ROOT = Path(__file__).resolve().parents[2]
TEXT = (ROOT / "examples" / "obsluga-klienta-pl.txt").read_text(encoding="utf-8")
HERD = 16


def rss_peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Server:
    """``glossa serve`` on a free loopback port over ``index`` (a copy per server)."""

    def __init__(self, index: Path, pythonpath: str | None, args: tuple[str, ...] = ()) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = child_env(pythonpath, GLOSSA_INDEX_DIR=str(index))
        started = time.perf_counter()
        # a pipe would fill and stop the server; closed in close()
        self.log = tempfile.TemporaryFile()  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "glossa.cli", "serve", "--port", str(self.port), *args],
            env=env, stderr=self.log, cwd=tempfile.gettempdir(),
        )  # fmt: skip
        while self.process.poll() is None:
            try:
                self.ready_s = wait_ready(self.base, started, limit=time.perf_counter() - started + 1)
                return
            except SystemExit:
                continue
        self.log.seek(0)
        raise SystemExit(f"the server ended before it was ready: "
                         f"{self.log.read().decode(errors='replace')[-2000:]}")  # fmt: skip

    def recognize(self) -> float:
        body = json.dumps({"text": TEXT, "target": ["zh"]}).encode()
        request = urllib.request.Request(f"{self.base}/recognize", body,
                                         {"Content-Type": "application/json"})  # fmt: skip
        t = time.perf_counter()
        with urllib.request.urlopen(request, timeout=600) as r:
            r.read()
        return time.perf_counter() - t

    def search(self, text: str, prefix: str = "") -> float:
        url = f"{self.base}{prefix}/search?" + urllib.parse.urlencode({"q": text, "k": 10})
        t = time.perf_counter()
        with urllib.request.urlopen(url, timeout=60) as r:
            r.read()
        return (time.perf_counter() - t) * 1000

    def stats(self) -> dict:
        with urllib.request.urlopen(f"{self.base}/stats", timeout=30) as r:
            return json.loads(r.read())

    def wait_for_int8(self, limit: float = 120) -> None:
        """Until the server's queries go to the int8 graph (prepared in the
        background after it is ready)."""
        deadline = time.monotonic() + limit
        while self.stats().get("query_encoder") != "onnx-int8":
            if time.monotonic() > deadline:
                raise SystemExit(f"the int8 query encoder was not ready within {limit:g} s")
            time.sleep(0.5)

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=60)
        self.log.close()


def measure(index: Path, pythonpath: str | None, requests: int) -> dict:
    out: dict = {}
    one = Server(index, pythonpath)
    try:
        out["cold_one_s"] = round(one.recognize(), 2)
        out["cold_one_rss_mb"] = round(rss_peak_mb(one.process.pid), 1)
    finally:
        one.close()
    herd = Server(index, pythonpath)
    try:
        with ThreadPoolExecutor(HERD) as pool:
            times = list(pool.map(lambda _: herd.recognize(), range(HERD)))
        out["herd_max_s"] = round(max(times), 2)
        out["herd_p50_s"] = round(percentile(times, 50), 2)
        out["herd_rss_mb"] = round(rss_peak_mb(herd.process.pid), 1)
        texts = [q[3] for q in QUERIES]
        for text in texts:
            herd.search(text)  # warm: each query's vector cached once, then new texts below
        latencies = [herd.search(f"{texts[i % len(texts)]} {i}") for i in range(requests)]
        out["search_p50_ms"] = round(percentile(latencies, 50), 2)
        out["search_p95_ms"] = round(percentile(latencies, 95), 2)
    finally:
        herd.close()
    out["herd_rss_ratio"] = round(out["herd_rss_mb"] / out["cold_one_rss_mb"], 2)
    out["herd_time_ratio"] = round(out["herd_max_s"] / out["cold_one_s"], 2)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="an older checkout laid out as installed")
    parser.add_argument("--requests", type=int, default=200)
    args = parse_args(parser)
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        index = bundled_index(Path(tmp))
        runs = {}
        for name, path in (("before", args.before), ("now", None)):
            if name == "before" and path is None:
                continue
            copy = Path(tmp) / f"index-{name}"
            shutil.copytree(index, copy)
            runs[name] = measure(copy, str(path) if path else None, args.requests)
            print(name, runs[name], flush=True)
    table = markdown_table(runs, "server")
    text = (f"{HERD} concurrent first /recognize requests and GET /search, one run; "
            f"load average before: {load:.2f} on {os.cpu_count()} cores.\n\n{table}")  # fmt: skip
    write_results("termbase_server", "The server over one Termbase", text,
                  {"load_before": load, "runs": runs})  # fmt: skip


if __name__ == "__main__":
    main()
