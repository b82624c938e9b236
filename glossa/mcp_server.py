"""Glossa as a tool for LLM pipelines: a Model Context Protocol server.

Why MCP: translation and writing now often run through an LLM agent, which
should use a termbase's approved terms instead of guessing. The tools answer in
compact JSON an agent can act on:

- ``termbases``: what this server serves (name, title, languages, size);
- ``search``: a question or a term, in any language -> concepts, each with its
  terms and definitions in the asked languages;
- ``concept``: an id -> every language's terms, their statuses, and how each
  joined the concept;
- ``recognize``: a text -> the termbase's terms in it, each with its approved
  equivalents in the target languages (deprecated ones left out);
- ``check_translation``: source and target segments -> missing approved terms
  and forbidden (deprecated or superseded) ones used.

The same server runs over stdio (``glossa mcp``: the local user, who may read
every file, so no tokens) and over streamable HTTP at ``/mcp`` of ``glossa
serve`` (the server's tokens and roles: ``glossa.access``). Where the termbases
come from is a ``TermbaseSource``: the shelf opened in this process, or the
server's live services.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import anyio.to_thread
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError

from glossa import __version__
from glossa.access import bearer
from glossa.corpus.entry import DISCOURAGED
from glossa.errors import GlossaError
from glossa.settings import Settings
from glossa.shelf import Shelf
from glossa.termbase import Termbase, open_termbase

T = TypeVar("T")
MAX_K = 20
INSTRUCTIONS = (
    "Glossa holds terminology (termbases): terms in many languages grouped into concepts, "
    "with definitions and statuses. Use `search` to find the approved term for a meaning in "
    "a language, `recognize` to find a text's terms with their approved translations, and "
    "`check_translation` before finalising a translated segment. Terms whose status is "
    "deprecated or superseded must not be used."
)


class TermbaseSource(Protocol):
    """Where the tools get termbases: by name (None: the default), for a caller."""

    def open(self, name: str | None, token: str | None) -> Termbase: ...

    def listing(self, token: str | None) -> list[dict[str, Any]]: ...

    def run(self, function: Callable[[], T]) -> T:
        """Run a call that may embed text (the encoder's own thread, where there is one)."""
        ...


class ShelfSource:
    """The shelf's termbases, opened in this process on first use (one model for all)."""

    def __init__(self, shelf: Shelf, settings: Settings) -> None:
        self.shelf, self.settings = shelf, settings
        self._open: dict[str, Termbase] = {}
        self._lock = threading.Lock()

    def open(self, name: str | None, token: str | None = None) -> Termbase:
        name = name or self.shelf.names()[0]
        path = self.shelf.path(name)  # an unknown name: not found, before anything loads
        with self._lock:
            if name not in self._open:
                encoder = next((t.encoder for t in self._open.values()), None)
                self._open[name] = open_termbase(path, self.settings, encoder=encoder)
            return self._open[name]

    def adopt(self, name: str, termbase: Termbase) -> None:
        """Serve ``termbase``, already open, as ``name``."""
        with self._lock:
            self._open[name] = termbase

    def listing(self, token: str | None = None) -> list[dict[str, Any]]:
        return [shelved.to_dict() for shelved in self.shelf.all()]

    def run(self, function: Callable[[], T]) -> T:
        return function()


def _token(ctx: Context | None) -> str | None:
    """The call's bearer token over HTTP (None over stdio: no headers)."""
    headers = ctx.headers if ctx is not None else None
    return bearer((headers or {}).get("authorization"))


def _hit(hit: dict[str, Any]) -> dict[str, Any]:
    """A hit as an agent needs it: no scores to the sixth decimal, no empty fields."""
    keep = ("id", "term", "lang", "definition", "aliases", "english", "term_status",
            "discouraged", "source_title")  # fmt: skip
    return {k: hit[k] for k in keep if hit.get(k) not in (None, [], "")}


def create_mcp(source: TermbaseSource) -> MCPServer:
    """The MCP server over ``source``'s termbases."""
    mcp = MCPServer("glossa", title="Glossa terminology", version=__version__,
                    instructions=INSTRUCTIONS)  # fmt: skip

    async def call(function: Callable[[], T], *, encodes: bool = False) -> T:
        try:
            if encodes:
                return await anyio.to_thread.run_sync(lambda: source.run(function))
            return await anyio.to_thread.run_sync(function)
        except GlossaError as exc:  # the caller's mistake or a state to wait out: one line
            raise ToolError(str(exc)) from exc

    @mcp.tool()
    async def termbases(ctx: Context) -> dict[str, Any]:
        """The termbases this server serves: name, title, description, entries per
        language. Pass a name as `termbase` to the other tools (default: the first)."""
        return {"termbases": await call(lambda: source.listing(_token(ctx)))}

    @mcp.tool()
    async def search(
        query: str,
        ctx: Context,
        languages: list[str] | None = None,
        k: int = 5,
        termbase: str | None = None,
    ) -> dict[str, Any]:
        """Find concepts for a question or a term in any language ("what measures
        customer effort", "NPS", a misspelled term). Returns up to `k` concepts,
        best first, each with its terms and definitions in `languages` (ISO 639
        codes; default: every language)."""
        k = max(1, min(int(k), MAX_K))

        def run() -> dict[str, Any]:
            searcher = source.open(termbase, _token(ctx)).searcher
            found = searcher.search_concepts(query, k=k, lang=languages or None)
            return {"query": query, "concepts": [
                {"concept": c.id, "rank": c.rank, "terms": [_hit(h.to_dict()) for h in c.hits]}
                for c in found]}  # fmt: skip

        return await call(run, encodes=True)

    @mcp.tool()
    async def concept(id: str, ctx: Context, termbase: str | None = None) -> dict[str, Any]:
        """One concept by its id (or any of its entries' ids): every language's
        terms with their statuses and definitions, and how each joined the concept
        (declared, accepted by a reviewer, automatic with its probability)."""

        def run() -> dict[str, Any]:
            record = source.open(termbase, _token(ctx)).searcher.concept(id)
            return {"concept": record.id, "languages": {
                lang: [{**_hit(m.hit.to_dict()), "joined": m.joined} for m in members]
                for lang, members in record.languages().items()}}  # fmt: skip

        return await call(run)

    @mcp.tool()
    async def recognize(
        text: str,
        ctx: Context,
        lang: str | None = None,
        targets: list[str] | None = None,
        termbase: str | None = None,
    ) -> dict[str, Any]:
        """The termbase's terms found in `text` (in `lang`, detected when omitted),
        each with its approved equivalents in the `targets` languages (default:
        every other language). Deprecated equivalents are left out; a term that is
        itself deprecated is marked `discouraged`."""

        def run() -> dict[str, Any]:
            found = source.open(termbase, _token(ctx)).recognizer().recognize(
                text, lang, targets or None)
            return {"lang": found.lang, "terms": [_match(m) for m in found.matches]}

        return await call(run)

    @mcp.tool()
    async def check_translation(
        source_text: str,
        target_text: str,
        source_lang: str,
        target_lang: str,
        ctx: Context,
        termbase: str | None = None,
    ) -> dict[str, Any]:
        """Terminology check of one translated segment: each source term with its
        approved target terms and whether one is used (`missing` lists those not
        used), and the deprecated or superseded target terms used (`forbidden`)."""
        from glossa.recognition.translation_qa import MISSING, check_segment

        def run() -> dict[str, Any]:
            recognizer = source.open(termbase, _token(ctx)).recognizer()
            check = check_segment(recognizer, source_text, target_text, source_lang, target_lang)
            terms = [{"source_term": t.source.text, "verdict": t.verdict, "found": t.found,
                      "approved": [e.term for e in t.approved]} for t in check.terms]  # fmt: skip
            return {
                "missing": [t for t in terms if t["verdict"] == MISSING],
                "forbidden": [{"text": m.text, "term": m.term, "status": m.status}
                              for m in check.discouraged],
                "unasked": [{"text": m.text, "term": m.term} for m in check.unasked],
                "terms": terms,
            }  # fmt: skip

        return await call(run)

    return mcp


def _match(match) -> dict[str, Any]:
    approved = [
        {"term": e.term, "lang": e.lang, "status": e.status, "id": e.id}
        for e in match.equivalents or ()
        if e.status not in DISCOURAGED
    ]
    return {"text": match.text, "start": match.start, "end": match.end, "term": match.term,
            "lang": match.lang, "concept": match.concept, "status": match.status,
            "discouraged": match.discouraged, "equivalents": approved}  # fmt: skip

