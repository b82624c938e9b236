"""API fixtures: the app around the session's real Searcher, in-process and live."""

from __future__ import annotations

import socket
import threading
import time

import pytest
import uvicorn
from fastapi.testclient import TestClient

from api.app import create_app


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


@pytest.fixture(scope="session")
def live_server(api_app):
    """The app served by uvicorn on 127.0.0.1 (loopback only), stopped at the end."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(api_app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start within 30 s")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
