"""How close the approximate equivalence graph is to the exact one, and what it costs.

Above ``ANN_ABOVE`` entries per language the graph's neighbour search is HNSW
over compressed codes, re-scored exactly. This builds the graph over the same
entries twice, exact and approximate (one per setting swept: codes, HNSW M,
candidates re-scored), and reports, against the exact graph:

- best-candidate agreement: the share of (entry, other language) whose best
  candidate is the same (what mutuality and the automatic links rest on);
- candidate-list agreement: the share of listed candidates (top ``DEPTH``) found;
- confirmed-link precision and recall of the approximate graph's links;
- build time and the bytes the language indexes hold.

Vectors are planted, not embedded (no model at this size): each concept is a
random direction; an entry of a concept gets that direction plus its language's
offset plus noise, for its entry and its names vector alike. A share of the
entries (``--orphans``) belong to no other language's concept, which is what
makes the "does an equivalent exist" decision matter. No entry declares its
concept, so every link is the automatic decision's. Also reported: the exact
and the approximate graphs' links against the planted pairs.

    python -m benchmarks.quality.equivalents_ann [--count 60000]
"""

from __future__ import annotations

import argparse
import os
import time

import faiss
import numpy as np

from benchmarks.harness import parse_args, write_results

SETTINGS = [("SQ8", 32, 7), ("SQ4", 32, 7), ("SQ4", 32, 12), ("SQ8", 16, 7), ("SQ4", 16, 12)]
LANGS = ("de", "fa", "pl", "zh")
DIMENSION, RANK = 384, 48


def graph_for(entries, docs, names, approximate: bool, codes="SQ8", m=32, rescored=7):
    from glossa.search import equivalents

    saved = (equivalents.ANN_ABOVE, equivalents.ANN_CODES, equivalents.HNSW_M,
             equivalents.RESCORED)  # fmt: skip
    equivalents.ANN_ABOVE = 0 if approximate else 10**9
    equivalents.ANN_CODES, equivalents.HNSW_M, equivalents.RESCORED = codes, m, rescored
    try:
        started = time.perf_counter()
        graph = equivalents.EquivalenceGraph(entries, docs, names)
        seconds = time.perf_counter() - started
    finally:
        (equivalents.ANN_ABOVE, equivalents.ANN_CODES, equivalents.HNSW_M,
         equivalents.RESCORED) = saved  # fmt: skip
    held = sum(faiss.serialize_index(i.index).nbytes for i in graph._indexes.values())
    return graph, seconds, held


def against(links: set, truth: set) -> tuple[float, float]:
    both = len(links & truth)
    return both / max(len(links), 1), both / max(len(truth), 1)


def compare(exact, approx, langs) -> dict:
    best = listed = best_total = listed_total = 0
    for lang, (rows, _) in exact._top.items():
        other = langs != lang
        e_rows, a_rows = rows[: len(langs)][other], approx._top[lang][0][: len(langs)][other]
        best += int((e_rows[:, 0] == a_rows[:, 0]).sum())
        best_total += len(e_rows)
        for e, a in zip(e_rows.tolist(), a_rows.tolist(), strict=True):
            truth = {x for x in e if x >= 0}
            listed += len(truth & set(a))
            listed_total += len(truth)
    e_links, a_links = exact.links(), approx.links()
    both = len(e_links & a_links)
    return {
        "best_agreement": best / best_total,
        "list_agreement": listed / max(listed_total, 1),
        "link_precision": both / max(len(a_links), 1),
        "link_recall": both / max(len(e_links), 1),
        "links_exact": len(e_links),
    }


