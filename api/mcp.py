"""The MCP endpoint of ``glossa serve``: the tools of ``glossa.mcp_server`` over
streamable HTTP at ``/mcp``, on the server's termbases, with its tokens.

Stateless, JSON answers: each tool call is one POST, like the other routes, so
the body limit, the tokens and the termbase names work as they do there. A
search embeds its query on the server's one encoder thread, as ``/search`` does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from glossa.api.services import Services
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from glossa.access import Role
from glossa.errors import ErrorKind, GlossaError
from glossa.mcp_server import create_mcp
from glossa.termbase import Termbase

T = TypeVar("T")
PATH = "/mcp"


class ServicesSource:
    """The server's live termbases, as the MCP tools ask for them."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def open(self, name: str | None, token: str | None) -> Termbase:
        service = self.services.get(name)
        self.services.access().require(token, service.name, Role.READ)
        if service.termbase is None:
            raise GlossaError(service.detail or "the model and index are still loading; retry shortly",
                              kind=ErrorKind.NOT_READY)  # fmt: skip
        return service.termbase

    def listing(self, token: str | None) -> list[dict[str, Any]]:
        access = self.services.access()
        return [self.services.shelf.get(service.name).to_dict() for service in self.services.all()
                if access.may_read(token, service.name)]  # fmt: skip

    def run(self, function: Callable[[], T]) -> T:
        return self.services.executor.submit(function).result()


class McpEndpoint:
    """The ``/mcp`` route's ASGI app. The SDK's session manager runs once per
    instance, and an app's lifespan may run more than once (a test client, then
    a server): each run makes a fresh one (``running``)."""

    def __init__(self, services: Services, host: str) -> None:
        self.mcp = create_mcp(ServicesSource(services))
        self.host = host
        self._app: Starlette | None = None

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        app = self.mcp.streamable_http_app(streamable_http_path=PATH, stateless_http=True,
                                           json_response=True, host=self.host)  # fmt: skip
        async with self.mcp.session_manager.run():
            self._app = app
            try:
                yield
            finally:
                self._app = None

    async def __call__(self, scope, receive, send) -> None:
        if self._app is None:
            response = JSONResponse({"error": {"code": "not_ready", "message":
                                     "the server is starting or stopping"}}, 503)  # fmt: skip
            await response(scope, receive, send)
            return
        await self._app(scope, receive, send)

    def route(self) -> Route:
        return Route(PATH, self)
