"""The MCP endpoint of ``glossa serve`` (streamable HTTP at ``/mcp``), called by
the official MCP SDK's client over a live uvicorn server: on the session's real
index, and with tokens on a server whose termbase reads closed."""

from __future__ import annotations

import json

import anyio
from glossa.api.app import create_app
from glossa.corpus.entry import Entry
from glossa.indexer.build import build_index
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from glossa.access import Access, Role
from glossa.settings import Settings
from glossa.termbase import open_termbase
from tests.api.conftest import serve


def answer(result) -> dict:
    assert not result.is_error, result.content
    return json.loads(result.content[0].text)


def client(url: str, token: str | None = None) -> Client:
    headers = {"Authorization": f"Bearer {token}"} if token else None
    http = create_mcp_http_client(headers=headers)
    return Client(streamable_http_client(f"{url}/mcp", http_client=http), read_timeout_seconds=60)


def test_an_agent_searches_the_served_termbase(live_server):
    async def run():
        async with client(live_server) as mcp:
            tools = {tool.name for tool in (await mcp.list_tools()).tools}
            found = answer(await mcp.call_tool("search", {"query": "what measures customer effort"}))
            recognized = answer(await mcp.call_tool("recognize", {
                "text": "Czas do pierwszej odpowiedzi spadł.", "lang": "pl", "targets": ["zh"]}))
        return tools, found, recognized

    tools, found, recognized = anyio.run(run)
    assert {"termbases", "search", "concept", "recognize", "check_translation"} <= tools
    terms = {(t["lang"], t["term"]) for c in found["concepts"] for t in c["terms"]}
    assert {("fa", "امتیاز تلاش مشتری"), ("zh", "客户努力得分")} <= terms
    [match] = recognized["terms"]
    assert match["term"] == "Czas do pierwszej odpowiedzi"
    assert [e["term"] for e in match["equivalents"]] == ["首次响应时间"]


def test_a_closed_termbase_answers_an_agent_only_with_a_token(tmp_path, fake_encoder):
    entries = [Entry(id="x-1", term="refund policy", definition="when money goes back",
                     lang="en", source="x")]  # fmt: skip
    build_index(entries, fake_encoder, tmp_path / "x")
    settings = Settings(termbases={"x": tmp_path / "x"}, termbases_dir=tmp_path / "shelf",
                        access_file=tmp_path / "access.json")  # fmt: skip
    access, token = Access.load(settings.access_file).reading("x", open_=False).with_token(
        "x", Role.READ)
    access.save()
    app = create_app(settings, background=False,
                     load=lambda: open_termbase(tmp_path / "x", settings, encoder=fake_encoder))

    async def run(url: str, token: str | None):
        async with client(url, token) as mcp:
            listed = answer(await mcp.call_tool("termbases", {}))
            searched = await mcp.call_tool("search", {"query": "refund"})
        return listed, searched

    with serve(app) as url:
        anonymous = anyio.run(run, url, None)
        reader = anyio.run(run, url, token)
    assert anonymous[0]["termbases"] == [] and anonymous[1].is_error
    assert "Authorization" in anonymous[1].content[0].text
    assert [t["name"] for t in reader[0]["termbases"]] == ["x"]
    assert answer(reader[1])["concepts"][0]["terms"][0]["id"] == "x-1"
