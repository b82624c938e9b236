"""Hostile imports: huge files of bad records must stay bounded (issue 14).

    python -m benchmarks.robustness.hostile_imports [--scale 1.0]

Generates, in a temporary directory, the files of the adversarial reviews
and imports each with ``glossa index FILE --out TMP`` in a child process:
a JSONL file of 1 million bad records (~200 MB at scale 1), a TBX file of 1.4
million definition-less concepts, a CSV whose header has a million columns, a
workbook whose one cell inflates to 800 MiB (a zip bomb), a workbook of 10
million empty rows and a CSV of one 100 MB line (issue 28). Measures wall
time, the child's own peak RSS (``ru_maxrss``), the lines and bytes written to
stderr, tracebacks, the exit code and the first line said.
Writes ``results/robustness/hostile_imports.{md,json}``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.harness import parse_args, write_results

ROOT = Path(__file__).resolve().parents[2]


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


PLACEHOLDER = "INFLATE-HERE"


def make_inflating_xlsx(path: Path, inflated_bytes: int) -> None:
    """A valid workbook (header and one row) whose one definition cell is
    ``inflated_bytes`` of one letter: a few hundred KB packed (a zip bomb)."""
    import zipfile

    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["term", "definition", "lang"])
    book.active.append(["Kunde", PLACEHOLDER, "de"])
    plain = path.with_suffix(".plain.xlsx")
    book.save(plain)
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if PLACEHOLDER.encode() not in data:
                dst.writestr(info, data)
                continue
            before, after = data.split(PLACEHOLDER.encode(), 1)
            with dst.open(info.filename, "w", force_zip64=True) as part:
                part.write(before)
                chunk = b"a" * 2**20
                for _ in range(inflated_bytes // len(chunk)):
                    part.write(chunk)
                part.write(after)
    plain.unlink()


def make_xlsx_rows(path: Path, rows: int) -> None:
    """A workbook with a header and ``rows`` empty rows (a few MB packed)."""
    import zipfile

    make_inflating_xlsx(path.with_suffix(".seed.xlsx"), 0)
    with zipfile.ZipFile(path.with_suffix(".seed.xlsx")) as src, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:  # fmt: skip
        for info in src.infolist():
            data = src.read(info)
            if b"<sheetData>" not in data:
                dst.writestr(info, data)
                continue
            before, after = data.split(b"</sheetData>", 1)
            with dst.open(info.filename, "w", force_zip64=True) as part:
                part.write(before)
                for start in range(3, rows + 3, 10_000):
                    part.write("".join(f'<row r="{r}"/>' for r in range(start, min(start + 10_000,
                                                                             rows + 3))).encode())  # fmt: skip
                part.write(b"</sheetData>" + after)
    path.with_suffix(".seed.xlsx").unlink()


def make_csv_line(path: Path, size: int) -> None:
    """A CSV whose one record is one line of ``size`` bytes."""
    with path.open("w", encoding="utf-8") as f:
        f.write("term,definition,lang\nKunde,")
        for _ in range(size // 2**20):
            f.write("x" * 2**20)
        f.write(",de\n")


# the child reports its own peak memory (RUSAGE_CHILDREN would keep the largest so far)
CHILD = (
    "import resource, runpy, sys\n"
    "sys.argv = ['glossa', *sys.argv[1:]]\n"
    "try:\n    runpy.run_module('glossa.cli', run_name='__main__')\n"
    "finally:\n    print('PEAK_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
)


def run(path: Path, out: Path) -> dict:
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, "index", str(path), "--out", str(out)],
        cwd=ROOT, capture_output=True, env={**os.environ, "GLOSSA_ENCODER_BACKEND": "auto"},
        timeout=1800, check=False,
    )  # fmt: skip
    lines = proc.stderr.splitlines()
    peak = next((int(x.split()[1]) for x in reversed(lines) if x.startswith(b"PEAK_KB")), 0)
    stderr = [x for x in lines if not x.startswith(b"PEAK_KB")]
    return {
        "file_mb": round(path.stat().st_size / 2**20, 1),
        "seconds": round(time.perf_counter() - started, 1),
        "peak_rss_mb": round(peak / 1024, 1),
        "stderr_lines": len(stderr),
        "stderr_kb": round(sum(len(x) + 1 for x in stderr) / 1024, 1),
        "longest_stderr_line": max((len(x) for x in stderr), default=0),
        "tracebacks": sum(b"Traceback" in x for x in stderr),
        "exit_code": proc.returncode,
        "first_line": next((x.decode(errors="replace")[:160] for x in stderr if x.strip()), ""),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument(
        "--only",
        default="JSONL,CSV,XLSX",
        help="comma-separated: run the cases whose name holds one of these (the "
        "TBX case now imports 1.4M terms, as a termbase's terms need no "
        "definition, and embeds them for hours: --only TBX)",
    )
    args = parse_args(parser)
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        cases = [
            ("JSONL, 1M bad records", "bad.jsonl", make_jsonl, int(1_000_000 * args.scale)),
            ("TBX, 1.4M concepts without definitions", "bare.tbx", make_tbx, int(1_400_000 * args.scale)),
            ("CSV, header of 1M columns", "wide.csv", make_csv, int(1_000_000 * args.scale)),
            ("XLSX, one cell inflating to 800 MiB", "bomb.xlsx", make_inflating_xlsx,
             int(800 * 2**20 * args.scale)),
            ("XLSX, 10M empty rows", "rows.xlsx", make_xlsx_rows, int(10_000_000 * args.scale)),
            ("CSV, one line of 100 MB", "line.csv", make_csv_line, int(100 * 2**20 * args.scale)),
        ]  # fmt: skip
        for name, file_name, make, n in cases:
            if not any(part and part in name for part in args.only.split(",")):
                continue
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
        + f"\n\nScale {args.scale}; cases: {args.only}; load average {os.getloadavg()[0]:.2f}; "
        "2 cores. Peak RSS is the child's own; a case that gets as far as embedding includes "
        "the model (about 0.9 GB)."
    )
    write_results("hostile_imports", "Hostile imports", text, rows)


if __name__ == "__main__":
    main()
