"""The README's showcase questions: does each find its concept in every language?

    python -m benchmarks.quality.showcase

Queries: every ``glossa search "..."`` the README shows, plus the questions the
concept-first issue tried (a Polish and a German one). Each is about one concept
of the complete concept table (``gold/concept_table.tsv``, hand labels made
before this benchmark: ``gold/equivalents.py``); ``INTENT`` names it, and a
README query without one stops the run, so a new showcase question states what
it is about. Per language, the rank of the concept's best entry among the top
5 of the default search over the bundled glossaries (``n/a``: the glossaries
have no entry of it in that language; ``-``: not in the top 5). Reported as
measured; nothing here was tuned on (most of these concepts are in the gold
set's report part). Writes ``results/quality/showcase.{md,json}``.
"""

from __future__ import annotations

import argparse
import re
import tempfile
from pathlib import Path

from glossa.corpus.sources import load_entries
from glossa.indexer.build import build_index
from glossa.indexer.encoders.known_vectors import KnownVectorsEncoder

from benchmarks.gold.equivalents import concept_table
from benchmarks.harness import markdown_table, parse_args, write_results

README = Path(__file__).resolve().parents[2] / "README.md"
LANGS = ("pl", "fa", "zh")
TOP = 5
INTENT = {
    "what measures customer effort": "ces",
    "czas oczekiwania na pierwszą odpowiedź": "frt",
    "客户流失": "churn",
    "NPS": "nps",
    "how likely are customers to recommend us": "nps",
    "how long until the first answer": "frt",
    "net promoter": "nps",
    # the issue's own tries
    "jak mierzyć wysiłek klienta": "ces",
    "Weiterempfehlungsbereitschaft": "nps",
}
ISSUE_QUERIES = ("jak mierzyć wysiłek klienta", "Weiterempfehlungsbereitschaft")


def readme_queries(text: str) -> list[str]:
    found = re.findall(r'glossa search "([^"]+)"', text)
    return list(dict.fromkeys([*found, *ISSUE_QUERIES]))


def main() -> None:
    parse_args(argparse.ArgumentParser(description=__doc__))
    from glossa.search.searcher import Searcher

    from glossa.runtime import make_encoder
    from glossa.settings import Settings

    queries = readme_queries(README.read_text(encoding="utf-8"))
    unjudged = [q for q in queries if q not in INTENT]
    if unjudged:
        raise SystemExit(
            f"README queries without an INTENT (the concept they are about): {unjudged}"
        )
    entries = load_entries()
    concept = concept_table(entries)
    members = {c: [e for e in entries if concept[e.id] == c] for c in set(INTENT.values())}
    missing = [c for c, found in members.items() if len(found) < 2]
    if missing:
        raise SystemExit(f"INTENT names concepts the concept table does not group: {missing}")
    encoder = make_encoder(Settings())
    rows: dict[str, dict] = {}
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        known = KnownVectorsEncoder(lambda _texts: encoder, encoder.model_name, encoder.dimension)
        build_index(entries, known, Path(tmp) / "index")
        searcher = Searcher.open(Path(tmp) / "index", encoder)
        for query in queries:
            hits = searcher.search(query, k=TOP)
            wanted = {e.id for e in members[INTENT[query]]}
            cells, all_found = [], True
            for lang in LANGS:
                if not any(e.lang == lang for e in members[INTENT[query]]):
                    cells.append("n/a")
                    continue
                rank = next((h.rank for h in hits if h.id in wanted and h.lang == lang), None)
                all_found &= rank is not None
                cells.append(str(rank) if rank else "-")
            results[query] = {"concept": INTENT[query], **dict(zip(LANGS, cells, strict=True)),
                              "all_found": all_found, "top": [h.term for h in hits]}  # fmt: skip
            rows[f"`{query}`"] = {"concept": INTENT[query], **dict(zip(LANGS, cells, strict=True)),
                                  f"every language in the top {TOP}": "yes" if all_found else "**no**"}  # fmt: skip
    table = markdown_table(rows, "query")
    found = sum(r["all_found"] for r in results.values())
    write_results(
        "showcase", "The README's showcase questions, concept by language",
        f"Rank of the concept's best entry per language in the top {TOP} of the default "
        "search (hybrid, concept-first) over the bundled glossaries; `n/a`: no entry of "
        "the concept in that language; `-`: not in the top 5. Concepts from the gold "
        f"concept table. {found} of {len(results)} queries find every language.\n\n" + table,
        results,
    )  # fmt: skip


if __name__ == "__main__":
    main()
