"""The fusion and concept-first defaults, chosen on the tuning parts only.

    python -m benchmarks.quality.fusion_tuning [--external DIR]

Rows: the shipped hybrid default, then each variant of one choice at a time
(``search/options.py`` ``RankingOptions``): the lexical RRF weight, the RRF
constant, the words above which the lexical weight is scaled down, the lexical
spread along confirmed equivalents, and the concept-first depth. Columns:
nDCG@10 per tuning part: the gold set's ``dev`` and, with ``--external``, the
external dev set's ``dev``. The report parts are never read here. Replaces
``quality_tuning.md``, a table assembled by hand whose variants no script ran.
Writes ``results/quality/fusion_tuning.{md,json}``.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from glossa.search.evaluation import load_beir
from glossa.search.options import RankingOptions

from benchmarks.harness import markdown_table, parse_args, write_results
from benchmarks.quality.quality import GOLD, evaluate_dataset

DEFAULT = RankingOptions()
VARIANTS: dict[str, dict] = {
    "default": {},
    "lexical weight 0.3": {"lexical_weight": 0.3},
    "lexical weight 0.5": {"lexical_weight": 0.5},
    "RRF k 10": {"rrf_k": 10},
    "RRF k 60": {"rrf_k": 60},
    "lexical scaled above 1 word": {"lexical_words": 1},
    "lexical scaled above 3 words": {"lexical_words": 3},
    "no lexical spread": {"lexical_spread": 0.0},
    "concept-first off": {"concept_depth": 0},
    "concept-first depth 5": {"concept_depth": 5},
}


def main() -> None:
    from glossa.runtime import make_encoder
    from glossa.settings import Settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--external", type=Path, help="BEIR dir of the external dev set")
    args = parse_args(parser)
    encoder = make_encoder(Settings())
    parts = [("gold dev", GOLD)] + ([("external dev", args.external)] if args.external else [])
    configs = [(name, "hybrid", {"options": RankingOptions(**change)})
               for name, change in VARIANTS.items()]  # fmt: skip
    rows: dict[str, dict] = {name: {} for name in VARIANTS}
    with tempfile.TemporaryDirectory() as tmp:
        for title, path in parts:
            found = evaluate_dataset(load_beir(path, "dev"), encoder, configs, Path(tmp) / title)
            for name in VARIANTS:
                rows[name][title] = round(found[name]["overall"]["ndcg@10"], 4)
    text = ("Tuning parts only; each row is the default with one choice changed "
            f"(default: RRF k {DEFAULT.rrf_k}, lexical weight {DEFAULT.lexical_weight}, scaled "
            f"above {DEFAULT.lexical_words} words, spread {DEFAULT.lexical_spread}, concept-first "
            f"depth {DEFAULT.concept_depth}).\n\n" + markdown_table(rows, "hybrid"))  # fmt: skip
    write_results("fusion_tuning", "Fusion and concept-first defaults on the tuning parts",
                  text, rows)  # fmt: skip


if __name__ == "__main__":
    main()
