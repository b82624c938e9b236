"""What the served search costs on top of the encoder, per query, per mode.

    python -m benchmarks.speed.search_overhead

One query at a time (the gold set's 162 texts, each once, so the query cache
never answers), on the bundled index: the encoder's own time per query
(``encode_queries``), then ``Searcher.search`` in each mode (encoder included).
The ratio hybrid / encoder is what issue 12 bounds at 1.2. Writes
``results/speed/search_overhead.{md,json}`` with the machine's load average.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
from glossa.corpus.sources import load_entries
from glossa.indexer.build import build_index
from glossa.search.searcher import MODES, Searcher

from benchmarks.gold.concepts import QUERIES
from benchmarks.harness import parse_args, percentile, write_results


def timed(function, items) -> np.ndarray:
    out = []
    for item in items:
        started = time.perf_counter()
        function(item)
        out.append((time.perf_counter() - started) * 1000)
    return np.array(out)


def main() -> None:
    parse_args(argparse.ArgumentParser(description=__doc__))
    from glossa.runtime import make_encoder
    from glossa.settings import Settings

    encoder = make_encoder(Settings(query_cache_size=0))
    texts = [q[3] for q in QUERIES]
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        build_index(load_entries(), encoder, Path(tmp) / "index")
        searcher = Searcher.open(Path(tmp) / "index", encoder)
        searcher.search("warm up", k=10)
        assert searcher.graph is not None  # built once per index version, not per query
        for _ in range(2):  # second round is the measured one
            rows["encoder"] = timed(lambda t: encoder.encode_queries([t]), texts)
            for mode in MODES:
                rows[mode] = timed(lambda t, m=mode: searcher.search(t, k=10, mode=m), texts)
    load = os.getloadavg()
    table = ["| what | p50 ms | p90 ms | mean ms | p50 / encoder p50 |", "|---|---|---|---|---|"]
    base = percentile(list(rows["encoder"]), 50)
    summary = {}
    for name, values in rows.items():
        p50 = percentile(list(values), 50)
        summary[name] = {"p50": round(p50, 2), "p90": round(percentile(list(values), 90), 2),
                         "mean": round(float(values.mean()), 2), "ratio": round(p50 / base, 3)}  # fmt: skip
        s = summary[name]
        table.append(f"| {name} | {s['p50']} | {s['p90']} | {s['mean']} | {s['ratio']} |")
    text = (
        "\n".join(table)
        + f"\n\nLoad average (1, 5, 15 min) at the end: {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f}; 2 cores."
    )
    write_results(
        "search_overhead", "Search cost over the encoder", text, {"rows": summary, "load": load}
    )


if __name__ == "__main__":
    main()
