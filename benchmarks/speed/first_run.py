"""The README's First run figures, measured rather than typed.

    python -m benchmarks.speed.first_run [--suite]

In a fresh clone of this checkout's HEAD, with an empty HOME (no pip cache, no
index, no model cache), it runs the README's first command in its two steps
(install, then the first search, which indexes the bundled glossaries), a later
search, and the second command's install; it counts the suite's tests and
(``--suite``) runs it, and times the fast subset. Each step's wall time and the
peak RSS of the search processes are measured; the load average is recorded.
Writes ``first_run.{md,json}``; the claims ``speed.first_run.*`` (benchmarks/claims.toml)
state its figures in the docs.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import tempfile
import time
from pathlib import Path

from benchmarks.harness import parse_args, percentile, write_results

ROOT = Path(__file__).resolve().parents[2]
QUERY = "what measures customer effort"
# runs a console command and reports its own peak memory on stderr
PEAK = (
    "import resource, runpy, sys\n"
    "sys.argv = ['glossa', *sys.argv[1:]]\n"
    "try:\n    runpy.run_module('glossa.cli', run_name='__main__')\n"
    "finally:\n    print('PEAK_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
)


def step(command: list[str], cwd: Path, env: dict, timeout: float = 3600) -> tuple[float, str, str]:
    started = time.perf_counter()
    proc = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)  # fmt: skip
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({proc.returncode}):\n"
                         f"{proc.stdout[-3000:]}\n{proc.stderr[-2000:]}")  # fmt: skip
    return time.perf_counter() - started, proc.stdout, proc.stderr


def peak_mb(stderr: str) -> float:
    found = re.findall(r"PEAK_KB (\d+)", stderr)
    return int(found[-1]) / 1024 if found else 0.0


def measure(suite: bool) -> dict:
    out: dict = {"load_before": os.getloadavg()}
    with tempfile.TemporaryDirectory() as tmp:
        home, clone = Path(tmp) / "home", Path(tmp) / "glossa"
        home.mkdir()
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GLOSSA_", "PIP_CACHE"))}
        env |= {"HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache"),
                "XDG_DATA_HOME": str(home / ".local" / "share")}  # fmt: skip
        py = str(clone / ".venv" / "bin" / "python")
        seconds, _, _ = step(["python3", "-m", "venv", ".venv"], clone, env)
        install, _, _ = step([py, "-m", "pip", "install", "-q", "-e", "."], clone, env)
        out["install_s"] = seconds + install
        first, stdout, stderr = step([py, "-c", PEAK, "search", QUERY], clone, env)
        words = " ".join(stdout.split())  # rich wraps long lines
        startup = re.search(r"start-up: model and index loaded in ([\d.]+) s", words)
        search_ms = re.search(r"search (\d+) ms", words)
        out |= {"first_search_s": first, "first_search_peak_mb": peak_mb(stderr),
                "startup_s": float(startup[1]) if startup else None,
                "search_ms": int(search_ms[1]) if search_ms else None}  # fmt: skip
        out["first_command_s"] = out["install_s"] + first
        later = [step([py, "-c", PEAK, "search", QUERY], clone, env) for _ in range(3)]
        out["later_search_s"] = [round(t, 2) for t, _, _ in later]
        out["later_search_median_s"] = percentile(out["later_search_s"], 50)
        out["later_search_peak_mb"] = max(peak_mb(e) for _, _, e in later)
        test_install, _, _ = step([py, "-m", "pip", "install", "-q", "-e", ".[test]"], clone, env)
        out["test_install_s"] = test_install
        _, collected, _ = step([py, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
                               clone, env)  # fmt: skip
        counted = re.search(r"(\d+) tests? collected", collected)
        out["tests"] = int(counted[1]) if counted else None
        fast, _, _ = step([py, "-m", "pytest", "-m", "not slow", "-q", "-p", "no:cacheprovider"],
                          clone, env)  # fmt: skip
        out["fast_subset_s"] = fast
        if suite:
            out["suite_s"], _, _ = step(
                [py, "-m", "pytest", "-q", "-p", "no:cacheprovider"], clone, env
            )
    out["load_after"] = os.getloadavg()
    return out


def table(m: dict) -> str:
    def mins(s: float) -> str:
        return f"{int(s // 60)} min {s % 60:.0f} s" if s >= 60 else f"{s:.0f} s"

    startup = f"{m['startup_s']:.1f} s start-up incl. indexing, " if m["startup_s"] else ""
    rows = [
        ("first command: `python3 -m venv` + `pip install -e .` (package index downloads; "
         "torch from the local wheel)", mins(m["install_s"])),
        ("... then the first `glossa search` (indexes the 234 bundled entries from their "
         "shipped vectors)", f"{mins(m['first_search_s'])} ({startup}{m['search_ms']} ms search), "
         f"{m['first_search_peak_mb']:.0f} MB peak RSS"),
        ("first command in all", mins(m["first_command_s"])),
        ("every later `glossa search`", f"{min(m['later_search_s']):.1f}–"
         f"{max(m['later_search_s']):.1f} s wall, {m['later_search_peak_mb']:.0f} MB peak RSS"),
        (f"second command: `pip install -e \".[test]\"` ({mins(m['test_install_s'])}) + the whole "
         f"suite ({m['tests']} tests" + (f", {mins(m['suite_s'])})" if m.get("suite_s") else ")"),
         mins(m["test_install_s"] + m["suite_s"]) if m.get("suite_s") else "–"),
        ("`pytest -m \"not slow\"` (edit-test loop)", mins(m["fast_subset_s"])),
    ]  # fmt: skip
    lines = ["| step | time |", "|---|---|", *(f"| {a} | {b} |" for a, b in rows)]
    load = " ".join(f"{x:.2f}" for x in m["load_before"])
    lines.append(f"\nMeasured by `python -m benchmarks.speed.first_run` in a fresh clone with an empty "
                 f"HOME; load average before: {load} (2 cores).")  # fmt: skip
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--suite", action="store_true", help="also run the whole suite")
    args = parse_args(parser, argv)
    measured = measure(args.suite)
    text = table(measured)
    write_results("first_run", "First run (benchmarks/speed/first_run.py)", text, measured)


if __name__ == "__main__":
    main()
