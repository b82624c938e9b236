"""Language-subspace alignment tried on equivalents (the MUSE/VecMap family).

    python -m benchmarks.quality.alignment [--external DIR]

Per-language mean-centring is what ``concepts.equivalents`` ships. On top of it this
tries orthogonal Procrustes: each language is rotated onto the largest one using
anchor pairs found without any label (entries of the two languages that share a
name: an acronym, an English equivalent), with ``lam`` pulling the rotation
towards the identity (``M = XᵀY + lam·I``; with a few dozen anchors in 384
dimensions the unregularised rotation is arbitrary outside the anchors' span).
Judged like ``benchmarks.quality.equivalents``, on the tuning and the report part.
Writes ``results/quality/alignment.md``.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
from glossa.analysis import name_keys
from glossa.concepts.equivalents import EquivalenceGraph, language_centred
from glossa.corpus.sources import load_entries

from benchmarks.harness import parse_args, write_results
from benchmarks.quality.equivalents import external_truth, gold_truth, graph_for, judge


def procrustes_graph(graph: EquivalenceGraph, entries, docs, names, lam: float):
    langs = graph.langs
    keys = [set(name_keys(e)) for e in entries]
    pivot = max(set(langs.tolist()), key=lambda lang: (langs == lang).sum())
    centred_docs, centred_names = language_centred(docs, langs), language_centred(names, langs)
    out_docs, out_names = centred_docs.copy(), centred_names.copy()
    anchors = {}
    for lang in sorted(set(langs.tolist()) - {pivot}):
        pairs = [(a, b) for a in np.flatnonzero(langs == lang)
                 for b in np.flatnonzero(langs == pivot) if keys[a] & keys[b]]  # fmt: skip
        anchors[lang] = len(pairs)
        if len(pairs) < 3:
            continue
        x = centred_docs[[a for a, _ in pairs]]
        y = centred_docs[[b for _, b in pairs]]
        u, _, vt = np.linalg.svd(x.T @ y + lam * np.eye(x.shape[1]))
        rows = langs == lang
        out_docs[rows] = centred_docs[rows] @ (u @ vt)
        out_names[rows] = centred_names[rows] @ (u @ vt)
    return EquivalenceGraph(entries, out_docs, out_names), anchors


def main() -> None:
    from glossa.search.evaluation import load_beir

    from glossa.runtime import make_encoder
    from glossa.settings import Settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--external", type=Path)
    args = parse_args(parser)
    encoder = make_encoder(Settings())
    lines = ["| corpus | alignment | part | links | precision | recall | candidate recall@3 |",
             "|---|---|---|---|---|---|---|"]  # fmt: skip
    datasets = [("bundled", load_entries(), gold_truth)]
    if args.external:
        datasets.append(("external", load_beir(args.external, "all").corpus, external_truth))
    with tempfile.TemporaryDirectory() as tmp:
        for name, entries, truth in datasets:
            graph, entries = graph_for(list(entries), encoder, Path(tmp) / name)
            from glossa.indexer.store.reader import load_index_dir

            index = load_index_dir(Path(tmp) / name)
            docs = index.doc_vectors()
            concepts, parts = truth(entries)
            concept = [concepts[e.id] for e in entries]
            part = [parts[e.id] for e in entries]
            variants = [("mean-centring (shipped)", graph)]
            for lam in (0.0, 1.0, 5.0):
                aligned, anchors = procrustes_graph(graph, entries, docs, index.name_vectors, lam)
                variants.append((f"+ Procrustes lam={lam} (anchors {anchors})", aligned))
            for label, g in variants:
                for which in ("dev", "test"):
                    r = judge(g, concept, part, which)
                    lines.append(f"| {name} | {label} | {which} | {r['links']} | {r['precision']} "
                                 f"| {r['recall']} | {r['candidate_recall@3']} |")  # fmt: skip
    text = "\n".join(lines)
    write_results("alignment", "Language-subspace alignment", text, {"table": text})


if __name__ == "__main__":
    main()
