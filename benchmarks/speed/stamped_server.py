"""``glossa serve`` with a time stamp at each stage of a search, for
``served_stages``: the same app, settings and HTTP server, with thin wrappers
around the stage boundaries (the app's entry and its response, the admission
gate, the encoder thread's job, the query encoder). At SIGTERM the stamps go to
``stamps.json`` in the results folder and the process exits.

    python -m benchmarks.speed.stamped_server --port PORT --out DIR

Why a wrapper and not timers in the server: what is measured must not carry
the cost of measuring into every served request.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import time

from benchmarks.harness import parse_args, results_dir

STAMPS: list[tuple[str, float]] = []


def stamp(name: str) -> None:
    STAMPS.append((name, time.perf_counter()))


def instrument() -> None:
    from glossa.api import admission
    from glossa.indexer.encoders.encoder import CachedQueryEncoder

    gate_run = admission.SearchGate.run

    async def run(self, request, executor, function):
        stamp("gate_in")

        def job():
            stamp("thread_in")
            try:
                return function()
            finally:
                stamp("thread_out")

        try:
            return await gate_run(self, request, executor, job)
        finally:
            stamp("gate_out")

    admission.SearchGate.run = run
    encode = CachedQueryEncoder.encode_queries

    def encode_queries(self, texts):
        stamp("encoder_in")
        try:
            return encode(self, texts)
        finally:
            stamp("encoder_out")

    CachedQueryEncoder.encode_queries = encode_queries


class Stamped:
    """The outermost ASGI layer: when ``/search`` enters the app, when its
    response starts and when its last byte is handed to the server."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["path"] != "/search":
            await self.app(scope, receive, send)
            return
        stamp("app_in")

        async def sending(message) -> None:
            if message["type"] == "http.response.start":
                stamp("response_start")
            await send(message)

        await self.app(scope, receive, sending)
        stamp("app_out")


def main() -> None:
    from glossa.api.app import create_app
    from glossa.api.http import serve

    from glossa.settings import Settings
    from glossa.shelf import Shelf

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    args = parse_args(parser)
    out = results_dir() / "stamps.json"

    def dump(*_) -> None:
        out.write_text(json.dumps(STAMPS))
        os._exit(0)

    instrument()
    settings = Settings()
    app = create_app(settings, shelf=Shelf(settings))
    signal.signal(signal.SIGTERM, dump)
    serve(Stamped(app), "127.0.0.1", args.port, settings.header_timeout)


if __name__ == "__main__":
    main()
