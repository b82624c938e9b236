"""Ablation of the ranking choices on the gold set, in one process.

    python -m benchmarks.quality.ranking_ablation

Each row is a Searcher configuration (dense scoring, lexical analyser, fusion,
RRF constant, lexical weight, lexical spread over equivalents). Writes
benchmarks/results/quality/ranking_ablation.{md,json}: the record of what was tried,
what helped and what did not.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from glossa.indexer.build import build_index
from glossa.indexer.encoders.encoder import SentenceTransformerEncoder
from glossa.search.evaluation import evaluate_grouped, load_beir, markdown_table, searcher_run
from glossa.search.options import RankingOptions
from glossa.search.searcher import Searcher

from benchmarks.harness import parse_args, write_results

GOLD = Path(__file__).resolve().parents[1] / "gold" / "beir"
DEFAULT = RankingOptions()  # the "(default)" rows are labelled from it, never typed

CONFIGS: list[tuple[str, str, dict]] = [
    ("dense cosine", "dense", {"scoring": "cosine"}),
    ("dense language-z", "dense", {"scoring": "language-z"}),
    ("dense calibrated (entry-z + language-z)", "dense", {}),
    ("lexical words", "lexical", {"analyzer": "words", "lexical_spread": 0}),
    ("lexical stems", "lexical", {"analyzer": "stems", "lexical_spread": 0}),
    ("lexical stems+ngrams", "lexical", {"lexical_spread": 0}),
    ("lexical stems+ngrams, spread", "lexical", {}),
    (
        "hybrid RRF k=60 w=1, no spread",
        "hybrid",
        {"rrf_k": 60, "lexical_weight": 1.0, "lexical_spread": 0},
    ),
    ("hybrid RRF k=60 w=1, spread", "hybrid", {"rrf_k": 60, "lexical_weight": 1.0}),
    ("hybrid RRF k=20 w=0.3, spread", "hybrid", {"rrf_k": 20, "lexical_weight": 0.3}),
    (f"hybrid RRF k={DEFAULT.rrf_k} w={DEFAULT.lexical_weight}, no spread", "hybrid",
     {"lexical_spread": 0}),  # fmt: skip
    (f"hybrid RRF k={DEFAULT.rrf_k} w={DEFAULT.lexical_weight}, spread (default)", "hybrid", {}),
    (
        "hybrid weighted 0.9, no spread",
        "hybrid",
        {"fusion": "weighted", "dense_weight": 0.9, "lexical_spread": 0},
    ),
    ("hybrid weighted 0.7, spread", "hybrid", {"fusion": "weighted", "dense_weight": 0.7}),
    ("hybrid weighted 0.5, spread", "hybrid", {"fusion": "weighted", "dense_weight": 0.5}),
]


def main() -> None:
    parse_args(argparse.ArgumentParser(description=__doc__))
    dataset = load_beir(GOLD)
    encoder = SentenceTransformerEncoder()
    with tempfile.TemporaryDirectory() as tmp:
        build_index(dataset.corpus, encoder, Path(tmp) / "index")
        reports, rows = [], []
        for name, mode, options in CONFIGS:
            searcher = Searcher.open(Path(tmp) / "index", encoder, **options)
            run = searcher_run(searcher, dataset.queries, mode)
            report = evaluate_grouped(name, dataset, run)
            reports.append(report)
            rows.append({"config": name, "mode": mode, "options": options, **report.overall})
    table = markdown_table(reports)
    write_results("ranking_ablation", f"Ranking ablation ({len(dataset.queries)} gold queries)", table, rows)


if __name__ == "__main__":
    main()
