"""Equivalents judged over every link and every true pair, per part and per tier.

    python -m benchmarks.quality.equivalents [--external DIR] [--fit]

Truth is a complete concept table: the bundled corpus's hand-made one
(``gold/equivalents.py``; every entry has a concept) and, with ``--external``,
the Python documentation glossary's own concept keys (the ids the dev-set
builder gives its corpus entries end in the concept's slug). Concept ids are
never given to the system.

- **confirmed** links: precision over *every* link the graph confirms,
  recall over *every* true cross-language pair. A link whose two entries fall
  in different parts is wrong and counts against both parts.
- **candidates**: recall@3, over every (entry, language) where the entry has
  an equivalent in that language: is one among its 3 candidates there?

Methods (rows), each judged the same way: the entry-level rule this project
shipped before (mutual best + the link model, 1:1 by entry), bitext mining's
ratio margin (Artetxe & Schwenk 2019) and CSLS over the same neighbour lists
(k = ``DEPTH`` = 3: the lists the graph keeps; LASER uses 4), each with its
threshold chosen on the bundled *tuning* part (the lowest whose precision there
is >= 0.95, else the most precise), then the shipped decision with its steps
added one at a time (``concepts.linking.Steps``): name evidence, duplicate
groups, concepts followed through links, third-language confirmation.

``--fit`` refits the automatic link decision (a logistic model of similarity and
the two margins of a mutual-best pair) on the bundled corpus's *tuning* part
only, picks the lowest probability threshold whose precision there is >= 0.95,
and prints the constants to paste into ``concepts/equivalents.py``.
Writes ``equivalents.{md,json}``, or ``equivalents_external.{md,json}`` with ``--external``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np
from glossa.concepts.equivalents import CANDIDATES, EquivalenceGraph
from glossa.concepts.linking import Steps
from glossa.corpus.entry import Entry
from glossa.corpus.sources import load_entries
from glossa.indexer.build import build_index
from glossa.indexer.store.reader import load_index_dir

from benchmarks.gold.build import equivalents_part
from benchmarks.gold.equivalents import NEGATIVES, concept_table
from benchmarks.harness import parse_args, write_results

TARGET_PRECISION = 0.95


def external_truth(entries: list[Entry]) -> tuple[dict[str, str], dict[str, str]]:
    """Concept and part of every external entry, from the builder's id scheme."""
    from benchmarks.external.python_glossary import part_of

    concepts = {e.id: e.id.removeprefix(f"{e.lang}-") for e in entries}
    return concepts, {e.id: part_of(c) for e, c in zip(entries, concepts.values(), strict=True)}


def gold_truth(entries: list[Entry]) -> tuple[dict[str, str], dict[str, str]]:
    table = concept_table(entries)
    return table, {i: equivalents_part(c) for i, c in table.items()}


METHODS = {
    "entry rule (before)": Steps(groups=False, names=False, concepts=False, triangles=False),
    "ratio margin": "ratio",
    "CSLS": "csls",
    "+ name evidence": Steps(groups=False, names=True, concepts=False, triangles=False),
    "+ duplicate groups": Steps(groups=True, names=True, concepts=False, triangles=False),
    "+ concepts": Steps(triangles=False),
    "+ third-language confirmation (shipped)": Steps(),
}


def margin_links(graph: EquivalenceGraph, kind: str, threshold: float) -> set[tuple[int, int]]:
    """Mutual best pairs whose ratio margin (similarity over the mean of both
    sides' k nearest) or CSLS (twice the similarity minus both means) clears
    ``threshold``: bitext mining's decisions over the graph's neighbour lists."""
    out = set()
    top = graph._top

    def mean_top(row: int, lang: str) -> float:
        scores = top[lang][1][row]
        scores = scores[np.isfinite(scores)]
        return float(scores.mean()) if len(scores) else 0.0

    for a in np.flatnonzero(graph.live).tolist():
        la = str(graph.langs[a])
        for lang, (rows, scores) in top.items():
            b = int(rows[a, 0])
            if lang == la or b < 0 or int(top[la][0][b, 0]) != a:
                continue
            similarity, rx, ry = float(scores[a, 0]), mean_top(a, lang), mean_top(b, la)
            value = (
                similarity / max((rx + ry) / 2, 1e-9)
                if kind == "ratio"
                else 2 * similarity - rx - ry
            )
            if value >= threshold:
                out.add((min(a, b), max(a, b)))
    return out


