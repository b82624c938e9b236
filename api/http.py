"""HTTP hygiene: HEAD on every GET route and security headers (ASGI middleware),
and a request-header deadline for the server (``timed_protocol``).

- HEAD (RFC 9110 §9.3.2): answered like GET without the body, so monitors and
  caches can probe any GET route; FastAPI routes declare GET only.
- Security headers on every response (``nosniff``, no framing, no referrer), and
  a Content-Security-Policy on the search page that allows only this origin's
  own scripts, styles and API calls: the page has no inline code.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
COMMON = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]
PAGES = ("/", "/static/index.html")


class HttpHygiene:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        head = scope["method"] == "HEAD"
        if head:
            scope = {**scope, "method": "GET"}
        extra = list(COMMON)
        if scope["path"] in PAGES:
            extra.append((b"content-security-policy", PAGE_CSP.encode()))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                headers = list(message.get("headers", []))
                headers += [(k, v) for k, v in extra if k not in names]
                message = {**message, "headers": headers}
            elif head and message["type"] == "http.response.body":
                message = {**message, "body": b""}  # same headers, no body
            await send(message)

        await self.app(scope, receive, send_with_headers)


def timed_protocol(header_timeout: float) -> type:
    """uvicorn's HTTP protocol with a request-header deadline: httptools' parser
    where it is installed (a C parser, measurably faster than h11 per request:
    ``benchmarks.speed.served_stages``), else h11.

    uvicorn closes idle keep-alive connections, but a connection that never
    sends a request, or sends its headers a byte at a time (slowloris), is kept
    open forever. This closes any connection whose request headers are not
    complete ``header_timeout`` seconds after it opened or after its previous
    response (``glossa serve`` uses it; GLOSSA_HEADER_TIMEOUT)."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as Protocol
    except ImportError:  # httptools is not installed: the pure-Python parser
        from uvicorn.protocols.http.h11_impl import H11Protocol as Protocol

    class TimedProtocol(Protocol):  # type: ignore[valid-type,misc]
        _header_timer = None

        def _waiting_for_headers(self) -> bool:
            cycle = getattr(self, "cycle", None)
            return cycle is None or cycle.response_complete

        def _arm(self) -> None:
            if self._header_timer is None:
                self._header_timer = self.loop.call_later(header_timeout, self._expire)

        def _expire(self) -> None:
            self._header_timer = None
            if self._waiting_for_headers() and not self.transport.is_closing():
                self.transport.close()  # headers never completed: drop the connection

        def connection_made(self, transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self._waiting_for_headers():
                self._arm()
            elif self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._arm()

        def connection_lost(self, exc) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
            super().connection_lost(exc)

    return TimedProtocol


GRACEFUL_SHUTDOWN_S = 5  # open connections get this long after SIGTERM, then they are closed


def serve(app: ASGIApp, host: str, port: int, header_timeout: float) -> None:
    """Run ``app`` under uvicorn until SIGINT or SIGTERM. At the signal, a write
    in progress is told to stop before its commit (``SearchService.stopping``):
    on every termbase: it is committed whole if it was already committing, or not at all, and the
    server exits within seconds instead of embedding on for minutes (issue 28)."""
    import uvicorn

    class Server(uvicorn.Server):
        def handle_exit(self, sig, frame) -> None:  # noqa: ANN001 - uvicorn's signature
            services = getattr(getattr(app, "state", None), "services", None)
            if services is not None:
                services.stop_writes()
            super().handle_exit(sig, frame)

    config = uvicorn.Config(
        app, host=host, port=port, log_level="warning", timeout_keep_alive=5,
        http=timed_protocol(header_timeout), timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
        loop="auto",  # uvloop where installed: the thread hand-offs wake the loop sooner
    )  # fmt: skip
    Server(config).run()
