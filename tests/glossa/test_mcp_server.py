"""``glossa mcp`` end to end: the official MCP SDK's client starts the real
command over stdio, on the session's real index (real model, real FAISS), and
calls each tool as an LLM agent would."""

from __future__ import annotations

import json
import sys

import anyio
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters

pytestmark = pytest.mark.slow  # a process that loads the model

TOOLS = {"termbases", "search", "concept", "recognize", "check_translation"}


def answer(result) -> dict | list:
    assert not result.is_error, result.content
    return json.loads(result.content[0].text)


async def session(real_index_dir) -> dict:
    server = StdioServerParameters(
        command=sys.executable, args=["-m", "glossa.cli", "mcp", "--termbase",
                                      f"cx={real_index_dir}"])  # fmt: skip
    seen: dict = {}
    async with Client(server, read_timeout_seconds=120) as client:
        seen["tools"] = {tool.name for tool in (await client.list_tools()).tools}
        seen["termbases"] = answer(await client.call_tool("termbases", {}))
        seen["search"] = answer(await client.call_tool(
            "search", {"query": "what measures customer effort", "languages": ["fa", "zh"]}))
        seen["recognize"] = answer(await client.call_tool(
            "recognize", {"text": "Czas do pierwszej odpowiedzi skrócił się o połowę.",
                          "lang": "pl", "targets": ["zh"]}))  # fmt: skip
        concept = seen["search"]["concepts"][0]["concept"]
        seen["concept"] = answer(await client.call_tool("concept", {"id": concept}))
        seen["check"] = answer(await client.call_tool("check_translation", {
            "source_text": "Czas do pierwszej odpowiedzi jest kluczowy.",
            "target_text": "这很关键。", "source_lang": "pl", "target_lang": "zh"}))
        seen["unknown"] = await client.call_tool("search", {"query": "x", "termbase": "nope"})
    return seen


def test_an_agent_uses_every_tool_over_stdio(real_index_dir):
    seen = anyio.run(session, real_index_dir)
    assert seen["tools"] >= TOOLS
    assert [t["name"] for t in seen["termbases"]["termbases"]] == ["cx"]
    terms = {(t["lang"], t["term"]) for c in seen["search"]["concepts"] for t in c["terms"]}
    assert ("fa", "امتیاز تلاش مشتری") in terms and ("zh", "客户努力得分") in terms
    assert all(t["lang"] in ("fa", "zh") for c in seen["search"]["concepts"] for t in c["terms"])
    [found] = [m for m in seen["recognize"]["terms"] if m["term"] == "Czas do pierwszej odpowiedzi"]
    assert {(e["lang"], e["term"]) for e in found["equivalents"]} == {("zh", "首次响应时间")}
    assert seen["concept"]["concept"] == seen["search"]["concepts"][0]["concept"]
    assert seen["concept"]["languages"]
    [missing] = seen["check"]["missing"]  # 首次响应时间 is not in the translation
    assert missing["source_term"] == "Czas do pierwszej odpowiedzi"
    assert missing["approved"] == ["首次响应时间"]
    assert seen["unknown"].is_error and "no termbase named 'nope'" in seen["unknown"].content[0].text