def method_links(graph: EquivalenceGraph, method, threshold: float | None = None) -> set:
    if isinstance(method, Steps):
        graph.steps = method
        graph._memo.clear()
        graph._answers, graph._linked = {}, {}
        try:
            return graph.links()
        finally:
            graph.steps = Steps()
            graph._memo.clear()
            graph._answers, graph._linked = {}, {}
    return margin_links(graph, method, threshold)


def tuned_threshold(
    graph: EquivalenceGraph, kind: str, concept: list[str], part: list[str]
) -> float:
    """The lowest threshold whose precision on the tuning part is >= the target,
    else the most precise one."""
    grid = np.round(np.arange(0.9, 1.6, 0.02) if kind == "ratio" else np.arange(-0.1, 0.4, 0.01), 3)
    best = (-1.0, float(grid[-1]))
    for threshold in grid.tolist():
        row = judge_links(graph, method_links(graph, kind, threshold), concept, part, "dev")
        if row["precision"] >= TARGET_PRECISION and row["links"]:
            return threshold
        best = max(best, (row["precision"], threshold))
    return best[1]


def judge(graph: EquivalenceGraph, concept: list[str], part: list[str], which: str) -> dict:
    return judge_links(graph, graph.links(), concept, part, which)


def judge_links(graph: EquivalenceGraph, found: set[tuple[int, int]], concept: list[str],
                part: list[str], which: str) -> dict:  # fmt: skip
    langs = graph.langs
    n = len(concept)
    inside = [which in ("all", part[r]) for r in range(n)]
    truth = {
        (a, b) for a in range(n) for b in range(a + 1, n)
        if concept[a] == concept[b] and langs[a] != langs[b] and inside[a]
    }  # fmt: skip
    links = {(a, b) for a, b in found if inside[a] or inside[b]}
    tp = len(links & truth)
    hits = total = 0
    for row in range(n):
        if not inside[row]:
            continue
        for lang, found in graph.candidates(row, CANDIDATES).items():
            wanted = {b for b in range(n) if langs[b] == lang and concept[b] == concept[row]}
            if wanted:
                total += 1
                hits += bool(wanted & {c.row for c in found[:CANDIDATES]})
    return {
        "links": len(links),
        "true_pairs": len(truth),
        "precision": round(tp / len(links), 4) if links else 1.0,
        "recall": round(tp / len(truth), 4) if truth else 1.0,
        "candidate_recall@3": round(hits / total, 4) if total else 1.0,
        "entry_languages_with_equivalent": total,
    }


def fit(graph: EquivalenceGraph, concept: list[str], part: list[str]) -> dict:
    """Logistic regression on the tuning part's mutual-best pairs (numpy, L2)."""
    rows, labels = [], []
    for a, b in graph.mutual_pairs():
        if "dev" not in (part[a], part[b]):
            continue
        ma, mb = graph.margins(a, b)
        rows.append([graph.pair_similarity(a, b), min(ma, mb), max(ma, mb)])
        labels.append(float(concept[a] == concept[b] and part[a] == part[b]))
    x, y = np.array(rows), np.array(labels)
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = (x - mean) / std
    w, bias = np.zeros(z.shape[1]), 0.0
    for _ in range(3000):
        p = 1 / (1 + np.exp(-(z @ w + bias)))
        w -= 0.1 * (z.T @ (p - y) / len(y) + w / len(y))
        bias -= 0.1 * float((p - y).mean())
    probability = 1 / (1 + np.exp(-(z @ w + bias)))
    threshold = 0.95
    for t in np.arange(0.05, 1.0, 0.05):
        chosen = probability >= t
        if chosen.any() and y[chosen].mean() >= TARGET_PRECISION:
            threshold = round(float(t), 2)
            break
    return {"mean": mean.round(4).tolist(), "std": std.round(4).tolist(),
            "weights": w.round(2).tolist(), "bias": round(bias, 2), "threshold": threshold,
            "pairs": len(y), "positives": int(y.sum())}  # fmt: skip


