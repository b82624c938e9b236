"""Request body limits, enforced before the body is read into memory.

A declared ``Content-Length`` over the limit is refused at once; a chunked body
is counted as it streams and cut off when it passes the limit. Either way the
client gets 413 with the limit in the message, in the API's error shape. A body
that trickles in (each chunk more than ``read_timeout`` seconds apart) gets 408.
"""

from __future__ import annotations

import asyncio
import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(HTTPException):
    """An HTTPException, so FastAPI's body parsing passes it on as a 413 (any
    other exception there would become a generic 400)."""

    def __init__(self, message: str) -> None:
        super().__init__(413, message)


class BodyTimeout(HTTPException):
    def __init__(self, message: str) -> None:
        super().__init__(408, message)


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int, read_timeout: float = 10.0) -> None:
        self.app, self.max_bytes, self.read_timeout = app, max_bytes, read_timeout

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
        body_done = False
        too_slow = f"the request body did not arrive within {self.read_timeout:g} s"

        async def limited_receive() -> Message:
            nonlocal received, body_done
            if body_done:  # later calls wait for a disconnect: no deadline there
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), self.read_timeout)
            except TimeoutError as exc:
                raise BodyTimeout(too_slow) from exc
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                body_done = not message.get("more_body", False)
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
        except BodyTimeout:
            if not started:
                await self._reply(send, 408, "body_timeout", too_slow)
