"""The one harness every benchmark script runs on: where results go, percentiles,
tables, the machine's load, a loopback server's readiness.

Why one: the figures Glossa states are claims (``benchmarks/claims.toml``) that
anyone re-runs. That works only if every script writes where it is told (``--out
DIR``; a fresh temporary directory by default, so a run never overwrites the
tracked results by accident), computes p50 the same way, and records the load of
the machine it ran on. ``--update`` writes into the tracked
``benchmarks/results/<question>/`` on purpose.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import sys
import tempfile
import time
import urllib.request
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TRACKED = ROOT / "benchmarks" / "results"
QUESTIONS = ("quality", "speed", "robustness", "scale", "milvus")

_results: Path | None = None


def question_of(module: str) -> str:
    """``benchmarks.speed.burst`` -> ``speed``: the question a benchmark answers
    is the package it lives in."""
    parts = module.split(".")
    if len(parts) >= 3 and parts[0] == "benchmarks" and parts[1] in QUESTIONS:
        return parts[1]
    raise ValueError(f"{module} is not a benchmark of one of {', '.join(QUESTIONS)}")


def _caller_module(depth: int = 2) -> str:
    """The calling benchmark's module name, also when it runs as a script."""
    frame = sys._getframe(depth)
    spec = frame.f_globals.get("__spec__")
    if spec is not None:
        return spec.name
    path = Path(frame.f_globals.get("__file__", "")).resolve()
    if path.parent.parent == ROOT / "benchmarks":
        return f"benchmarks.{path.parent.name}.{path.stem}"
    return frame.f_globals["__name__"]


def parse_args(
    parser: argparse.ArgumentParser, argv: list[str] | None = None
) -> argparse.Namespace:
    """``parser.parse_args`` plus the options every benchmark has: ``--out DIR``
    (results there) and ``--update`` (results into the tracked folder of the
    calling script's question). Sets where :func:`results_dir` points."""
    global _results
    parser.add_argument("--out", type=Path, help="results directory (default: a new temporary one)")
    parser.add_argument("--update", action="store_true",
                        help="write the results into the tracked benchmarks/results/<question>/")  # fmt: skip
    args = parser.parse_args(argv)
    if args.out is not None:
        _results = args.out
    elif args.update:
        _results = TRACKED / question_of(_caller_module())
    return args


def results_dir() -> Path:
    """Where this run writes: ``--out``, the tracked folder with ``--update``, else
    one temporary directory per process (said once on stderr)."""
    global _results
    if _results is None:
        _results = Path(tempfile.mkdtemp(prefix="glossa-bench-"))
        print(f"results go to {_results} (--update writes the tracked ones)", file=sys.stderr)
    _results.mkdir(parents=True, exist_ok=True)
    return _results


def machine() -> dict:
    """The machine a figure was measured on: cores, load average, Python, date."""
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {"cores": os.cpu_count(), "load": [round(x, 2) for x in load],
            "python": platform.python_version(), "date": date.today().isoformat()}  # fmt: skip


def machine_line() -> str:
    m = machine()
    return (f"Machine: {m['cores']} cores, load average {' '.join(map(str, m['load']))}, "
            f"Python {m['python']}, {m['date']}.")  # fmt: skip


def child_env(before: str | None = None, *, benchmarks: bool = False, **settings: str) -> dict:
    """The environment of a process a benchmark starts: ``before`` (an older
    glossa laid out as installed, to measure two versions in one run) first on
    PYTHONPATH, then, with ``benchmarks``, the checkout (for a child that imports
    the benchmarks package); ``settings`` added (``GLOSSA_INDEX_DIR=...``)."""
    env = {**os.environ, **settings}
    path = os.pathsep.join(p for p in (before, str(ROOT) if benchmarks else None) if p)
    if path:
        env["PYTHONPATH"] = path
    return env


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (no interpolation: every figure is a measured value).
    The one p50 of every benchmark."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def free_port() -> int:
    """A free TCP port on 127.0.0.1 (benchmarks only ever talk to loopback)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(base: str, started: float, limit: float = 300) -> float:
    """Seconds from ``started`` until ``base``/health answers 200; exits after ``limit``."""
    while time.perf_counter() - started < limit:
        try:
            with urllib.request.urlopen(base + "/health", timeout=2) as r:
                if r.status == 200:
                    return time.perf_counter() - started
        except OSError:
            pass
        time.sleep(0.05)
    raise SystemExit(f"server at {base} did not become ready within {limit:.0f} s")


def write_text(name: str, text: str, results: Path | None = None) -> Path:
    """One more file of this run's results (a TREC run, a plot's data...)."""
    path = (results or results_dir()) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def write_results(stem: str, title: str, text: str, data, results: Path | None = None) -> Path:
    """Print a benchmark's table and keep it: ``<stem>.md`` (the title, the text
    and the machine's load) and ``<stem>.json`` (the figures), in ``results`` or
    :func:`results_dir`. Returns the directory."""
    folder = results or results_dir()
    print(text)
    write_text(f"{stem}.json", json.dumps(data, indent=2, ensure_ascii=False), folder)
    write_text(f"{stem}.md", f"# {title}\n\n{text}\n\n{machine_line()}\n", folder)
    print(f"wrote {folder / stem}.md and .json", file=sys.stderr)
    return folder


def markdown_table(rows: dict[str, dict], first: str) -> str:
    """``rows`` (name -> {column: value}) as a Markdown table, columns in the
    order the rows first name them; ``|`` inside a value is written as ``/``."""
    keys = list(dict.fromkeys(k for row in rows.values() for k in row))
    lines = ["| " + " | ".join([first, *keys]) + " |", "|---" * (len(keys) + 1) + "|"]
    for name, row in rows.items():
        cells = [str(row.get(k, "")).replace("|", "/").replace("\n", " ") for k in keys]
        lines.append("| " + " | ".join([name, *cells]) + " |")
    return "\n".join(lines)


def bundled_index(folder: Path) -> Path:
    """The bundled glossaries indexed by the real command into ``folder``/index
    (as a user's first run makes it); its path."""
    import subprocess

    index = folder / "index"
    subprocess.run([sys.executable, "-m", "glossa.cli", "index", "--out", str(index)],
                   check=True, capture_output=True)  # fmt: skip
    return index
