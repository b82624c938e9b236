"""``glossa qa`` on a large bilingual file: time, throughput and peak memory.

    python -m benchmarks.speed.translation_qa_scale [--megabytes 60] [--format xlf|tmx|po]
        [--before DIR] [--out DIR]

Writes an XLIFF 1.2 (or TMX, PO) file of about ``--megabytes`` MB whose units
are real sentences: the Polish source sentences and Chinese targets are cut
from the bundled glossaries' definitions (so they hold the termbase's terms in
their running-text forms), paired in turn and numbered. Then runs the real
command, ``python -m glossa.cli qa FILE --json`` over the bundled index (built
first, in a temporary directory), and reports wall time, units per second, ms
per unit and the process's peak RSS (its own ``ru_maxrss``, by ``wait4``), plus the
output's size. The issue's bar: a 60 MB XLIFF in <= 60 s and <= 1 GB. ``--before DIR``:
the same file through an older checkout laid out as installed, in the same run.

Writes ``translation_qa_scale.{md,json}`` under ``--out`` (default: a
temporary directory; ``--update`` rewrites the tracked figures).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from xml.sax.saxutils import escape

from benchmarks.harness import bundled_index, child_env, markdown_table, parse_args, write_results


def sentences(lang: str) -> list[str]:
    from glossa.corpus.sources import load_entries

    cut = re.compile(r"(?<=[.!?。！？])\s*")
    found = []
    for entry in load_entries():
        if entry.lang == lang:
            found += [s.strip() for s in cut.split(entry.definition) if 20 <= len(s.strip()) <= 300]
    return found


def write_file(path: Path, megabytes: float, fmt: str) -> int:
    """A bilingual file of about ``megabytes`` MB; returns its unit count."""
    sources, targets = sentences("pl"), sentences("zh")
    budget, units = int(megabytes * 2**20), 0
    with path.open("w", encoding="utf-8") as out:
        if fmt == "xlf":
            out.write('<?xml version="1.0" encoding="UTF-8"?>\n<xliff version="1.2" '
                      'xmlns="urn:oasis:names:tc:xliff:document:1.2">\n<file original="big.txt" '
                      'source-language="pl" target-language="zh" datatype="plaintext"><body>\n')
        elif fmt == "tmx":
            out.write('<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4"><header '
                      'srclang="pl" datatype="plaintext" segtype="sentence" adminlang="en" '
                      'creationtool="glossa-bench" creationtoolversion="1" o-tmf="none"/><body>\n')
        else:
            out.write('msgid ""\nmsgstr ""\n"Language: zh\\n"\n"X-Source-Language: pl\\n"\n'
                      '"Content-Type: text/plain; charset=UTF-8\\n"\n\n')
        while out.tell() < budget:
            units += 1
            source, target = sources[units % len(sources)], targets[(units * 7) % len(targets)]
            if fmt == "xlf":
                out.write(f'<trans-unit id="u{units}"><source>{escape(source)}</source>'
                          f'<target>{escape(target)}</target></trans-unit>\n')
            elif fmt == "tmx":
                out.write(f'<tu tuid="u{units}"><tuv xml:lang="pl"><seg>{escape(source)}</seg></tuv>'
                          f'<tuv xml:lang="zh"><seg>{escape(target)}</seg></tuv></tu>\n')
            else:
                quoted = [s.replace("\\", "\\\\").replace('"', '\\"') for s in (source, target)]
                out.write(f'msgctxt "u{units}"\nmsgid "{quoted[0]}"\nmsgstr "{quoted[1]}"\n\n')
        out.write({"xlf": "</body></file></xliff>\n", "tmx": "</body></tmx>\n", "po": ""}[fmt])
    return units


def run_qa(path: Path, index: Path, tmp: Path, pythonpath: str | None) -> dict:
    """``glossa qa --json`` on ``path``: seconds, the process's own peak RSS, the
    output's size (``pythonpath``: an older checkout laid out as installed)."""
    report = tmp / "report.json"
    env = child_env(pythonpath)
    started = time.perf_counter()
    with report.open("wb") as stdout, tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "glossa.cli", "qa", str(path), "--json", "--index", str(index)],
            stdout=stdout, stderr=stderr, env=env, cwd=tempfile.gettempdir(),
        )  # fmt: skip
        _, status, usage = os.wait4(process.pid, 0)  # this child's own peak, not the build's
        seconds = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status) not in (0, 2):
            stderr.seek(0)
            raise SystemExit(f"glossa qa failed: {stderr.read().decode(errors='replace')[-2000:]}")
    return {"seconds": round(seconds, 1), "peak_rss_mb": round(usage.ru_maxrss / 1024),
            "json_output_mb": round(report.stat().st_size / 2**20, 1)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=60)
    parser.add_argument("--format", choices=("xlf", "tmx", "po"), default="xlf")
    parser.add_argument("--before", type=Path, help="an older checkout laid out as installed")
    args = parse_args(parser)
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        index = bundled_index(Path(tmp))
        path = Path(tmp) / f"big.{args.format}"
        units = write_file(path, args.megabytes, args.format)
        size = path.stat().st_size
        rows = {}
        for name, pythonpath in (("before", args.before), ("now", None)):
            if name == "before" and pythonpath is None:
                continue
            rows[name] = run_qa(path, index, Path(tmp), pythonpath)
            rows[name] = {"file_mb": round(size / 2**20, 1), "units": units, **rows[name]}
            rows[name]["ms_per_unit"] = round(rows[name]["seconds"] * 1000 / units, 3)
            rows[name]["units_per_s"] = round(units / rows[name]["seconds"])
            print(name, rows[name], flush=True)
    text = (f"`glossa qa --json` on a generated {args.format} file of real Polish and Chinese "
            f"sentences (the bundled glossaries'), one run; load average before: {load:.2f} on "
            f"{os.cpu_count()} cores. Peak RSS is the qa process's own.\n\n"
            + markdown_table(rows, "code"))
    write_results("translation_qa_scale", "Translation QA of a large file", text,
                  {"load_before": load, "format": args.format, "rows": rows})


if __name__ == "__main__":
    main()
