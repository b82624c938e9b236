"""Equivalents judged over every link and every true pair, per part and per tier.

    python -m benchmarks.equivalents [--external DIR] [--fit]

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

``--fit`` refits the automatic link decision (a logistic model of similarity and
the two margins of a mutual-best pair) on the bundled corpus's *tuning* part
only, picks the lowest probability threshold whose precision there is >= 0.95,
and prints the constants to paste into ``concepts/equivalents.py``.
Writes ``results/equivalents.{md,json}``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np
from glossa.concepts.equivalents import CANDIDATES, EquivalenceGraph
from glossa.corpus.entry import Entry
from glossa.corpus.sources import load_entries
from glossa.indexer.build import build_index
from glossa.indexer.store.index_dir import load_index_dir

from benchmarks.common import write_results
from benchmarks.gold.build import equivalents_part
from benchmarks.gold.equivalents import NEGATIVES, concept_table

RESULTS = Path(__file__).resolve().parent / "results"
TARGET_PRECISION = 0.95


def external_truth(entries: list[Entry]) -> tuple[dict[str, str], dict[str, str]]:
    """Concept and part of every external entry, from the builder's id scheme."""
    from benchmarks.external.python_glossary import part_of

    concepts = {e.id: e.id.removeprefix(f"{e.lang}-") for e in entries}
    return concepts, {e.id: part_of(c) for e, c in zip(entries, concepts.values(), strict=True)}


def gold_truth(entries: list[Entry]) -> tuple[dict[str, str], dict[str, str]]:
    table = concept_table(entries)
    return table, {i: equivalents_part(c) for i, c in table.items()}


def judge(graph: EquivalenceGraph, concept: list[str], part: list[str], which: str) -> dict:
    langs = graph.langs
    n = len(concept)
    inside = [which in ("all", part[r]) for r in range(n)]
    truth = {
        (a, b) for a in range(n) for b in range(a + 1, n)
        if concept[a] == concept[b] and langs[a] != langs[b] and inside[a]
    }  # fmt: skip
    links = {(a, b) for a, b in graph.links() if inside[a] or inside[b]}
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
    args = parser.parse_args()
    encoder = make_encoder(Settings())
    results, lines = {}, []
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
            for which in ("dev", "test", "all"):
                row = judge(graph, concept, part, which)
                results[f"{name} {which}"] = row
                lines.append(
                    f"| {name} | {which} | " + " | ".join(str(v) for v in row.values()) + " |"
                )
            if name == "bundled":
                row_of = {(e.source[:3], e.term): i for i, e in enumerate(entries)}
                negatives = [tuple(sorted((row_of[a], row_of[b]))) for a, b in NEGATIVES]
                results["negatives_linked"] = sum(p in graph.links() for p in negatives)
    head = "| corpus | part | confirmed links | true pairs | precision | recall | candidate recall@3 | (entry, language) with an equivalent |"
    text = "\n".join([head, "|---" * 8 + "|", *lines])
    text += f"\n\nConfusable pairs (NEGATIVES) linked: {results['negatives_linked']} of {len(NEGATIVES)}."
    write_results(
        "equivalents", "Cross-lingual equivalents, every link judged",
        "`dev` = tuning part (the link model was fitted there), `test` = report part, "
        "external = Python documentation glossary (never tuned on).\n\n" + text, results,
    )  # fmt: skip


if __name__ == "__main__":
    main()
