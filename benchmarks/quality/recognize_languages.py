"""``/recognize`` without ``lang`` on a termbase of 12 Latin-script languages.

    python -m benchmarks.quality.recognize_languages [--before DIR] [--out DIR]

Language detection scores the text against every candidate language's lemma
dictionary. simplemma keeps 8 dictionaries, so with 12 languages each detection
reloaded some (about a second each): every request without ``lang`` took
seconds, every time. This builds a small termbase in 12 Latin-script languages
(a hashing stand-in encoder: recognition does not embed), recognizes one
Spanish text 10 times with ``lang`` and 10 times without, in a fresh process per
checkout, and reports the medians and their ratio (target: without <= 2x with).
``--before DIR``: an older checkout laid out as installed, run with
``PYTHONPATH=DIR`` in the same run. Writes ``recognize_languages.{md,json}``
under ``--out`` (default: a temporary directory).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.harness import child_env, markdown_table, parse_args, write_results

LANGUAGES = ("de", "es", "fr", "it", "pt", "nl", "sv", "da", "pl", "cs", "ro", "fi")
TEXT = ("El tiempo de espera del cliente bajó cuando el agente usó la base de conocimiento "
        "y respondió en el primer contacto. ") * 20  # fmt: skip
REPEATS = 10

CHILD = r"""
import json, statistics, sys, time
from pathlib import Path
from benchmarks.harness import percentile
from glossa.corpus.entry import Entry
from glossa.indexer.build import build_index
from glossa.recognition import Recognizer
from glossa.search.searcher import Searcher
from tests.fakes import FakeEncoder

langs, text, repeats, where = json.loads(sys.argv[1])
words = ["cliente", "agente", "contacto", "tiempo", "base", "respuesta"]
entries = [Entry(f"{lang}-{i}", f"{w} {lang}{i}" if lang != "es" else w, "d", lang, "t")
           for lang in langs for i, w in enumerate(words)]
encoder = FakeEncoder()
build_index(entries, encoder, Path(where))
recognizer = Recognizer(Searcher.open(Path(where), encoder))
out = {}
for name, lang in (("with_lang_ms", "es"), ("without_lang_ms", None)):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        found = recognizer.recognize(text, lang)
        times.append((time.perf_counter() - t) * 1000)
    out[name] = round(percentile(times, 50), 1)
    out[name.replace("_ms", "_first_ms")] = round(times[0], 1)
    out["detected"] = found.lang
print(json.dumps(out))
"""


def measure(pythonpath: str | None, where: Path) -> dict:
    env = child_env(pythonpath, benchmarks=True)
    args = json.dumps([LANGUAGES, TEXT, REPEATS, str(where)])
    done = subprocess.run([sys.executable, "-c", CHILD, args], env=env, cwd=tempfile.gettempdir(),
                          capture_output=True, text=True, check=True)  # fmt: skip
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    figures["ratio"] = round(figures["without_lang_ms"] / max(figures["with_lang_ms"], 0.1), 2)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="an older checkout laid out as installed")
    args = parse_args(parser)
    load = os.getloadavg()[0]
    runs = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, path in (("before", args.before), ("now", None)):
            if name == "before" and path is None:
                continue
            runs[name] = measure(str(path) if path else None, Path(tmp) / name)
            print(name, runs[name], flush=True)
    text = (f"Recognition of a Spanish text in a termbase of {len(LANGUAGES)} Latin-script "
            f"languages, median of {REPEATS} (first call apart); load average before: "
            f"{load:.2f} on {os.cpu_count()} cores.\n\n{markdown_table(runs, 'code')}")  # fmt: skip
    write_results("recognize_languages", "Recognition without a language, 12 languages", text,
                  {"load_before": load, "runs": runs})  # fmt: skip


if __name__ == "__main__":
    main()
