"""Retrieval evaluation on any BEIR-layout dataset (corpus.jsonl, queries.jsonl,
qrels/<split>.tsv), with ranx computing the metrics — never hand-written ones.

qrels and runs are plain dicts (query id -> doc id -> grade / score), as in BEIR
and ranx. Metrics are reported overall and per group (query language, query
kind) when queries carry ``metadata.lang`` / ``metadata.kind``.
"""

from __future__ import annotations

import contextlib
import csv
import json
import warnings
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from glossa.corpus.entry import Entry
from glossa.corpus.errors import CorpusError
from glossa.corpus.importers import jsonl_records

from glossa.errors import GlossaError

METRICS = ("ndcg@10", "recall@10", "mrr@10", "recall@100")
Qrels = dict[str, dict[str, int]]
RunDict = dict[str, dict[str, float]]


class DatasetError(GlossaError, ValueError):
    """The directory is not a usable BEIR dataset; the message names file and line."""


@dataclass(frozen=True)
class BeirDataset:
    path: Path
    corpus: list[Entry]
    queries: dict[str, str]
    qrels: Qrels
    query_meta: dict[str, dict[str, str]] = field(default_factory=dict)


def _jsonl(path: Path) -> list[tuple[int, dict]]:
    if not path.is_file():
        raise DatasetError(
            f"{path}: missing (a BEIR dataset has corpus.jsonl, queries.jsonl, qrels/)"
        )
    try:
        return list(jsonl_records(path))
    except CorpusError as exc:
        raise DatasetError(str(exc)) from exc


def _entry(record: dict, path: Path, number: int) -> Entry:
    meta = record.get("metadata") or {}
    if "_id" not in record:
        raise DatasetError(f"{path}:{number}: record has no '_id'")
    if {"term", "definition", "lang", "source"} <= set(meta):  # exported by Glossa
        return Entry.from_dict({**meta, "id": record["_id"]})
    text = str(record.get("text") or "")
    title = str(record.get("title") or "").strip()
    return Entry(
        id=str(record["_id"]),
        term=title or text[:60],
        definition=text,
        lang=str(meta.get("lang") or "xx"),
        source=str(meta.get("source") or path.parent.name),
    )


def load_beir(path: Path, split: str = "test") -> BeirDataset:
    corpus = [_entry(r, path / "corpus.jsonl", n) for n, r in _jsonl(path / "corpus.jsonl")]
    queries, meta = {}, {}
    for number, record in _jsonl(path / "queries.jsonl"):
        if "_id" not in record or not str(record.get("text", "")).strip():
            raise DatasetError(
                f"{path / 'queries.jsonl'}:{number}: needs '_id' and non-empty 'text'"
            )
        queries[str(record["_id"])] = str(record["text"])
        meta[str(record["_id"])] = {k: str(v) for k, v in (record.get("metadata") or {}).items()}
    qrels_path = path / "qrels" / f"{split}.tsv"
    if not qrels_path.is_file():
        raise DatasetError(f"{qrels_path}: missing")
    qrels: Qrels = defaultdict(dict)
    ids = {e.id for e in corpus}
    with qrels_path.open(encoding="utf-8") as f:
        for number, row in enumerate(csv.reader(f, delimiter="\t"), start=1):
            if number == 1 and row and row[0] == "query-id":
                continue
            if len(row) != 3:
                raise DatasetError(f"{qrels_path}:{number}: expected query-id, corpus-id, score")
            qid, did, grade = row
            if qid not in queries or did not in ids:
                raise DatasetError(
                    f"{qrels_path}:{number}: unknown query {qid!r} or document {did!r}"
                )
            qrels[qid][did] = int(grade)
    return BeirDataset(path, corpus, {q: queries[q] for q in qrels}, dict(qrels), meta)


