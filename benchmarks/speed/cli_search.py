"""``glossa search`` from the shell: wall time and memory of the whole process.

    python -m benchmarks.speed.cli_search [--runs 5] [--before SITE] [--out DIR]

Over the bundled index (built first into a temporary folder by the real command),
``glossa search "what measures customer effort"`` runs ``--runs`` times after two
warm-up runs (the files in the page cache, as on a user's machine a moment after
the last command). Each run's wall time (process start to exit) and peak RSS;
the median is issue 39's figure (target <= 0.4 s, <= 150 MB). With ``--before``
(a folder holding an older glossa laid out as installed, first on PYTHONPATH)
the older version's runs are interleaved with these, so both see the same machine.

Then where one run's time goes: the imports by top-level package (``python -X
importtime``, self time summed; importtime's own overhead inflates them) and, in
one process with every module imported, opening the termbase, the first search
and a second one. Writes ``cli_search.{md,json}``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from benchmarks.harness import (
    bundled_index,
    child_env,
    markdown_table,
    parse_args,
    percentile,
    write_results,
)
from benchmarks.speed.first_run import PEAK, QUERY, peak_mb

# the same search in one process, each stage timed
STAGES = (
    "import sys, time, json\n"
    "from pathlib import Path\n"
    "t0 = time.perf_counter()\n"
    "from glossa.cli import load\n"
    "load('search')\n"
    "from glossa.cli.shell import reading_termbase\n"
    "t1 = time.perf_counter()\n"
    "searcher = reading_termbase(Path(sys.argv[1])).searcher\n"
    "searcher.encoder.encode_queries(['warm-up'])\n"
    "t2 = time.perf_counter()\n"
    "searcher.search_response(sys.argv[2])\n"
    "t3 = time.perf_counter()\n"
    "searcher.search_response('how long do callers wait on hold')\n"
    "t4 = time.perf_counter()\n"
    "print(json.dumps([t1 - t0, t2 - t1, t3 - t2, t4 - t3]))\n"
)


def one_run(env: dict, index: Path) -> tuple[float, float]:
    """(wall seconds, peak MB) of one ``glossa search`` process."""
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", PEAK, "search", QUERY, "--index", str(index)],
                          env=env, capture_output=True, text=True, check=False, timeout=300)  # fmt: skip
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"glossa search failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return wall, peak_mb(proc.stderr)


def imports_by_package(env: dict, index: Path) -> dict[str, float]:
    """Self time of every import in one run, summed per top-level package (ms)."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", PEAK, "search", QUERY,
                           "--index", str(index)], env=env, capture_output=True, text=True,
                          check=True, timeout=300)  # fmt: skip
    total: Counter[str] = Counter()
    for line in proc.stderr.splitlines():
        found = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s+(\S+)", line)
        if found:
            total[found.group(2).split(".")[0]] += int(found.group(1)) / 1000
    return dict(total.most_common())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--before", help="an older glossa laid out as installed")
    args = parse_args(parser)
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        index = bundled_index(Path(tmp))
        versions = {"now": child_env()}
        if args.before:
            versions = {"before": child_env(args.before), **versions}
        env = {name: {**e, "PYTHONWARNINGS": "ignore"} for name, e in versions.items()}
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name in env}
        for name in env:  # warm-up: the files and the bytecode in the caches
            for _ in range(2):
                one_run(env[name], index)
        for _ in range(args.runs):
            for name in env:
                runs[name].append(one_run(env[name], index))
        packages = imports_by_package(env["now"], index)
        stages = subprocess.run([sys.executable, "-c", STAGES, str(index), QUERY], env=env["now"],
                                capture_output=True, text=True, check=True, timeout=300)  # fmt: skip
    imports_s, open_s, first_s, second_s = json.loads(stages.stdout.splitlines()[-1])
    rows = {}
    for name, measured in runs.items():
        walls = sorted(w for w, _ in measured)
        rows[f"glossa search ({name})"] = {
            "median s": round(percentile(walls, 50), 3), "min s": round(walls[0], 3),
            "max s": round(walls[-1], 3), "peak MB": round(max(m for _, m in measured), 1)}  # fmt: skip
    shown = dict(list(packages.items())[:10])
    rest = sum(packages.values()) - sum(shown.values())
    import_rows = {name: {"ms (self, summed)": round(ms, 1)} for name, ms in shown.items()}
    import_rows["everything else"] = {"ms (self, summed)": round(rest, 1)}
    stage_rows = {
        "imports (glossa.cli, the reading commands)": {"ms": round(imports_s * 1000, 1)},
        "termbase opened, encoder loaded and warmed": {"ms": round(open_s * 1000, 1)},
        "first search (analysers, calibration, links)": {"ms": round(first_s * 1000, 1)},
        "a second search": {"ms": round(second_s * 1000, 1)},
    }
    now = rows["glossa search (now)"]
    text = (f"`glossa search \"{QUERY}\"` over the bundled index, {args.runs} runs after two "
            f"warm-up runs{', interleaved with the older version' if args.before else ''}; load "
            f"average before: {load:.2f} on {os.cpu_count()} cores.\n\n"
            + markdown_table(rows, "command")
            + f"\n\nMedian **{now['median s']} s**, peak **{now['peak MB']} MB** "
            "(targets: 0.4 s, 150 MB).\n\n## Where one run's time goes\n\nIn one process:\n\n"
            + markdown_table(stage_rows, "stage")
            + "\n\nImports by top-level package (`python -X importtime`, self time summed; "
            "its own overhead inflates them):\n\n" + markdown_table(import_rows, "package"))  # fmt: skip
    write_results("cli_search", "glossa search from the shell", text,
                  {"load_before": load, "runs": runs, "rows": rows,
                   "median_s": now["median s"], "peak_mb": now["peak MB"],
                   "stages_ms": stage_rows, "imports_ms": packages})  # fmt: skip


if __name__ == "__main__":
    main()
