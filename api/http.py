"""HTTP hygiene as ASGI middleware: HEAD on every GET route, and security headers.

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
