"""Precision and recall of the cross-lingual equivalence links against the
hand-labelled groups and confusable negatives in benchmarks/gold/equivalents.py.

    python -m benchmarks.equivalents

Precision counts only links whose two entries are both labelled (a link to an
unlabelled entry can be neither confirmed nor refuted); recall is over all
labelled cross-language pairs. Sweeps the threshold and the per-language rank
limit; the defaults in search/equivalents.py are chosen from this table.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np

from benchmarks.gold.equivalents import GROUPS, NEGATIVES
from corpus.sources import load_entries
from indexer.build import build_index
from indexer.encoder import SentenceTransformerEncoder
from indexer.index_dir import load_index_dir
from search.equivalents import DEFAULT_THRESHOLD, PER_LANGUAGE, EquivalenceGraph

RESULTS = Path(__file__).resolve().parent / "results"


def labelled_pairs(entries):
    row = {(e.source[:3], e.term): i for i, e in enumerate(entries)}
    positives, universe = set(), set()
    for members in GROUPS.values():
        rows = [row[m] for m in members]
        universe.update(rows)
        positives |= {
            (a, b) for a in rows for b in rows if a < b and entries[a].lang != entries[b].lang
        }
    negatives = {tuple(sorted((row[a], row[b]))) for a, b in NEGATIVES}
    universe |= {r for pair in negatives for r in pair}
    return positives, negatives, universe


def score(links, positives, negatives, universe) -> dict:
    judged = {p for p in links if p[0] in universe and p[1] in universe}
    tp = len(judged & positives)
    return {
        "links": len(links),
        "judged_links": len(judged),
        "precision": round(tp / len(judged), 4) if judged else 0.0,
        "recall": round(tp / len(positives), 4),
        "negatives_linked": len(links & negatives),
    }


def main() -> None:
    entries = load_entries()
    encoder = SentenceTransformerEncoder()
    with tempfile.TemporaryDirectory() as tmp:
        build_index(entries, encoder, Path(tmp) / "index")
        index = load_index_dir(Path(tmp) / "index")
    entries = list(index.entries)
    positives, negatives, universe = labelled_pairs(entries)
    vectors = index.vectors.reconstruct(np.arange(len(entries)))
    rows = []
    for per_language in (1, 2, 3):
        graph = EquivalenceGraph(
            entries, vectors, index.name_vectors, index.doc_stats, per_language=per_language
        )
        for threshold in (1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0):
            result = score(graph.links(threshold), positives, negatives, universe)
            default = per_language == PER_LANGUAGE and threshold == DEFAULT_THRESHOLD
            rows.append(
                {"per_language": per_language, "threshold": threshold, "default": default, **result}
            )
    head = [
        "per_language",
        "threshold",
        "links",
        "judged_links",
        "precision",
        "recall",
        "negatives_linked",
    ]
    lines = ["| " + " | ".join(head) + " |", "|---" * len(head) + "|"]
    for r in rows:
        mark = " **(default)**" if r["default"] else ""
        lines.append("| " + " | ".join(str(r[h]) for h in head) + mark + " |")
    text = (
        f"{len(positives)} labelled true cross-language pairs in {len(GROUPS)} groups, "
        f"{len(negatives)} labelled negatives.\n\n" + "\n".join(lines)
    )
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "equivalents.json").write_text(json.dumps(rows, indent=2))
    (RESULTS / "equivalents.md").write_text(f"# Cross-lingual equivalents\n\n{text}\n")


if __name__ == "__main__":
    main()
