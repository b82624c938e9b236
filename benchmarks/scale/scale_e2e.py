"""The whole engine at 10k, 100k (and 1M with --sizes) entries: what grows with the index.

A fast deterministic encoder (hashed words projected to 384 dimensions, a few
microseconds per text) stands in for the model, so the figures are the costs of
everything that is *not* the encoder: storage, lexical index, calibration,
fusion, equivalents, writes. The real encoder's throughput is measured by
``benchmarks/speed/perf.py``. Entries are synthetic but built from real text: terms
and definitions are drawn (Zipf-weighted) from the words of the bundled
glossaries of each language, so token statistics (n-grams, CJK segments) look
like the real corpus.

Per size, each in fresh processes (so RSS and cold load are honest):
build time, index size on disk, cold load (manifest, checksums, segments,
Searcher), RSS after load, search p50/p99 per mode with query vectors
precomputed (encoder excluded), equivalents (first build, or "capped"), and
write latency (commit + the Searcher swap) of add / update / delete of 1 and
1,000 entries. Writes a table, the JSON figures, a log-log plot and the slope
fitted to each cost (1 = linear in the index size, 0 = independent of it).

    python -m benchmarks.scale.scale_e2e                 # 10k and 100k
    python -m benchmarks.scale.scale_e2e --sizes 10000,100000,1000000
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

from benchmarks.harness import child_env, parse_args, percentile, results_dir, write_results

DIMENSION = 384
QUERIES = 200
ROOT = Path(__file__).resolve().parents[2]


class HashingEncoder:
    """Deterministic stand-in for the model: each word hashes to a fixed random
    direction, a text is the normalised sum (texts sharing words are close)."""

    model_name = "hashing-384"
    dimension = DIMENSION

    def __init__(self) -> None:
        self._cache: dict[str, np.ndarray] = {}
        self._basis = (
            np.random.default_rng(0).standard_normal((1 << 14, DIMENSION)).astype(np.float32)
        )

    def _vector(self, text: str) -> np.ndarray:
        words = re.findall(r"\w+", text.lower()) or [text]
        ids = [int.from_bytes(hashlib.blake2b(w.encode(), digest_size=4).digest(), "little")
               & 0x3FFF for w in words]  # fmt: skip
        v = self._basis[ids].sum(axis=0)
        return v / max(float(np.linalg.norm(v)), 1e-9)

    def encode_queries(self, texts):
        if not len(texts):
            return np.zeros((0, DIMENSION), np.float32)
        return np.stack([self._vector(t) for t in texts]).astype(np.float32)

    def encode_documents(self, texts, progress=None):
        out = self.encode_queries(texts)
        if progress:
            progress(len(texts), len(texts))
        return out


class PrecomputedEncoder(HashingEncoder):
    """Returns query vectors computed before timing starts: search without the encoder."""

    def __init__(self, vectors: dict[str, np.ndarray]) -> None:
        super().__init__()
        self.vectors = vectors

    def encode_queries(self, texts):
        known = [self.vectors.get(t) for t in texts]
        if all(v is not None for v in known):
            return np.stack(known)
        return super().encode_queries(texts)


def vocabulary() -> dict[str, tuple[list[str], np.ndarray]]:
    """Per language of the bundled corpus: its words and Zipf weights by frequency."""
    from glossa.analysis import words
    from glossa.corpus.sources import load_entries

    per_lang: dict[str, Counter] = {}
    for e in load_entries():
        per_lang.setdefault(e.lang, Counter()).update(words(f"{e.term} {e.definition}"))
    out = {}
    for lang, counts in per_lang.items():
        ranked = [w for w, _ in counts.most_common()]
        weights = 1.0 / np.arange(1, len(ranked) + 1)
        out[lang] = (ranked, weights / weights.sum())
    return out


def synthetic_entries(count: int, seed: int = 0, prefix: str = "s"):
    from glossa.corpus.entry import Entry

    vocab = vocabulary()
    langs = sorted(vocab)
    rng = np.random.default_rng(seed)
    joiner = {"zh": ""}
    cumulative = {lang: np.cumsum(weights) for lang, (_, weights) in vocab.items()}
    term_lengths = rng.integers(1, 4, count)
    definition_lengths = rng.integers(8, 25, count)
    draws = rng.random(int(term_lengths.sum() + definition_lengths.sum()))
    entries, at = [], 0
    for i in range(count):
        lang = langs[i % len(langs)]
        ranked = vocab[lang][0]
        sep = joiner.get(lang, " ")
        picks = np.minimum(np.searchsorted(cumulative[lang],
                                           draws[at : at + term_lengths[i] + definition_lengths[i]]),
                           len(ranked) - 1)  # fmt: skip
        at += term_lengths[i] + definition_lengths[i]
        words = [ranked[w] for w in picks.tolist()]
        term = sep.join(words[: term_lengths[i]]) + f" {i}"
        definition = sep.join(words[term_lengths[i] :]) + "."
        entries.append(Entry(f"{prefix}{i}", term, definition, lang, f"synthetic-{lang}",
                             concept=f"c{i // len(langs)}"))  # fmt: skip
    return entries


def rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def disk_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def build(size: int, path: Path) -> dict:
    from glossa.indexer.build import build_index

    entries = synthetic_entries(size)
    started = time.perf_counter()
    build_index(entries, HashingEncoder(), path)
    return {"build_s": time.perf_counter() - started, "disk_mb": disk_mb(path)}


def measure(size: int, path: Path) -> dict:
    from glossa.indexer.store.reader import load_index_dir
    from glossa.indexer.writes import apply_changes
    from glossa.search.searcher import Searcher

    out: dict = {"rss_start_mb": rss_mb()}
    queries = [e.term.rsplit(" ", 1)[0] for e in synthetic_entries(QUERIES, seed=1, prefix="q")]
    vectors = dict(zip(queries, HashingEncoder().encode_queries(queries), strict=True))
    encoder = PrecomputedEncoder(vectors)
    gc.collect()
    started = time.perf_counter()
    loaded = load_index_dir(path)
    searcher = Searcher.of_index(loaded, encoder)
    out["cold_load_s"] = time.perf_counter() - started
    out["rss_after_load_mb"] = rss_mb()
    # the graph: built on first use up to 20k entries, on a background thread above
    # (started with the Searcher); this waits for it, so searches below run with it
    searcher.wait_for_graph = True
    t = time.perf_counter()
    # one entry by row: ``loaded.entries`` would parse and hold every entry (700 MB at 1M)
    searcher.equivalents(loaded.entry(int(loaded.live_rows[0])).id)
    out["equivalents_build_s"] = time.perf_counter() - t
    out["rss_after_graph_mb"] = rss_mb()
    # warmed by other queries first (the index's pages, the graph's per-entry answers
    # for their hits): a first pass right after loading measured 3x slower at 100k
    warm = [e.term.rsplit(" ", 1)[0] for e in synthetic_entries(QUERIES, seed=3, prefix="u")]
    encoder.vectors.update(zip(warm, HashingEncoder().encode_queries(warm), strict=True))
    for mode in ("dense", "lexical", "hybrid"):
        for q in warm:
            searcher.search(q, k=10, mode=mode)
        times = []
        for q in queries:
            t = time.perf_counter()
            searcher.search(q, k=10, mode=mode)
            times.append((time.perf_counter() - t) * 1000)
        out[f"{mode}_p50_ms"], out[f"{mode}_p99_ms"] = percentile(times, 50), percentile(times, 99)
    # writes: commit (apply_changes given the version held) + the Searcher swap
    extra = synthetic_entries(3000, seed=2, prefix="w")
    current = loaded
    writer = HashingEncoder()
    for label, batch, reps in (("1", 1, 15), ("1000", 1000, 2)):
        for op in ("add", "update", "delete"):
            times, commits = [], []
            for r in range(reps):
                chunk = extra[r * batch % 2000 : r * batch % 2000 + batch]
                if op == "add":
                    kwargs = {"add": chunk}
                elif op == "update":
                    kwargs = {"update": [e.__class__(**{**e.to_dict(), "definition": e.definition
                                                         + f" v{r}"}) for e in chunk]}  # fmt: skip
                else:
                    kwargs = {"delete": [e.id for e in chunk]}
                t = time.perf_counter()
                current, _ = apply_changes(path, writer, current=current, **kwargs)
                committed = time.perf_counter()
                searcher = searcher.with_index(current)
                done = time.perf_counter()
                commits.append((committed - t) * 1000)
                times.append((done - t) * 1000)
                if op == "delete":  # put them back for the next repetition
                    current, _ = apply_changes(path, writer, current=current, add=chunk)
                    searcher = searcher.with_index(current)
            out[f"write_{op}_{label}_ms"] = percentile(times, 50)
            out[f"commit_{op}_{label}_ms"] = percentile(commits, 50)
            if label == "1" and op == "add":  # what the first query after a write pays
                t = time.perf_counter()
                searcher.search(queries[1], k=10, mode="hybrid")
                out["first_hybrid_after_write_ms"] = (time.perf_counter() - t) * 1000
    out["segments_after_writes"] = len(current.segments)
    try:  # where a one-entry write spends its time (cumulative ms per step, 5 writes)
        out["write_steps_ms"] = write_steps(path, current, searcher, writer, extra[2500:2505])
    except Exception as exc:  # noqa: BLE001 - a breakdown must not lose the run
        out["write_steps_ms"] = {"error": repr(exc)}
    out["rss_end_mb"] = rss_mb()
    return out


STEPS = {
    "plan (id lookups)": ("glossa.indexer.writes", "plan"),
    "reuse current version": ("glossa.indexer.writes", "load_index_dir"),
    "embed changed texts": ("glossa.indexer.writes", "_vectors_for"),
    "write segment": ("glossa.indexer.writes", "write_segment"),
    "write deletes": ("glossa.indexer.writes", "write_deletes"),
    "merge": ("glossa.indexer.writes", "merge_segments"),
    "commit manifest + gc": ("glossa.indexer.writes", "write_manifest"),
    "reader: advance graph": ("glossa.search.local_reader", "advance_graph"),
    "reader: other state": ("glossa.search.local_reader.LocalReader", "__init__"),
}


def write_steps(path: Path, current, searcher, encoder, entries) -> dict:
    """Time each step of ``len(entries)`` one-entry adds by wrapping the functions
    the write path calls (cumulative ms per step, divided by the number of writes)."""
    import importlib

    from glossa.indexer.writes import apply_changes

    spent: dict[str, float] = dict.fromkeys(STEPS, 0.0)
    originals = []
    for label, (module, name) in STEPS.items():
        owner_path, _, attr = module.rpartition(".") if module.endswith("Reader") else (
            module, "", "")  # fmt: skip
        owner = (getattr(importlib.import_module(owner_path), attr) if attr
                 else importlib.import_module(module))  # fmt: skip
        function = getattr(owner, name)

        def timed(*args, _f=function, _label=label, **kwargs):
            started = time.perf_counter()
            try:
                return _f(*args, **kwargs)
            finally:
                spent[_label] += (time.perf_counter() - started) * 1000

        setattr(owner, name, timed)
        originals.append((owner, name, function))
    try:
        total = 0.0
        for entry in entries:
            started = time.perf_counter()
            current, _ = apply_changes(path, encoder, current=current, add=[entry])
            searcher = searcher.with_index(current)
            total += (time.perf_counter() - started) * 1000
    finally:
        for owner, name, function in originals:
            setattr(owner, name, function)
    n = len(entries)
    steps = {label: ms / n for label, ms in spent.items()}
    steps["reader: other state"] -= steps["reader: advance graph"]
    steps["total"] = total / n
    return steps


def run_step(module: str, step: str, *args: str) -> dict:
    """Run ``python -m <module> --child <step> <args>`` in a fresh process (honest
    RSS and cold load) and return the JSON figures it prints last."""
    # the checkout for the benchmark itself, after any PYTHONPATH given (an older
    # glossa laid out as installed, to compare versions in one run)
    env = child_env(os.environ.get("PYTHONPATH"), benchmarks=True)
    result = subprocess.run(
        [sys.executable, "-m", module, "--child", step, *args],
        cwd=tempfile.gettempdir(), env=env,  # not the checkout: its glossa/ would shadow PYTHONPATH
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        raise SystemExit(f"{step} {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def run_child(step: str, size: int, path: Path) -> dict:
    return run_step("benchmarks.scale.scale_e2e", step, str(size), str(path))


COSTS = [
    ("build_s", "build (s)"), ("disk_mb", "disk (MB)"), ("cold_load_s", "cold load (s)"),
    ("rss_after_load_mb", "RSS after load (MB)"), ("rss_after_graph_mb", "RSS, graph built (MB)"),
    ("rss_end_mb", "RSS at the end, after 3,000+ writes (MB)"), ("dense_p50_ms", "dense p50 (ms)"),
    ("dense_p99_ms", "dense p99 (ms)"), ("lexical_p50_ms", "lexical p50 (ms)"),
    ("lexical_p99_ms", "lexical p99 (ms)"), ("hybrid_p50_ms", "hybrid p50 (ms)"),
    ("hybrid_p99_ms", "hybrid p99 (ms)"), ("equivalents_build_s", "equivalents build (s)"),
    ("write_add_1_ms", "add 1 (ms)"), ("write_update_1_ms", "update 1 (ms)"),
    ("write_delete_1_ms", "delete 1 (ms)"), ("commit_add_1_ms", "add 1, commit only (ms)"),
    ("first_hybrid_after_write_ms", "first hybrid search after a write (ms)"),
    ("write_add_1000_ms", "add 1000 (ms)"), ("write_update_1000_ms", "update 1000 (ms)"),
    ("write_delete_1000_ms", "delete 1000 (ms)"),
]  # fmt: skip


def slope(sizes: list[int], values: list[float | None]) -> str:
    pairs = [(s, v) for s, v in zip(sizes, values, strict=True) if v]
    if len(pairs) < 2:
        return "–"
    x, y = np.log10([p[0] for p in pairs]), np.log10([p[1] for p in pairs])
    return f"{np.polyfit(x, y, 1)[0]:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--child", nargs=3, metavar=("STEP", "SIZE", "PATH"))
    args = parse_args(parser)
    if args.child:
        step, size, path = args.child[0], int(args.child[1]), Path(args.child[2])
        figures = build(size, path) if step == "build" else measure(size, path)
        print(json.dumps(figures))
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = {}
    load = os.getloadavg()
    for size in sizes:
        folder = Path(tempfile.mkdtemp(prefix=f"glossa-scale-{size}-"))
        try:
            figures = run_child("build", size, folder / "idx")
            figures.update(run_child("measure", size, folder / "idx"))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        figures["load_after"] = os.getloadavg()[0]  # anything else running shows here
        rows[size] = figures
        print(size, json.dumps(figures), flush=True)
    header = "| cost | " + " | ".join(f"{s:,}" for s in sizes) + " | slope (log-log) |"
    lines = [header, "|---" * (len(sizes) + 2) + "|"]
    for key, label in COSTS:
        values = [rows[s].get(key) for s in sizes]
        cells = ["capped" if v is None else f"{v:.3g}" for v in values]
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {slope(sizes, values)} |")
    text = "\n".join(lines) + (
        f"\n\nLoad average at the start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; "
        f"1-minute load after each size: "
        f"{', '.join(format(rows[s]['load_after'], '.2f') for s in sizes)} "
        f"({os.cpu_count()} cores; the benchmark's own background graph build counts 1). "
        "Encoder excluded (hashing stand-in, query vectors "
        f"precomputed); searches timed after {QUERIES} other queries per mode. Writes: commit plus the Searcher swap, p50; `commit only` is the "
        "disk write alone. Slope 1 = linear in the index size, 0 = independent of it.\n"
    )
    write_results("scale_e2e", "Scale, end to end (benchmarks/scale/scale_e2e.py)", text,
                  {"sizes": sizes, "rows": rows, "load": load})  # fmt: skip
    plot(sizes, rows)


def plot(sizes: list[int], rows: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5))
    for key, label in COSTS:
        if not key.endswith("_ms") or "commit" in key:
            continue
        values = [rows[s].get(key) for s in sizes]
        if all(values):
            ax.loglog(sizes, values, marker="o", label=label)
    ax.set_xlabel("entries")
    ax.set_ylabel("ms (p50 unless p99)")
    ax.set_title("Glossa costs by index size (encoder excluded)")
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(results_dir() / "scale_e2e.png", dpi=110)


if __name__ == "__main__":
    main()
