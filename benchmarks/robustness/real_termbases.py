"""Real termbases in and out, per file: what was imported, what was skipped and
why, whether the TBX / XLSX export reads back the same, and the top hits of one
cross-language question on the imported data (real model).

The committed excerpts (tests/corpus/data, SOURCES.md) always run; files whose
licence does not allow committing them are read from ``--folder`` (LTAC's DCT,
TBX-Min and test files, a KDE Lokalize glossary...). Nothing is fetched.

    python -m benchmarks.robustness.real_termbases --folder ~/glossa-data/real
"""

from __future__ import annotations

import argparse
import io
import tempfile
from collections import Counter
from pathlib import Path

from glossa.corpus.errors import CorpusError
from glossa.corpus.sources import TBX_SUFFIXES, import_entries

from benchmarks.harness import parse_args, write_results

EXCERPTS = Path(__file__).resolve().parents[2] / "tests" / "corpus" / "data"
QUESTIONS = {  # file name fragment -> (question, language to search in)
    "astronomy": ("grupo de estrellas jóvenes en una galaxia", "en"),
    "silknow": ("hilo para tejer", "en"),
    "lokalize": ("borrar un archivo", "nan"),
    "min": ("agujero negro", "en"),
    "basic": ("agujero negro", "en"),
    "core": ("agujero negro", "en"),
}


def round_trip(entries, path: Path) -> str:
    from glossa.corpus.spreadsheets import write_xlsx
    from glossa.corpus.tbx import write_tbx

    verdicts = []
    with tempfile.TemporaryDirectory() as tmp:
        for style in ("dca", "dct"):
            out = Path(tmp) / f"rt-{style}.tbx"
            with out.open("wb") as f:
                write_tbx(entries, f, style=style)
            again = import_entries([out]).entries
            same = [e.to_dict() for e in again] == [e.to_dict() for e in entries]
            verdicts.append(f"TBX {style} {'identical' if same else 'DIFFERS'}")
        out = Path(tmp) / "rt.xlsx"
        with out.open("wb") as f:
            write_xlsx(entries, f)
        again = import_entries([out]).entries
        names = lambda es: {(e.lang, e.term) for e in es}  # noqa: E731
        verdicts.append("XLSX same terms" if names(again) >= names(entries) else "XLSX DIFFERS")
    return ", ".join(verdicts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--folder", type=Path, help="unlicensed real files to read too")
    parser.add_argument("--no-search", action="store_true", help="skip the real-model queries")
    args = parse_args(parser)
    paths = sorted(p for p in EXCERPTS.iterdir() if p.suffix in (".tbx", ".ttl", ".csv"))
    if args.folder:
        paths += sorted(p for p in args.folder.iterdir() if p.is_file())
    encoder = None
    if not args.no_search:
        from glossa.runtime import make_encoder
        from glossa.settings import Settings

        encoder = make_encoder(Settings())
    rows, data = [], []
    for path in paths:
        row = {"file": path.name}
        if path.suffix.lower() in TBX_SUFFIXES:
            from glossa.corpus.tbx_validation import validate_tbx

            report = validate_tbx(path)
            row["validate"] = f"{report.dialect} {report.style}: " + (
                "valid" if report.valid else f"{report.count} problem(s)"
            )
        try:
            result = import_entries([path])
        except CorpusError as exc:
            row["imported"] = f"refused: {exc.reason}"
            rows.append(row)
            data.append(row)
            continue
        entries = result.entries
        langs = Counter(e.lang for e in entries)
        row["concepts"] = len({e.concept or e.id for e in entries})
        row["entries"] = len(entries)
        row["languages"] = " ".join(f"{k}:{v}" for k, v in sorted(langs.items()))
        row["borrowed / none"] = (
            f"{sum(1 for e in entries if e.definition_from)} / "
            f"{sum(1 for e in entries if not e.definition)}"
        )
        row["skipped"] = (
            "; ".join(f"{n}× {k}" for k, n in result.problem_kinds.most_common()) or "0"
        )
        row["round trip"] = round_trip(entries, path) if entries else "-"
        question = next((q for frag, q in QUESTIONS.items() if frag in path.name), None)
        if encoder is not None and question and entries:
            from glossa.indexer.build import build_index
            from glossa.search.searcher import Searcher

            with tempfile.TemporaryDirectory() as tmp:
                build_index(entries, encoder, Path(tmp) / "idx")
                searcher = Searcher.open(Path(tmp) / "idx", encoder)
                hits = searcher.search(question[0], k=3, lang=question[1])
                row["query"] = f"{question[0]!r} in {question[1]}"
                row["top hits"] = ", ".join(h.term for h in hits)
        rows.append(row)
        data.append(row)
    columns = list(dict.fromkeys(k for r in rows for k in r))
    out = io.StringIO()
    out.write("| " + " | ".join(columns) + " |\n|" + "---|" * len(columns) + "\n")
    for r in rows:
        out.write("| " + " | ".join(str(r.get(c, "")) for c in columns) + " |\n")
    table = out.getvalue()
    print(table)
    write_results("real_termbases", "Real termbases in and out", table, data)


if __name__ == "__main__":
    main()