def planted(count: int, orphans: float, noise: float, seed: int = 0):
    """Entries, entry vectors, names vectors and the planted cross-language pairs."""
    from glossa.corpus.entry import Entry

    rng = np.random.default_rng(seed)
    per_concept = len(LANGS)
    # concepts in a low-rank subspace: like real embeddings, many near neighbours
    basis = rng.standard_normal((RANK, DIMENSION)).astype(np.float32) / np.sqrt(RANK)
    concepts = rng.standard_normal((count // per_concept + count, RANK)).astype(np.float32) @ basis
    offsets = {lang: 0.8 * rng.standard_normal(DIMENSION).astype(np.float32) for lang in LANGS}
    entries, owner = [], []
    orphan = rng.random(count) < orphans
    for i in range(count):
        lang = LANGS[i % per_concept]
        concept = count // per_concept + i if orphan[i] else i // per_concept
        owner.append(concept)
        entries.append(Entry(f"a{i}", f"term {i}", f"definition {i}.", lang, f"ann-{lang}"))

    def vectors():
        out = np.stack([concepts[c] + offsets[e.lang] for c, e in zip(owner, entries,
                                                                       strict=True)])  # fmt: skip
        out += noise / np.sqrt(DIMENSION / RANK) * rng.standard_normal(out.shape).astype(np.float32)
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    groups: dict[int, list[int]] = {}
    for row, concept in enumerate(owner):
        groups.setdefault(concept, []).append(row)
    truth = {(a, b) for rows in groups.values() for a in rows for b in rows if a < b}
    return entries, vectors(), vectors(), truth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=80_000)
    parser.add_argument("--orphans", type=float, default=0.3)
    parser.add_argument("--noise", type=float, default=4.0)
    args = parse_args(parser)
    entries, docs, names, truth = planted(args.count, args.orphans, args.noise)
    langs = np.array([e.lang for e in entries])
    load = os.getloadavg()
    exact, exact_s, exact_bytes = graph_for(entries, docs, names, approximate=False)
    planted_p, planted_r = against(exact.links(), truth)
    lines = [
        "| codes | HNSW M | re-scored | best agreement | list agreement | links: precision "
        "| recall (vs exact) | planted pairs: precision | recall | build (s) | index MB |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
        f"| exact (flat) | – | – | 1 | 1 | 1 | 1 | {planted_p:.4f} | {planted_r:.4f} | "
        f"{exact_s:.1f} | {exact_bytes / 2**20:.0f} |",
    ]
    rows = {"exact": {"build_s": exact_s, "index_mb": exact_bytes / 2**20,
                      "planted_precision": planted_p, "planted_recall": planted_r}}  # fmt: skip
    for codes, m, rescored in SETTINGS:
        approx, seconds, held = graph_for(entries, docs, names, True, codes, m, rescored)
        figures = compare(exact, approx, langs)
        p, r = against(approx.links(), truth)
        figures.update(build_s=seconds, index_mb=held / 2**20, planted_precision=p,
                       planted_recall=r)  # fmt: skip
        rows[f"{codes}-M{m}-r{rescored}"] = figures
        lines.append(
            f"| {codes} | {m} | {rescored} | {figures['best_agreement']:.4f} | "
            f"{figures['list_agreement']:.4f} | {figures['link_precision']:.4f} | "
            f"{figures['link_recall']:.4f} | {p:.4f} | {r:.4f} | {seconds:.1f} | "
            f"{held / 2**20:.0f} |"
        )
        print(lines[-1], flush=True)
    text = "\n".join(lines) + (
        f"\n\n{args.count:,} entries with planted vectors ({len(LANGS)} languages, "
        f"{args.orphans:.0%} without an equivalent, noise {args.noise}); "
        f"{len(exact.links()):,} links in the exact graph, {len(truth):,} planted pairs. "
        f"Load average when run: {load[0]:.2f} ({os.cpu_count()} cores).\n"
    )
    write_results("equivalents_ann", "Approximate equivalence graph vs exact "
                  "(benchmarks/quality/equivalents_ann.py)", text, {"count": args.count, "rows": rows,
                                                           "load": load})  # fmt: skip


if __name__ == "__main__":
    main()