@contextlib.contextmanager
def quiet_numba():
    """ranx's numba kernels warn (NumbaTypeSafetyWarning) about their own integer
    casts on every call; the metrics are unaffected, so users are spared it."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module="numba")
        warnings.filterwarnings("ignore", category=UserWarning, message=".*[Nn]umba.*")
        try:
            from numba.core.errors import NumbaTypeSafetyWarning

            warnings.simplefilter("ignore", NumbaTypeSafetyWarning)
        except ImportError:  # pragma: no cover - numba comes with ranx
            pass
        yield


def evaluate_run(qrels: Qrels, run: RunDict, metrics: Sequence[str] = METRICS) -> dict[str, float]:
    """Mean metrics over the queries of ``qrels`` (ranx)."""
    from ranx import Qrels as RxQrels
    from ranx import Run as RxRun
    from ranx import evaluate

    full_run = {q: run.get(q) or {"__none__": 0.0} for q in qrels}
    with quiet_numba():
        result = evaluate(RxQrels(qrels), RxRun(full_run), list(metrics), make_comparable=True)
    if isinstance(result, float):
        result = {metrics[0]: result}
    return {m: float(v) for m, v in result.items()}


@dataclass(frozen=True)
class EvalReport:
    name: str
    queries: int
    overall: dict[str, float]
    groups: dict[str, dict[str, dict[str, float]]]  # "lang" -> "pl" -> metrics
    group_sizes: dict[str, dict[str, int]]
    p_value: float | None = None  # paired t-test of nDCG@10 against the baseline run

    def to_dict(self) -> dict:
        return {"name": self.name, "queries": self.queries, "overall": self.overall,
                "groups": self.groups, "group_sizes": self.group_sizes,
                "p_value": self.p_value}  # fmt: skip


def paired_significance(
    qrels: Qrels, runs: Mapping[str, RunDict], baseline: str = "dense"
) -> dict[str, float]:
    """Two-sided paired Student t-test p-value of nDCG@10, each run against
    ``baseline`` (ranx ``compare``); empty without the baseline or a second run."""
    from ranx import Qrels as RxQrels
    from ranx import Run as RxRun
    from ranx import compare

    names = list(runs)
    if baseline not in runs or len(names) < 2:
        return {}
    rx = [RxRun({q: runs[n].get(q) or {"__none__": 0.0} for q in qrels}, name=n) for n in names]
    with quiet_numba():
        report = compare(RxQrels(qrels), rx, ["ndcg@10"], stat_test="student", make_comparable=True)
    return {
        n: float(report.comparisons[n, baseline]["ndcg@10"]["p_value"])
        for n in names
        if n != baseline
    }


def evaluate_grouped(
    name: str, dataset: BeirDataset, run: RunDict, metrics: Sequence[str] = METRICS
) -> EvalReport:
    groups: dict[str, dict[str, dict[str, float]]] = {}
    sizes: dict[str, dict[str, int]] = {}
    for key in ("lang", "kind"):
        members: dict[str, list[str]] = defaultdict(list)
        for qid in dataset.qrels:
            value = dataset.query_meta.get(qid, {}).get(key)
            if value:
                members[value].append(qid)
        if members:
            groups[key] = {
                value: evaluate_run({q: dataset.qrels[q] for q in qids}, run, metrics)
                for value, qids in sorted(members.items())
            }
            sizes[key] = {value: len(qids) for value, qids in sorted(members.items())}
    return EvalReport(
        name, len(dataset.qrels), evaluate_run(dataset.qrels, run, metrics), groups, sizes
    )


def make_run(
    search: Callable[[Sequence[str]], list[list[tuple[str, float]]]],
    queries: Mapping[str, str],
    batch: int = 64,
) -> RunDict:
    """Run ``search`` (a batch of texts -> ranked (doc id, score) lists) over all queries."""
    ids = list(queries)
    run: RunDict = {}
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        for qid, ranked in zip(chunk, search([queries[q] for q in chunk]), strict=True):
            # ranx needs distinct scores to keep our order: use the rank.
            run[qid] = {doc: float(len(ranked) - i) for i, (doc, _s) in enumerate(ranked)}
    return run


def searcher_run(searcher, queries: Mapping[str, str], mode: str, depth: int = 100) -> RunDict:
    """The run of a ``Searcher`` (anything with ``batch_search``) in one mode."""

    def search(texts: Sequence[str]) -> list[list[tuple[str, float]]]:
        return [
            [(h.id, h.score) for h in hits]
            for hits in searcher.batch_search(texts, k=depth, mode=mode)
        ]

    return make_run(search, queries)


def write_trec_run(run: RunDict, path: Path, tag: str) -> None:
    with path.open("w", encoding="utf-8") as f:
        for qid, docs in run.items():
            ranked = sorted(docs.items(), key=lambda item: -item[1])
            for rank, (doc, score) in enumerate(ranked, start=1):
                f.write(f"{qid} Q0 {doc} {rank} {score:.6f} {tag}\n")


def markdown_table(reports: Sequence[EvalReport], metrics: Sequence[str] = METRICS) -> str:
    lines = ["| system | " + " | ".join(metrics) + " | p vs dense (nDCG@10) |",
             "|---|" + "---|" * (len(metrics) + 1)]  # fmt: skip
    for r in reports:
        p = "" if r.p_value is None else f"{r.p_value:.4f}"
        lines.append(
            f"| {r.name} | " + " | ".join(f"{r.overall[m]:.4f}" for m in metrics) + f" | {p} |"
        )
    for key in ("lang", "kind"):
        values = sorted({v for r in reports for v in r.groups.get(key, {})})
        if not values:
            continue
        sizes = reports[0].group_sizes.get(key, {})
        lines += ["", f"nDCG@10 by query {key}:", "",
                  "| system | " + " | ".join(f"{v} ({sizes.get(v, 0)})" for v in values) + " |",
                  "|---|" + "---|" * len(values)]  # fmt: skip
        for r in reports:
            cells = [
                f"{r.groups[key][v]['ndcg@10']:.4f}" if v in r.groups.get(key, {}) else "-"
                for v in values
            ]
            lines.append(f"| {r.name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_reports(
    reports: Sequence[EvalReport], runs: Mapping[str, RunDict], out: Path, stem: str
) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for report in reports:
        path = out / f"{stem}.{report.name}.trec"
        write_trec_run(runs[report.name], path, report.name)
        written.append(path)
    (out / f"{stem}.json").write_text(json.dumps([r.to_dict() for r in reports], indent=2))
    (out / f"{stem}.md").write_text(f"# {stem}\n\n{markdown_table(reports)}\n")
    written += [out / f"{stem}.json", out / f"{stem}.md"]
    return written
