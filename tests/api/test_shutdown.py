"""SIGTERM while a large write embeds: the server stops soon, and the write is
committed whole or not at all (issue 28: SIGTERM was ignored for minutes while
a maximum-size POST went on embedding)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from glossa.indexer.build import build_index
from glossa.indexer.store.index_dir import read_manifest

from tests.api.conftest import free_port
from tests.fakes import FakeEncoder

pytestmark = pytest.mark.slow  # a real `glossa serve` process

ROOT = Path(__file__).resolve().parents[2]
# `glossa serve` with an encoder that takes 0.5 s a document: a 200-entry write
# embeds for 100 s, longer than the test waits for the server to exit
SERVER = f"""
import sys, time
sys.path.insert(0, {str(ROOT)!r})
import glossa.runtime as runtime
from tests.fakes import FakeEncoder

class Slow(FakeEncoder):
    def encode_documents(self, texts, progress=None):
        time.sleep(0.5 * len(texts))
        return super().encode_documents(texts, progress)

runtime.make_encoder = lambda settings, notify=None, **_: Slow()
runtime.build_encoder = lambda settings, encoder: encoder
from glossa.cli import app
app(sys.argv[1:], prog_name="glossa")
"""


def _call(base: str, method: str, route: str, body=None) -> int:
    request = urllib.request.Request(base + route, method=method,
                                     data=json.dumps(body).encode() if body else None)  # fmt: skip
    request.add_header("Authorization", "Bearer t")
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0  # the server went away mid-request


def test_sigterm_during_a_large_write_stops_the_server_and_commits_nothing_half(
    tmp_path, bundled_entries
):
    index = tmp_path / "index"
    build_index(bundled_entries[:20], FakeEncoder(), index)
    before = read_manifest(index)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, "serve", "--port", str(port), "--index", str(index)],
        cwd=ROOT, env={"GLOSSA_ADMIN_TOKEN": "t", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        while _call(base, "GET", "/health") != 200:
            assert server.poll() is None, server.stderr.read().decode()
            time.sleep(0.2)
        entries = [{"id": f"de-big-{i}", "term": f"Begriff {i}", "definition": "Lang. " * 50,
                    "lang": "de"} for i in range(200)]  # fmt: skip
        threading.Thread(target=_call, args=(base, "POST", "/entries", {"entries": entries}),
                         daemon=True).start()  # fmt: skip
        time.sleep(2)  # the write is embedding now (100 s in all)
        server.send_signal(signal.SIGTERM)
        # a bound for liveness, not a speed claim: before the fix the server
        # embedded on for the whole write (minutes with a real model)
        server.wait(timeout=60)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    stderr = server.stderr.read().decode()
    assert "Traceback" not in stderr, stderr
    after = read_manifest(index)
    assert (after.generation, after.count) in ((before.generation, 20),
                                               (before.generation + 1, 220))  # fmt: skip
