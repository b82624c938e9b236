"""The index inside Milvus (``glossa publish``) against the local engine, by size:
what the Glossa process holds when entries, BM25 and vectors live in the engine.

Per size: the synthetic corpus of ``benchmarks/scale/scale_e2e.py`` (hashing stand-in
encoder, so the model's memory and time are excluded) is built locally, then
published into a Milvus Lite server started as **its own process**
(``python -m milvus_lite server``), so the Glossa process's RSS is measured apart
from the engine's. A fresh Glossa process then opens the published directory
and measures RSS after opening, search p50/p99 per mode (query vectors
precomputed), equivalents decided on demand, one-entry add / update / delete,
and RSS at the end; the server's RSS is read at the end. The local engine's
figures at the same sizes come from ``results/scale/scale_e2e.json``.

    python -m benchmarks.milvus.milvus_engine --sizes 10000,100000
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.harness import TRACKED, parse_args, percentile, write_results
from benchmarks.scale.scale_e2e import (
    HashingEncoder,
    PrecomputedEncoder,
    rss_mb,
    run_child,
    run_step,
    synthetic_entries,
)

# Milvus Lite (pure Python) takes ~1 s per BM25 search at 10k entries and ~10 s at
# 100k, so the query count shrinks with the size: 100 at 10k, 20 at 100k
QUERIES = 100


def query_count(size: int) -> int:
    return max(20, min(QUERIES, 1_000_000 // max(size, 1)))


WRITES = 5


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def store(uri: str):
    from glossa.indexer.store.vectors import StoreConfig

    return StoreConfig(backend="milvus", milvus_uri=uri, milvus_collection="bench",
                       milvus_timeout=60)  # fmt: skip


def publish_step(index: Path, out: Path, uri: str) -> dict:
    from glossa.indexer.engine.publish import publish

    started = time.perf_counter()
    manifest = publish(index, out, store(uri))
    return {"publish_s": time.perf_counter() - started, "publish_rss_mb": rss_mb(),
            "local_dir_kb": sum(f.stat().st_size for f in out.iterdir()) / 1024,
            "count": manifest.count}  # fmt: skip


def measure(out: Path, uri: str, size: int) -> dict:
    from glossa.indexer.engine.changes import engine_changes
    from glossa.search.published_reader import PublishedReader
    from glossa.search.searcher import Searcher

    figures: dict = {"rss_start_mb": rss_mb()}
    count = query_count(size)
    queries = [e.term.rsplit(" ", 1)[0] for e in synthetic_entries(count, seed=1, prefix="q")]
    vectors = dict(zip(queries, HashingEncoder().encode_queries(queries), strict=True))
    gc.collect()
    started = time.perf_counter()
    searcher = Searcher(PublishedReader(out, store(uri)), PrecomputedEncoder(vectors))
    figures["cold_load_s"] = time.perf_counter() - started
    figures["rss_after_load_mb"] = rss_mb()
    for mode in ("dense", "lexical", "hybrid"):
        searcher.search(queries[0], k=10, mode=mode)
        times = []
        for q in queries:
            t = time.perf_counter()
            searcher.search(q, k=10, mode=mode)
            times.append((time.perf_counter() - t) * 1000)
        figures[f"{mode}_p50_ms"] = percentile(times, 50)
        figures[f"{mode}_p99_ms"] = percentile(times, 99)
    serial = Searcher(PublishedReader(out, store(uri), engine_calls=1), PrecomputedEncoder(vectors))
    times = []
    for q in queries:
        t = time.perf_counter()
        serial.search(q, k=10, mode="hybrid")
        times.append((time.perf_counter() - t) * 1000)
    figures["hybrid_serial_p50_ms"] = percentile(times, 50)
    ids = [h.id for q in queries[: WRITES * 2] for h in searcher.search(q, 1, mode="dense")]
    times = []
    for entry_id in ids:
        t = time.perf_counter()
        searcher.equivalents(entry_id)
        times.append((time.perf_counter() - t) * 1000)
    figures["equivalents_p50_ms"] = percentile(times, 50)
    writer = HashingEncoder()
    extra = synthetic_entries(WRITES, seed=2, prefix="w")
    for op in ("add", "update", "delete"):
        times = []
        for r, entry in enumerate(extra):
            if op == "add":
                change = {"add": [entry]}
            elif op == "update":
                change = {
                    "update": [
                        entry.__class__(
                            **{**entry.to_dict(), "definition": f"{entry.definition} v{r}"}
                        )
                    ]
                }
            else:
                change = {"delete": [entry.id]}
            t = time.perf_counter()
            engine_changes(out, writer, store(uri), **change)
            times.append((time.perf_counter() - t) * 1000)
        figures[f"write_{op}_1_ms"] = percentile(times, 50)
    figures["rss_end_mb"] = rss_mb()
    return figures


def child(step: str, args: list[str]) -> dict:
    return run_step("benchmarks.milvus.milvus_engine", step, *args)


def start_server(data: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "milvus_lite", "server", "--data-dir",
                               str(data), "--port", str(port)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return server, f"http://127.0.0.1:{port}"
        time.sleep(0.2)
    server.kill()
    raise SystemExit("Milvus Lite server did not start within 60 s")


COLUMNS = [
    ("publish_s", "publish (s)"), ("local_dir_kb", "local directory (KB)"),
    ("cold_load_s", "open (s)"), ("rss_after_load_mb", "Glossa RSS after open (MB)"),
    ("rss_end_mb", "Glossa RSS at the end (MB)"), ("server_rss_mb", "Milvus server RSS (MB)"),
    ("dense_p50_ms", "dense p50 (ms)"), ("lexical_p50_ms", "lexical p50 (ms)"),
    ("hybrid_p50_ms", "hybrid p50 (ms)"), ("hybrid_p99_ms", "hybrid p99 (ms)"),
    ("hybrid_serial_p50_ms", "hybrid p50, one engine call at a time (ms)"),
    ("equivalents_p50_ms", "equivalents on demand p50 (ms)"),
    ("write_add_1_ms", "add 1 (ms)"), ("write_update_1_ms", "update 1 (ms)"),
    ("write_delete_1_ms", "delete 1 (ms)"),
]  # fmt: skip
LOCAL = {"rss_end_mb": "rss_after_graph_mb", "rss_after_load_mb": "rss_after_load_mb",
         "dense_p50_ms": "dense_p50_ms", "lexical_p50_ms": "lexical_p50_ms",
         "hybrid_p50_ms": "hybrid_p50_ms", "hybrid_p99_ms": "hybrid_p99_ms",
         "write_add_1_ms": "write_add_1_ms", "write_update_1_ms": "write_update_1_ms",
         "write_delete_1_ms": "write_delete_1_ms", "cold_load_s": "cold_load_s"}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--child", nargs="+")
    parser.add_argument(
        "--table-only",
        action="store_true",
        help="write the table again from results/milvus/milvus_engine.json",
    )
    args = parse_args(parser)
    if args.child:
        step, rest = args.child[0], args.child[1:]
        if step == "publish":
            figures = publish_step(Path(rest[0]), Path(rest[1]), rest[2])
        else:
            figures = measure(Path(rest[0]), rest[1], int(rest[2]))
        print(json.dumps(figures))
        return
    if args.table_only:  # the measured rows again, beside the current local figures
        saved = json.loads((TRACKED / "milvus" / "milvus_engine.json").read_text())
        rows = {int(k): v for k, v in saved["rows"].items()}
        report(saved["sizes"], rows, saved["load"])
        return
    import psutil

    sizes = [int(s) for s in args.sizes.split(",")]
    load = os.getloadavg()
    rows = {}
    for size in sizes:
        folder = Path(tempfile.mkdtemp(prefix=f"glossa-engine-{size}-"))
        server = None
        try:
            run_child("build", size, folder / "idx")
            server, uri = start_server(folder / "milvus")
            figures = child("publish", [str(folder / "idx"), str(folder / "published"), uri])
            figures.update(child("measure", [str(folder / "published"), uri, str(size)]))
            figures["server_rss_mb"] = psutil.Process(server.pid).memory_info().rss / 2**20
        finally:
            if server is not None:
                server.terminate()
                server.wait(30)
            shutil.rmtree(folder, ignore_errors=True)
        figures["load_after"] = os.getloadavg()[0]
        rows[size] = figures
        print(size, json.dumps(figures), flush=True)
    report(sizes, rows, load)


def report(sizes: list[int], rows: dict[int, dict], load) -> None:
    scale = TRACKED / "scale" / "scale_e2e.json"  # the tracked local figures
    local = json.loads(scale.read_text())["rows"] if scale.is_file() else {}
    header = "| cost | " + " | ".join(f"Milvus {s:,} | local {s:,}" for s in sizes) + " |"
    lines = [header, "|---" * (2 * len(sizes) + 1) + "|"]
    for key, label in COLUMNS:
        cells = []
        for s in sizes:
            mine = rows[s].get(key)
            theirs = local.get(str(s), {}).get(LOCAL.get(key, ""))
            cells += [f"{mine:.3g}" if mine is not None else "–",
                      f"{theirs:.3g}" if theirs is not None else "–"]  # fmt: skip
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    text = "\n".join(lines) + (
        f"\n\nLoad average at the start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; after each "
        f"size: {', '.join(format(rows[s]['load_after'], '.2f') for s in sizes)} "
        f"({os.cpu_count()} cores). Encoder excluded (hashing stand-in, query vectors "
        f"precomputed); {', '.join(str(query_count(s)) for s in sizes)} queries per mode, writes p50 of {WRITES}. The Milvus "
        "server (Milvus Lite 3.2, pure Python) runs as its own process on the same 2 cores. "
        "Local figures: `results/scale/scale_e2e.json` (its 'RSS at the end' column here is the "
        "local engine's RSS with the equivalence graph built).\n"
    )
    write_results("milvus_engine", "Index inside Milvus vs local (benchmarks/milvus/milvus_engine.py)",
                  text, {"sizes": sizes, "rows": rows, "load": load})  # fmt: skip


if __name__ == "__main__":
    main()
