"""Expand the concept-organised judgments into a BEIR-layout dataset.

    python -m benchmarks.gold.build   # writes benchmarks/gold/beir/{corpus,queries}.jsonl, qrels/test.tsv

The corpus is the bundled glossaries as Glossa parses them; a judgment naming an
entry that the parsers do not produce fails loudly instead of silently dropping.
"""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.gold.concepts import CONCEPTS, QUERIES
from corpus.entry import Entry
from corpus.sources import load_entries

BEIR_DIR = Path(__file__).resolve().parent / "beir"


def resolve(entries: list[Entry]) -> dict[str, dict[str, int]]:
    """qrels: query id -> entry id -> grade (max over the query's concepts)."""
    by_key = {(e.source[:3], e.term): e.id for e in entries}
    qrels: dict[str, dict[str, int]] = {}
    for qid, _lang, _kind, _text, concepts in QUERIES:
        judged: dict[str, int] = {}
        for concept in concepts:
            for prefix, term, grade in CONCEPTS[concept]:
                if (prefix, term) not in by_key:
                    raise KeyError(f"concept {concept!r}: no entry {term!r} in glossary {prefix}")
                eid = by_key[(prefix, term)]
                judged[eid] = max(grade, judged.get(eid, 0))
        if not any(g == 2 for g in judged.values()):
            raise ValueError(f"query {qid} has no answering entry")
        qrels[qid] = judged
    return qrels


def write_beir(out: Path = BEIR_DIR) -> Path:
    entries = load_entries()
    qrels = resolve(entries)
    (out / "qrels").mkdir(parents=True, exist_ok=True)
    with (out / "corpus.jsonl").open("w", encoding="utf-8") as f:
        for e in entries:
            record = {"_id": e.id, "title": e.term, "text": e.definition, "metadata": e.to_dict()}
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    with (out / "queries.jsonl").open("w", encoding="utf-8") as f:
        for qid, lang, kind, text, _ in QUERIES:
            record = {"_id": qid, "text": text, "metadata": {"lang": lang, "kind": kind}}
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    with (out / "qrels" / "test.tsv").open("w", encoding="utf-8") as f:
        f.write("query-id\tcorpus-id\tscore\n")
        for qid, judged in qrels.items():
            for eid, grade in sorted(judged.items()):
                f.write(f"{qid}\t{eid}\t{grade}\n")
    return out


if __name__ == "__main__":
    print(f"wrote {write_beir()}")
