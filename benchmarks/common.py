"""Helpers the benchmark scripts share: percentiles, a loopback port, readiness."""

from __future__ import annotations

import socket
import time
import urllib.request
from pathlib import Path


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (no interpolation: every figure is a measured value)."""
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


def write_results(stem: str, title: str, text: str, data, results: Path | None = None) -> None:
    """Print a benchmark's table and keep it: ``results/<stem>.md`` (the title and
    the text) and ``results/<stem>.json`` (the figures)."""
    import json

    results = results or Path(__file__).resolve().parent / "results"
    print(text)
    results.mkdir(exist_ok=True)
    (results / f"{stem}.json").write_text(json.dumps(data, indent=2))
    (results / f"{stem}.md").write_text(f"# {title}\n\n{text}\n")


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
    import sys

    index = folder / "index"
    subprocess.run([sys.executable, "-m", "glossa.cli", "index", "--out", str(index)],
                   check=True, capture_output=True)  # fmt: skip
    return index
