"""API fixtures: the app around the session's real Searcher, in-process and live."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import uvicorn
from fastapi.testclient import TestClient
from glossa.api.app import create_app


@pytest.fixture(scope="session")
def api_app(real_searcher):
    return create_app(searcher=real_searcher)


@pytest.fixture(scope="session")
def client(api_app):
    with TestClient(api_app) as c:
        yield c


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(app, join_timeout: float = 10) -> Iterator[str]:
    """Serve ``app`` with uvicorn on 127.0.0.1 (loopback only) in a thread; yields
    its base URL and stops the server on exit."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    try:
        while not server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start within 30 s")
            time.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=join_timeout)


@pytest.fixture(scope="session")
def live_server(api_app):
    """The app served by uvicorn on 127.0.0.1, stopped at the end."""
    with serve(api_app) as url:
        yield url
