"""Served search with one termbase loaded against two, in one run.

    python -m benchmarks.speed.several_termbases [--rounds 4] [--requests 50] [--out DIR]

Two ``glossa serve`` processes on the same machine: one serves the bundled
termbase alone, the other the bundled termbase (the default, unprefixed) and a
second one of the same size (``--termbase cx=... --termbase more=...``). Both
stay up; blocks of ``--requests`` distinct queries go to each target (one, two,
two's second termbase), each target first in turn, ``--rounds`` times, a second's
pause between blocks (an encoder's threads spin a while after their last call:
a block must not pay for the one before it). Reported: p50/p95 of
``GET /search`` on each (and of ``/termbases/more/search`` on the second), and
each server's peak RSS: the issue asks for the two-termbase p50 within 5% of one.

Writes ``several_termbases.{md,json}`` under ``--out`` (default: a temporary
directory; ``--update`` rewrites the tracked figures).
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from benchmarks.gold.concepts import QUERIES
from benchmarks.harness import (
    bundled_index,
    markdown_table,
    parse_args,
    percentile,
    write_results,
)
from benchmarks.speed.termbase_server import Server, rss_peak_mb

PAUSE_S = 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--requests", type=int, default=40)
    args = parse_args(parser)
    load = os.getloadavg()[0]
    texts = [q[3] for q in QUERIES]
    with tempfile.TemporaryDirectory() as tmp:
        index = bundled_index(Path(tmp))
        copies = {name: Path(tmp) / name for name in ("one", "two-cx", "two-more")}
        for copy in copies.values():
            shutil.copytree(index, copy)
        env_dir = Path(tmp) / "shelf"  # no created termbases are served by either
        os.environ["GLOSSA_TERMBASES_DIR"] = str(env_dir)
        one = Server(copies["one"], None)
        two = Server(copies["two-cx"], None, ("--termbase", f"cx={copies['two-cx']}",
                                              "--termbase", f"more={copies['two-more']}"))
        try:
            latencies: dict[str, list[float]] = {"one termbase": [], "two termbases": [],
                                                 "two termbases, the second": []}  # fmt: skip
            for server, prefix in ((one, ""), (two, ""), (two, "/termbases/more")):
                for text in texts:
                    server.search(text, prefix)  # warm-up: first-use costs, not measured
            targets = [("one termbase", one, ""), ("two termbases", two, ""),
                       ("two termbases, the second", two, "/termbases/more")]
            n, rounds = 0, {}
            for round_ in range(args.rounds):
                # blocks, each target first in turn, with a pause between: a server whose
                # encoder threads still spin after its block must not slow the next one
                for label, server, prefix in targets[round_ % 3:] + targets[:round_ % 3]:
                    time.sleep(PAUSE_S)
                    for _ in range(args.requests):
                        n += 1  # a new text each time: the encoder runs, as for a user
                        text = f"{texts[n % len(texts)]} {n}"
                        latencies[label].append(server.search(text, prefix))
                    rounds.setdefault(label, []).append(
                        percentile(latencies[label][-args.requests:], 50))
            rss = {"one termbase": rss_peak_mb(one.process.pid), "two termbases": rss_peak_mb(two.process.pid)}
        finally:
            one.close()
            two.close()
    rows = {label: {"requests": len(found), "p50_ms": round(percentile(found, 50), 2),
                    "p95_ms": round(percentile(found, 95), 2),
                    "peak_rss_mb": round(rss.get(label, rss["two termbases"]), 1)}
            for label, found in latencies.items()}  # fmt: skip
    ratio = rows["two termbases"]["p50_ms"] / rows["one termbase"]["p50_ms"]
    # the same round's blocks against each other: drift over the run cancels out
    per_round = sorted(b / a for a, b in zip(rounds["one termbase"], rounds["two termbases"],
                                             strict=True))  # fmt: skip
    median_ratio = percentile(per_round, 50)
    table = markdown_table(rows, "server")
    text = (f"GET /search on loopback, {args.rounds} rounds of a block of {args.requests} distinct "
            f"queries per target, each target first in turn; load average before: {load:.2f} on {os.cpu_count()} cores.\n\n"
            f"{table}\n\nTwo termbases / one, p50 over all requests: **{ratio:.3f}**; median of the "
            f"rounds' ratios: **{median_ratio:.3f}** (range {per_round[0]:.3f}-{per_round[-1]:.3f}; "
            "target ≤ 1.05).")
    write_results("several_termbases", "Served search, one termbase or two", text,
                  {"load_before": load, "rows": rows, "p50_ratio": ratio,
                   "round_ratios": per_round, "median_round_ratio": median_ratio})


if __name__ == "__main__":
    main()
