"""Bounded loopback load test: mixed searches with concurrent adds and deletes.

Starts ``glossa serve`` on 127.0.0.1 over a copy of an index (the default one,
built from the bundled corpus if needed), with an admin token. For ``--seconds``
(default 60) search clients send the gold-set queries while a writer adds
batches of new entries, re-sends some (a retry must be a no-op) and deletes
some. It stops by itself at the time limit (or ``--max-requests``).

Then it checks that nothing was lost or duplicated: the server's entry count and
corpus checksum must equal those of the expected set (bundled entries + added -
deleted), both from the live server and from the index directory after the
server has stopped. Prints a table; writes ``benchmarks/results/robustness/load_test.{json,md}``.

    python -m benchmarks.robustness.load_test                 # 60 s, 4 search clients, 1 writer
    python -m benchmarks.robustness.load_test --seconds 10    # a quick run
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from glossa.corpus.entry import Entry, corpus_checksum  # noqa: E402
from glossa.corpus.importers import entry_from_record  # noqa: E402

from benchmarks.gold.concepts import QUERIES  # noqa: E402
from benchmarks.harness import free_port, parse_args, percentile, wait_ready, write_results  # noqa: E402

TOKEN = "load-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@dataclass
class LoadReport:
    seconds: float
    search_clients: int
    searches: int = 0
    writes: int = 0
    added: int = 0
    deleted: int = 0
    retries: int = 0
    errors: list[str] = field(default_factory=list)
    search_p50_ms: float = 0.0
    search_p99_ms: float = 0.0
    write_p50_ms: float = 0.0
    write_p99_ms: float = 0.0
    expected_count: int = 0
    served_count: int = 0
    on_disk_count: int = 0
    checksum_matches_server: bool = False
    checksum_matches_disk: bool = False

    @property
    def requests(self) -> int:
        return self.searches + self.writes

    @property
    def failed_checks(self) -> int:
        """What a lost or wrong write breaks: the served and on-disk counts and
        checksums against the expected set."""
        return sum((self.served_count != self.expected_count,
                    self.on_disk_count != self.expected_count,
                    not self.checksum_matches_server, not self.checksum_matches_disk))  # fmt: skip

    @property
    def ok(self) -> bool:
        return not self.errors and self.failed_checks == 0


def synthetic(n: int) -> dict:
    return {
        "id": f"de-load{n}",
        "term": f"Lastbegriff {n}",
        "definition": f"Ein Begriff aus dem Lasttest, Nummer {n}, über Kundenservice.",
        "lang": "de",
        "aliases": [f"LB{n}"],
    }


def as_entry(record: dict) -> Entry:
    """The entry exactly as the server stores it (same validation and defaults)."""
    return entry_from_record(record, source="load", line=0, default_source="api")


def run(index_dir: Path, seconds: float, clients: int, max_requests: int = 1_000_000) -> LoadReport:
    """Serve a copy of ``index_dir`` and load it; the copy is removed afterwards."""
    from glossa.indexer.store.reader import load_index_dir

    report = LoadReport(seconds=seconds, search_clients=clients)
    work = Path(tempfile.mkdtemp(prefix="glossa-load-"))
    index = work / "index"
    shutil.copytree(index_dir, index)
    expected = {e.id: e for e in load_index_dir(index).entries}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "GLOSSA_ADMIN_TOKEN": TOKEN, "GLOSSA_INDEX_DIR": str(index)}
    server = subprocess.Popen(
        [sys.executable, "-m", "glossa.cli", "serve", "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    search_ms: list[float] = []
    write_ms: list[float] = []
    lock = threading.Lock()
    try:
        wait_ready(base, time.perf_counter(), limit=300)
        deadline = time.monotonic() + seconds
        budget = [max_requests]

        def take() -> bool:
            with lock:
                budget[0] -= 1
                return budget[0] >= 0 and time.monotonic() < deadline

        def searcher(seed: int) -> None:
            rng = random.Random(seed)
            with httpx.Client(base_url=base, timeout=30) as http:
                while take():
                    query = rng.choice(QUERIES)[0]
                    started = time.perf_counter()
                    response = http.get("/search", params={"q": query, "k": 10})
                    elapsed = (time.perf_counter() - started) * 1000
                    with lock:
                        report.searches += 1
                        search_ms.append(elapsed)
                        if response.status_code != 200:
                            report.errors.append(
                                f"search {response.status_code}: {response.text[:200]}"
                            )

        def writer() -> None:
            rng = random.Random(99)
            live: list[str] = []
            n = 0
            with httpx.Client(base_url=base, timeout=60, headers=AUTH) as http:
                while take():
                    action = rng.random()
                    started = time.perf_counter()
                    if action < 0.6 or not live:
                        batch = [synthetic(n + i) for i in range(rng.randint(1, 3))]
                        n += len(batch)
                        response = http.post("/entries", json={"entries": batch})
                        ok = response.status_code == 201
                        if ok:
                            for record in batch:
                                entry = as_entry(record)
                                expected[entry.id] = entry
                                live.append(entry.id)
                            report.added += len(batch)
                    elif action < 0.7:  # a client retrying a request it already made
                        record = synthetic(int(rng.choice(live).removeprefix("de-load")))
                        response = http.post("/entries", json={"entries": [record]})
                        ok = response.status_code == 201 and response.json()["unchanged"] == [
                            record["id"]
                        ]
                        report.retries += 1
                    else:
                        victim = live.pop(rng.randrange(len(live)))
                        response = http.delete(f"/entries/{victim}")
                        ok = response.status_code == 200
                        if ok:
                            del expected[victim]
                            report.deleted += 1
                    write_ms.append((time.perf_counter() - started) * 1000)
                    with lock:
                        report.writes += 1
                        if not ok:
                            report.errors.append(
                                f"write {response.status_code}: {response.text[:200]}"
                            )

        threads = [threading.Thread(target=searcher, args=(i,)) for i in range(clients)]
        threads.append(threading.Thread(target=writer))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=seconds + 120)
        stats = httpx.get(f"{base}/stats", timeout=30).json()
        want = corpus_checksum(list(expected.values()))
        report.expected_count, report.served_count = len(expected), stats["count"]
        report.checksum_matches_server = stats["corpus_checksum"] == want
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
    on_disk = load_index_dir(index)
    report.on_disk_count = len(on_disk.entries)
    report.checksum_matches_disk = corpus_checksum(list(on_disk.entries)) == want
    if search_ms:
        report.search_p50_ms, report.search_p99_ms = (
            percentile(search_ms, 50),
            percentile(search_ms, 99),
        )
    if write_ms:
        report.write_p50_ms, report.write_p99_ms = (
            percentile(write_ms, 50),
            percentile(write_ms, 99),
        )
    shutil.rmtree(work, ignore_errors=True)
    return report


def markdown(report: LoadReport) -> str:
    rows = [
        ("duration", f"{report.seconds:.0f} s, {report.search_clients} search clients + 1 writer"),
        ("requests served", f"{report.requests} ({report.searches} searches, {report.writes} writes)"),
        ("throughput", f"{report.requests / report.seconds:.1f} requests/s"),
        ("search latency p50 / p99", f"{report.search_p50_ms:.1f} / {report.search_p99_ms:.1f} ms"),
        ("write latency p50 / p99", f"{report.write_p50_ms:.1f} / {report.write_p99_ms:.1f} ms"),
        ("entries added / deleted / retried", f"{report.added} / {report.deleted} / {report.retries}"),
        ("errors", str(len(report.errors))),
        ("entries expected / served / on disk", f"{report.expected_count} / {report.served_count} / {report.on_disk_count}"),
        ("checksum = expected (server, disk)", f"{report.checksum_matches_server}, {report.checksum_matches_disk}"),
        ("verdict", "PASS" if report.ok else "FAIL"),
    ]  # fmt: skip
    lines = ["| measure | value |", "|---|---|", *(f"| {k} | {v} |" for k, v in rows)]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=4, help="concurrent search clients")
    parser.add_argument("--max-requests", type=int, default=1_000_000)
    parser.add_argument("--index", type=Path, default=None, help="index to copy (default: built)")
    args = parse_args(parser)
    index = args.index
    if index is None:
        from glossa.indexer.store.index_dir import index_exists

        from glossa.runtime import build, make_encoder
        from glossa.settings import Settings

        settings = Settings()
        index = settings.index_dir
        if not index_exists(index):
            build(settings, make_encoder(settings), index)
    report = run(index, args.seconds, args.clients, args.max_requests)
    table = markdown(report)
    for error in report.errors[:10]:
        print("error:", error)
    write_results(
        "load_test", f"Load test (loopback, {time.strftime('%Y-%m-%d')})",
        "`python -m benchmarks.robustness.load_test`: mixed searches with concurrent adds, "
        "retries and deletes; 2 cores, CPU only.\n\n" + table,
        {**asdict(report), "requests": report.requests, "ok": report.ok, "failed_checks": report.failed_checks},
    )
    sys.exit(0 if report.ok else 1)


if __name__ == "__main__":
    main()