def graph_for(entries: list[Entry], encoder, workdir: Path) -> tuple[EquivalenceGraph, list]:
    build_index([Entry(**{**e.to_dict(), "aliases": tuple(e.aliases), "concept": None})
                 for e in entries], encoder, workdir)  # fmt: skip
    index = load_index_dir(workdir)
    entries = list(index.entries)
    vectors = index.doc_vectors()
    return EquivalenceGraph(entries, vectors, index.name_vectors), entries


def main() -> None:
    from glossa.search.evaluation import load_beir

    from glossa.runtime import make_encoder
    from glossa.settings import Settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--external", type=Path, help="BEIR dir of the external dev set")
    parser.add_argument("--fit", action="store_true", help="refit the link model (tuning part)")
    args = parse_args(parser)
    encoder = make_encoder(Settings())
    results, lines = {}, []
    thresholds: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        datasets = [("bundled", load_entries(), gold_truth)]
        if args.external:
            datasets.append(("external", load_beir(args.external, "all").corpus, external_truth))
        for name, entries, truth in datasets:
            graph, entries = graph_for(list(entries), encoder, Path(tmp) / name)
            concepts, parts = truth(entries)
            concept = [concepts[e.id] for e in entries]
            part = [parts[e.id] for e in entries]
            if args.fit and name == "bundled":
                results["fit"] = fit(graph, concept, part)
                print(json.dumps(results["fit"]))
            for method, how in METHODS.items():
                threshold = None
                if not isinstance(how, Steps):
                    if how not in thresholds:  # chosen on the bundled tuning part
                        thresholds[how] = tuned_threshold(graph, how, concept, part)
                    threshold = thresholds[how]
                found = method_links(graph, how, threshold)
                label = method if threshold is None else f"{method} (>= {threshold})"
                for which in ("dev", "test", "all"):
                    row = judge_links(graph, found, concept, part, which)
                    results[f"{name} {which} {method}"] = row
                    lines.append(f"| {name} | {which} | {label} | "
                                 + " | ".join(str(v) for v in row.values()) + " |")  # fmt: skip
            if name == "bundled":
                row_of = {(e.source[:3], e.term): i for i, e in enumerate(entries)}
                negatives = [tuple(sorted((row_of[a], row_of[b]))) for a, b in NEGATIVES]
                results["negatives_linked"] = sum(p in graph.links() for p in negatives)
    head = "| corpus | part | method | confirmed links | true pairs | precision | recall | candidate recall@3 | (entry, language) with an equivalent |"
    text = "\n".join([head, "|---" * 9 + "|", *lines])
    text += f"\n\nConfusable pairs (NEGATIVES) linked: {results['negatives_linked']} of {len(NEGATIVES)}."
    # a run with the external set has a file of its own: a bundled-only run never drops its rows
    write_results(
        "equivalents_external" if args.external else "equivalents",
        "Cross-lingual equivalents, every link judged",
        "`dev` = tuning part (the link model was fitted and every step chosen there), `test` = "
        "report part, external = Python documentation glossary (its `test` part never tuned "
        "on). Methods: the entry-level rule shipped before; ratio margin and CSLS over the "
        "same neighbour lists (k = 3), thresholds chosen on the bundled tuning part; then the "
        "shipped decision with its steps added one at a time (`concepts/linking.py`).\n\n"
        + text, results,
    )  # fmt: skip


if __name__ == "__main__":
    main()
