"""Hostile imports: huge files of bad records must stay bounded (issue 14).

    python -m benchmarks.hostile_imports [--scale 1.0]

Generates, in a temporary directory, the three files of the adversarial review
and imports each with ``glossa index FILE --out TMP`` in a child process:
a JSONL file of 1 million bad records (~200 MB at scale 1), a TBX file of 1.4
million definition-less concepts, and a CSV whose header has a million
columns. Measures wall time, peak RSS (``/usr/bin/time``-free: the child's
``ru_maxrss``), the lines and bytes written to stderr, and the exit code.
Writes ``results/hostile_imports.{md,json}``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import write_results

ROOT = Path(__file__).resolve().parents[1]


def make_jsonl(path: Path, n: int) -> None:
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            f.write(json.dumps({"term": f"t{i}", "definition": "", "lang": "xx",
                                "padding": "p" * 120}) + "\n")  # fmt: skip


def make_tbx(path: Path, n: int) -> None:
    with path.open("w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<tbx xmlns="urn:iso:std:iso:30042:ed-2" '
                'type="TBX-Basic" style="dca" xml:lang="en"><text><body>\n')  # fmt: skip
        for i in range(n):
            f.write(f'<conceptEntry id="c{i}"><langSec xml:lang="de"><termSec><term>Begriff {i}'
                    "</term></termSec></langSec></conceptEntry>\n")  # fmt: skip
        f.write("</body></text></tbx>\n")


def make_csv(path: Path, columns: int) -> None:
    with path.open("w", encoding="utf-8") as f:
        f.write("term,definition,lang," + ",".join(f"extra{i}" for i in range(columns)) + "\n")
        f.write("a,b,pl" + "," * columns + "\n")


def run(path: Path, out: Path) -> dict:
    started = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    proc = subprocess.run(
        [sys.executable, "-m", "glossa.cli", "index", str(path), "--out", str(out)],
        cwd=ROOT, capture_output=True, env={**os.environ, "GLOSSA_ENCODER_BACKEND": "auto"},
        timeout=1800, check=False,
    )  # fmt: skip
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {
        "file_mb": round(path.stat().st_size / 2**20, 1),
        "seconds": round(time.perf_counter() - started, 1),
        "peak_rss_mb": round(max(peak, before) / 1024, 1),
        "stderr_lines": proc.stderr.count(b"\n"),
        "stderr_kb": round(len(proc.stderr) / 1024, 1),
        "longest_stderr_line": max((len(x) for x in proc.stderr.splitlines()), default=0),
        "exit_code": proc.returncode,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        cases = [
            ("JSONL, 1M bad records", "bad.jsonl", make_jsonl, int(1_000_000 * args.scale)),
            ("TBX, 1.4M concepts without definitions", "bare.tbx", make_tbx, int(1_400_000 * args.scale)),
            ("CSV, header of 1M columns", "wide.csv", make_csv, int(1_000_000 * args.scale)),
        ]  # fmt: skip
        for name, file_name, make, n in cases:
            path = work / file_name
            make(path, n)
            rows[name] = run(path, work / f"out-{file_name}")
            path.unlink()
            print(name, rows[name], flush=True)
    head = ["case", *next(iter(rows.values())).keys()]
    lines = ["| " + " | ".join(head) + " |", "|---" * len(head) + "|"]
    lines += ["| " + " | ".join([k, *map(str, v.values())]) + " |" for k, v in rows.items()]
    text = (
        "\n".join(lines)
        + f"\n\nScale {args.scale}; load average {os.getloadavg()[0]:.2f}; 2 cores."
    )
    write_results("hostile_imports", "Hostile imports", text, rows)


if __name__ == "__main__":
    main()
