"""Expand the concept-organised judgments into a BEIR-layout dataset.

    python -m benchmarks.gold.build   # writes benchmarks/gold/beir/ and concept_table.tsv

The corpus is the bundled glossaries as Glossa parses them; a judgment naming an
entry that the parsers do not produce fails loudly instead of silently dropping.
Judgments go to ``qrels/dev.tsv`` (the tuning part), ``qrels/test.tsv`` (the
report part) and ``qrels/all.tsv`` (both), split by concept (``parts.py``).
"""

from __future__ import annotations

import json
from pathlib import Path

from glossa.corpus.entry import Entry
from glossa.corpus.sources import load_entries

from benchmarks.gold.concepts import CONCEPTS, QUERIES
from benchmarks.gold.equivalents import concept_table
from benchmarks.gold.parts import concept_parts, query_parts

BEIR_DIR = Path(__file__).resolve().parent / "beir"
CONCEPT_TABLE = Path(__file__).resolve().parent / "concept_table.tsv"


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


def write_concept_table(entries: list[Entry], path: Path = CONCEPT_TABLE) -> Path:
    """Every entry with its concept and that concept's part, for reading and review."""
    table, parts = concept_table(entries), concept_parts()
    with path.open("w", encoding="utf-8") as f:
        f.write("entry_id\tlang\tglossary\tterm\tconcept\tpart\n")
        for e in entries:
            concept = table[e.id]
            f.write(
                f"{e.id}\t{e.lang}\t{e.source[:3]}\t{e.term}\t{concept}\t{equivalents_part(concept, parts)}\n"
            )
    return path


def equivalents_part(concept: str, parts: dict[str, str] | None = None) -> str:
    """The part a strict concept's links are judged in: the part of the query
    concept of the same name, else (a concept of one entry) by a stable hash."""
    import hashlib

    parts = parts or concept_parts()
    if concept in parts:
        return parts[concept]
    return "dev" if hashlib.sha1(concept.encode()).digest()[0] % 2 == 0 else "test"


def write_beir(out: Path = BEIR_DIR) -> Path:
    entries = load_entries()
    qrels = resolve(entries)
    parts = query_parts()
    write_concept_table(entries)
    (out / "qrels").mkdir(parents=True, exist_ok=True)
    with (out / "corpus.jsonl").open("w", encoding="utf-8") as f:
        for e in entries:
            record = {"_id": e.id, "title": e.term, "text": e.definition, "metadata": e.to_dict()}
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    with (out / "queries.jsonl").open("w", encoding="utf-8") as f:
        for qid, lang, kind, text, _ in QUERIES:
            meta = {"lang": lang, "kind": kind, "part": parts[qid]}
            record = {"_id": qid, "text": text, "metadata": meta}
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    for split in ("dev", "test", "all"):
        with (out / "qrels" / f"{split}.tsv").open("w", encoding="utf-8") as f:
            f.write("query-id\tcorpus-id\tscore\n")
            for qid, judged in qrels.items():
                if split in ("all", parts[qid]):
                    for eid, grade in sorted(judged.items()):
                        f.write(f"{qid}\t{eid}\t{grade}\n")
    return out


if __name__ == "__main__":
    print(f"wrote {write_beir()}")
