"""Ranking ideas tried on the tuning parts only, and not kept unless they helped.

    python -m benchmarks.quality.ranking_tries --external DIR

Each row is the shipped default with one idea added, on the gold set's tuning
part and the external dev set's tuning part (never a report part):

- ``prf a/d``: pseudo-relevance feedback in embedding space (Rocchio): the query
  vector plus ``a`` times the mean document vector of the first ``d`` dense
  hits, searched again (``names``: the names vectors instead);
- ``concept+same``: concept-first ranking that also pulls a hit's same-language
  entries of the same concept (two glossaries' NPS), not only other languages.

Writes ``results/quality/ranking_tries.{md,json}``.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
from glossa.indexer.build import build_index
from glossa.search.evaluation import evaluate_grouped, load_beir, searcher_run
from glossa.search.local_reader import LocalReader
from glossa.search.searcher import Searcher

from benchmarks.harness import parse_args, write_results
from benchmarks.quality.quality import GOLD


class Feedback(LocalReader):
    """The default reader with Rocchio feedback on the dense list."""

    prf, prf_depth, names = 0.0, 3, False

    def dense(self, vectors, n, scope, scoring):
        dense = super().dense(vectors, n, scope, scoring)
        if self.prf <= 0:
            return dense
        feedback = []
        for ranked in dense:
            rows = np.array([r for r, _ in ranked[: self.prf_depth]], np.int64)
            feedback.append(self.index.vectors_of(rows, names=self.names).mean(axis=0)
                            if len(rows) else np.zeros(vectors.shape[1], np.float32))  # fmt: skip
        queries = vectors + self.prf * np.stack(feedback)
        queries /= np.linalg.norm(queries, axis=1, keepdims=True)
        return super().dense(queries.astype(np.float32), n, scope, scoring)


class _WholeConcept:
    def __init__(self, reader: LocalReader, scope) -> None:
        self._reader, self._scope, self._graph = reader, scope, reader.graph

    def linked(self, rows):
        return {r: [m for m in self._graph.members(r) if m != r] for r in rows}

    def allowed(self, rows):
        return {r for r in rows if self._reader.allowed(r, self._scope.masks)}

    def still_valid(self) -> bool:
        return True  # no writes during a benchmark


class SameLanguageToo(LocalReader):
    """Concept-first ranking along the whole concept, same language included."""

    def concept_view(self, scope):
        return _WholeConcept(self, scope)


TRIES = [
    ("default", LocalReader, {}),
    ("prf 0.3/3", Feedback, {"prf": 0.3}),
    ("prf 0.6/1", Feedback, {"prf": 0.6, "prf_depth": 1}),
    ("prf 0.5/3 names", Feedback, {"prf": 0.5, "names": True}),
    ("concept+same", SameLanguageToo, {}),
]


def main() -> None:
    from glossa.runtime import make_encoder
    from glossa.settings import Settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--external", type=Path, help="BEIR dir of the external dev set")
    args = parse_args(parser)
    encoder = make_encoder(Settings())
    sets = [("gold dev", GOLD)] + ([("external dev", args.external)] if args.external else [])
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for title, path in sets:
            dataset = load_beir(path, "dev")
            index = Path(tmp) / path.name
            build_index(dataset.corpus, encoder, index)
            for name, kind, attributes in TRIES:
                reader = kind.open(index, encoder.model_name, encoder.dimension)
                reader.wait_for_graph = True
                for key, value in attributes.items():
                    setattr(reader, key, value)
                searcher = Searcher(reader, encoder)
                run = searcher_run(searcher, dataset.queries, "hybrid")
                ndcg = evaluate_grouped(name, dataset, run).to_dict()["overall"]["ndcg@10"]
                results.setdefault(name, {})[title] = round(ndcg, 4)
                print(title, name, results[name][title], flush=True)
    head = "| idea | " + " | ".join(t for t, _ in sets) + " |"
    lines = [head, "|---" * (len(sets) + 1) + "|"]
    lines += [f"| {name} | " + " | ".join(str(row[t]) for t, _ in sets) + " |"
              for name, row in results.items()]  # fmt: skip
    write_results("ranking_tries", "Ranking ideas on the tuning parts (hybrid nDCG@10)",
                  "Tuning parts only; a row is the default plus one idea. Kept: none of "
                  "these (each is at or below the default on both parts).\n\n" + "\n".join(lines),
                  results)  # fmt: skip


if __name__ == "__main__":
    main()
