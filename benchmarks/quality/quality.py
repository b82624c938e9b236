"""Retrieval quality of every mode on data split for honesty.

    python -m benchmarks.quality.quality [--external DIR] [--config NAME=JSON ...]

Rows: each ranking configuration (the shipped modes by default). Columns: the
gold set's tuning part (``dev``, where defaults are chosen) and report part
(``test``, what the README quotes), and the external dev set (the Python
documentation glossary, ``benchmarks/external/python_glossary.py``; its own
``dev``/``test`` parts and ``all`` pooled). Per part: nDCG@10 overall, per query
language and per query kind, hubness of the top 5, and a paired t-test of every
mode against dense (ranx ``compare``). Writes ``results/quality/quality.{md,json}``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from glossa.indexer.build import build_index
from glossa.search.evaluation import (
    BeirDataset,
    evaluate_grouped,
    load_beir,
    make_run,
    paired_significance,
    searcher_run,
)
from glossa.search.searcher import MAX_K, Searcher

from benchmarks.harness import parse_args, results_dir

GOLD = Path(__file__).resolve().parents[1] / "gold" / "beir"
SHIPPED = [("dense", "dense", {}), ("lexical", "lexical", {}), ("hybrid", "hybrid", {})]


def hubness(run: dict[str, dict[str, float]], qrels=None, k: int = 5) -> dict[str, float]:
    """k-occurrence of entries in the top k over all queries: skewness of the
    distribution (Radovanović et al.), the largest count, how many entries sit in
    the top k of more than 5% of the queries, and (with qrels) the largest number
    of queries one entry reaches the top k of *without being relevant*: a hub
    proper, as opposed to an entry of a concept many queries are about."""
    counts: Counter[str] = Counter()
    unrelated: Counter[str] = Counter()
    for qid, docs in run.items():
        top = [d for d, _ in sorted(docs.items(), key=lambda x: -x[1])[:k]]
        counts.update(top)
        if qrels is not None:
            unrelated.update(d for d in top if not qrels.get(qid, {}).get(d))
    values = np.array(list(counts.values()), dtype=float)
    worst = max(unrelated.values(), default=0)
    if len(values) < 2:
        return {"skew": 0.0, "max": float(values.max(initial=0)), "hubs": 0, "max_unrelated": worst}
    skew = float(((values - values.mean()) ** 3).mean() / max(values.std(), 1e-9) ** 3)
    hubs = int((values > 0.05 * len(run)).sum())
    return {"skew": round(skew, 3), "max": int(values.max()), "hubs": hubs, "max_unrelated": worst}


def evaluate_dataset(
    dataset: BeirDataset, encoder, configs: Sequence[tuple[str, str, dict]], index_dir: Path
) -> dict[str, dict]:
    if not (index_dir / "manifest.json").exists():
        build_index(dataset.corpus, encoder, index_dir)
    runs, rows = {}, {}
    for name, mode, options in configs:
        options = dict(options)
        grouped = options.pop("group", None) == "concept"
        searcher = Searcher.open(index_dir, encoder, **options)
        if grouped:  # the concepts' entries, flattened in order (group=concept)
            runs[name] = make_run(lambda texts, s=searcher, m=mode: [
                [(h.id, 0.0) for c in s.search_concepts(t, k=MAX_K, mode=m) for h in c.hits][:MAX_K]
                for t in texts], dataset.queries)  # fmt: skip
        else:
            runs[name] = searcher_run(searcher, dataset.queries, mode)
        report = evaluate_grouped(name, dataset, runs[name])
        rows[name] = {**report.to_dict(), "hubness": hubness(runs[name], dataset.qrels)}
    for name, p in paired_significance(dataset.qrels, runs).items():
        rows[name]["p_vs_dense"] = round(p, 4)
    return rows


def table(title: str, rows: dict[str, dict]) -> str:
    first = next(iter(rows.values()))
    keys = [(g, v) for g in ("lang", "kind") for v in first["groups"].get(g, {})]
    head = ["system", "nDCG@10", "R@10", "p vs dense", "hub skew", "max k-occ", "max unrelated"] + [
        f"{v} ({first['group_sizes'][g][v]})" for g, v in keys
    ]
    lines = [f"### {title} ({first['queries']} queries)", "",
             "| " + " | ".join(head) + " |", "|---" * len(head) + "|"]  # fmt: skip
    for name, r in rows.items():
        cells = [name, f"{r['overall']['ndcg@10']:.4f}", f"{r['overall']['recall@10']:.4f}",
                 str(r.get("p_vs_dense", "")), str(r["hubness"]["skew"]), str(r["hubness"]["max"]),
                 str(r["hubness"].get("max_unrelated", ""))]  # fmt: skip
        cells += [f"{r['groups'][g][v]['ndcg@10']:.3f}" for g, v in keys]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def parse_configs(specs: Sequence[str]) -> list[tuple[str, str, dict]]:
    configs = []
    for spec in specs:
        name, _, body = spec.partition("=")
        options = json.loads(body or "{}")
        configs.append((name, options.pop("mode", "hybrid"), options))
    return configs


def main() -> None:
    from glossa.runtime import make_encoder
    from glossa.settings import Settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--external", type=Path, help="BEIR dir of the external dev set")
    parser.add_argument("--config", action="append", default=[], help='NAME={"mode": ...}')
    parser.add_argument("--parts", default="dev,test", help="gold parts to run")
    parser.add_argument("--external-parts", default="dev,test,all", help="external parts")
    parser.add_argument("--model", help="sentence-transformers model dir (torch backend)")
    parser.add_argument("--stem", default="quality")
    args = parse_args(parser)
    configs = SHIPPED + parse_configs(args.config) if args.config else SHIPPED
    settings = Settings(model=args.model, encoder_backend="torch") if args.model else Settings()
    encoder = make_encoder(settings)
    sections, results = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        jobs = [(f"gold {p}", GOLD, p) for p in args.parts.split(",")]
        if args.external:
            jobs += [(f"external {p}", args.external, p) for p in args.external_parts.split(",")]
        for title, path, split in jobs:
            dataset = load_beir(path, split)
            rows = evaluate_dataset(dataset, encoder, configs, Path(tmp) / path.name)
            results[title] = rows
            sections.append(table(title, rows))
            print(sections[-1] + "\n", flush=True)
    results_dir().mkdir(exist_ok=True)
    (results_dir() / f"{args.stem}.json").write_text(json.dumps(results, indent=2))
    (results_dir() / f"{args.stem}.md").write_text(
        "# Retrieval quality by part\n\nGold `dev` = tuning part, `test` = report part "
        "(split by concept); external = Python documentation glossary (never tuned on "
        "for its `test` part).\n\n" + "\n\n".join(sections) + "\n"
    )


if __name__ == "__main__":
    main()
