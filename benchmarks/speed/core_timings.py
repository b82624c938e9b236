"""Core figures of the first slice, measured on this machine.

    python -m benchmarks.speed.core_timings

- model load (materialised e5 through sentence-transformers)
- index build for the bundled corpus: seconds, entries/s, peak RSS
- cold start of the CLI: process start -> first answer (``glossa search --json``),
  with the model and index already on disk
- ``Searcher.search`` latency p50/p95/p99 over the dev gold queries (warm)

Prints a table and writes benchmarks/results/speed/core_timings.{json,md}.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from glossa.corpus.sources import load_entries
from glossa.indexer.build import build_index
from glossa.indexer.encoders.encoder import SentenceTransformerEncoder
from glossa.search.searcher import Searcher

from benchmarks.gold.concepts import QUERIES
from benchmarks.harness import parse_args, percentile, write_results


def main() -> None:
    parse_args(argparse.ArgumentParser(description=__doc__))
    rows: list[tuple[str, str]] = []
    started = time.perf_counter()
    encoder = SentenceTransformerEncoder()
    rows.append(("model load (warm cache)", f"{time.perf_counter() - started:.2f} s"))

    entries = load_entries()
    with tempfile.TemporaryDirectory() as tmp:
        index_dir = Path(tmp) / "index"
        started = time.perf_counter()
        manifest = build_index(entries, encoder, index_dir)
        build_s = time.perf_counter() - started
        rows.append(("index build, bundled corpus", f"{build_s:.2f} s ({len(entries)} entries)"))
        rows.append(("index build throughput", f"{len(entries) / build_s:.1f} entries/s"))
        rows.append(
            (
                "peak RSS after build",
                f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB",
            )
        )

        searcher = Searcher.open(index_dir, encoder)
        for q in QUERIES[:5]:
            searcher.search(q[3])  # warm-up
        latencies = []
        for _ in range(5):
            for q in QUERIES:
                t = time.perf_counter()
                searcher.search(q[3], k=10)
                latencies.append((time.perf_counter() - t) * 1000)
        for p in (50, 95, 99):
            rows.append(
                (
                    f"Searcher.search p{p} (warm, {len(latencies)} queries)",
                    f"{percentile(latencies, p):.1f} ms",
                )
            )
        rows.append(("Searcher.search mean", f"{statistics.mean(latencies):.1f} ms"))

        glossa = Path(sys.executable).with_name("glossa")
        colds = []
        for _ in range(3):
            t = time.perf_counter()
            subprocess.run(
                [str(glossa), "search", "what measures customer effort", "--json", "--index", str(index_dir)],
                check=True, capture_output=True, env={**os.environ},
            )  # fmt: skip
            colds.append(time.perf_counter() - t)
        rows.append(
            ("CLI cold start -> first answer (median of 3)", f"{percentile(colds, 50):.2f} s")
        )
        rows.append(
            ("manifest", f"{manifest.model}, dim {manifest.dimension}, {manifest.index_kind}")
        )

    width = max(len(k) for k, _ in rows)
    table = "\n".join(f"| {k.ljust(width)} | {v} |" for k, v in rows)
    table = f"| {'measure'.ljust(width)} | value |\n|{'-' * (width + 2)}|---|\n" + table
    write_results("core_timings", f"Core timings ({os.cpu_count()} cores, CPU only)", table, dict(rows))


if __name__ == "__main__":
    main()
