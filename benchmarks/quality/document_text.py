"""Which entry text to embed, and whether to calibrate scores per entry language.

    python -m benchmarks.quality.document_text

Embeds the bundled corpus once per recipe with the real model, runs the dev gold
set (benchmarks/gold) and prints nDCG@10 / Recall@10 / MRR@10 (ranx) for every
recipe x scoring pair. Writes benchmarks/results/quality/document_text.{json,md}.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from glossa.concepts.calibration import language_z_scores
from glossa.corpus.sources import load_entries
from glossa.indexer.document_text import RECIPES
from glossa.indexer.encoders.encoder import SentenceTransformerEncoder
from ranx import Qrels, Run, evaluate

from benchmarks.gold.build import resolve
from benchmarks.gold.concepts import QUERIES
from benchmarks.harness import parse_args, write_results

METRICS = ["ndcg@10", "recall@10", "mrr@10"]


def main() -> None:
    parse_args(argparse.ArgumentParser(description=__doc__))
    entries = load_entries()
    qrels = Qrels(resolve(entries))
    encoder = SentenceTransformerEncoder()
    queries = encoder.encode_queries([q[3] for q in QUERIES])
    langs = np.array([e.lang for e in entries])
    rows = []
    for recipe, make_text in RECIPES.items():
        started = time.perf_counter()
        docs = encoder.encode_documents([make_text(e) for e in entries])
        seconds = time.perf_counter() - started
        cosine = queries @ docs.T
        for scoring, scores in (
            ("cosine", cosine),
            ("language-z", language_z_scores(cosine, langs)),
        ):
            run = {
                q[0]: {entries[i].id: float(scores[n, i]) for i in np.argsort(-scores[n])[:100]}
                for n, q in enumerate(QUERIES)
            }
            result = evaluate(qrels, Run(run), METRICS)
            rows.append({"recipe": recipe, "scoring": scoring, "embed_s": round(seconds, 2),
                         **{m: round(float(v), 4) for m, v in result.items()}})  # fmt: skip
    header = ["recipe", "scoring", *METRICS, "embed_s"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(r[h]) for h in header) + " |" for r in rows]
    table = "\n".join(lines)
    write_results("document_text", f"Document text x score calibration ({len(QUERIES)} dev queries)", table, rows)


if __name__ == "__main__":
    main()
