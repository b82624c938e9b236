"""Request body limit, enforced before the body is read into memory.

A declared ``Content-Length`` over the limit is refused at once; a chunked body
is counted as it streams and cut off when it passes the limit. Either way the
client gets 413 with the limit in the message, in the API's error shape.
"""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(HTTPException):
    """An HTTPException, so FastAPI's body parsing passes it on as a 413 (any
    other exception there would become a generic 400)."""

    def __init__(self, message: str) -> None:
        super().__init__(413, message)


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def _reply(self, send: Send, status: int, code: str, message: str) -> None:
        body = json.dumps({"error": {"code": code, "message": message, "parameter": None}})
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body.encode()})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_large = (
            f"request body over {self.max_bytes} bytes (GLOSSA_MAX_BODY_BYTES); "
            "send fewer entries per request"
        )
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                await self._reply(send, 400, "bad_request", "Content-Length is not a number")
                return
            if size > self.max_bytes:
                await self._reply(send, 413, "body_too_large", too_large)
                return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(too_large)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self._reply(send, 413, "body_too_large", too_large)
