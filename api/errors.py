"""One JSON error shape for every 4xx/5xx: ``{"error": {"code", "message", "parameter"}}``."""

from __future__ import annotations

import logging
import re

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from glossa.corpus.importers import unstorable
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from glossa.errors import ErrorKind, GlossaError

log = logging.getLogger("glossa.api")
RETRY = {"Retry-After": "5"}
# The one place an error's kind becomes an HTTP answer: (status, code, headers).
STATUS: dict[ErrorKind, tuple[int, str, dict[str, str] | None]] = {
    ErrorKind.INVALID: (400, "invalid_parameter", None),
    ErrorKind.UNPROCESSABLE: (422, "invalid_parameter", None),
    ErrorKind.NOT_FOUND: (404, "not_found", None),
    ErrorKind.CONFLICT: (409, "conflict", None),
    ErrorKind.TOO_LARGE: (413, "body_too_large", None),
    ErrorKind.UNSUPPORTED: (409, "unsupported", None),
    ErrorKind.BUSY: (503, "busy", RETRY),
    ErrorKind.NOT_READY: (503, "not_ready", RETRY),
    ErrorKind.DAMAGED: (503, "index_damaged", None),
    ErrorKind.UNAVAILABLE: (503, "unavailable", RETRY),
    ErrorKind.UNAUTHORIZED: (401, "unauthorized", {"WWW-Authenticate": "Bearer"}),
    ErrorKind.FORBIDDEN: (403, "forbidden", None),
    ErrorKind.DISABLED: (403, "writes_disabled", None),
}


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        parameter: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.parameter = status, code, message, parameter
        self.headers = headers


_PATH = re.compile(r"(?<![\w.])/(?:[^\s/;:,'\"()]+/)*([^\s/;:,'\"()]+)")


MAX_ECHO = 80  # characters of a path value a message repeats


def clipped(value: str, limit: int = MAX_ECHO) -> str:
    """A value as a message repeats it: whole up to ``limit`` characters, else its
    start and how long it was (a 100 KB id is not echoed back)."""
    return value if len(value) <= limit else f"{value[:limit]}… ({len(value)} characters)"


def without_paths(message: str) -> str:
    """The message with every absolute filesystem path cut to its last part: API
    answers must not tell clients where the server keeps its files."""
    return _PATH.sub(lambda m: m.group(1), message)


def error_response(
    status: int,
    code: str,
    message: str,
    parameter: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "parameter": parameter}}
    return JSONResponse(status_code=status, content=body, headers=headers)


def glossa_error_response(exc: GlossaError) -> JSONResponse:
    """A library error as the API answers it: its kind's status and code; the
    message without the server's paths (it tells the fix, not where the files are)."""
    status, code, headers = STATUS[exc.kind]
    message = without_paths(str(exc))
    return error_response(status, code, message, exc.parameter, headers)


def _validation_message(exc: RequestValidationError) -> tuple[str, str | None]:
    first = exc.errors()[0] if exc.errors() else {}
    if first.get("type") == "json_invalid":  # its location is a character offset, not a field
        position = next((p for p in first.get("loc", ()) if isinstance(p, int)), None)
        reason = (first.get("ctx") or {}).get("error", "JSON decode error")
        at = f" at character {position}" if position is not None else ""
        return f"the body is not valid JSON{at}: {reason}", "body"
    location = [p for p in first.get("loc", ()) if p not in ("query", "path", "body")]
    parameter = str(location[0]) if location else None
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in location).lstrip(".")
    message = first.get("msg", "invalid request")
    if first.get("type") == "string_pattern_mismatch":
        value = first.get("input")
        why = unstorable(value) if isinstance(value, str) else None
        # the character and its name, as imports say it, not a 200-character pattern
        message = why or ("the query is empty (only whitespace)" if parameter == "q"
                          else "is empty (only whitespace)" if isinstance(value, str)
                          and not value.strip() else message)  # fmt: skip
    return (f"{where}: {message}" if where else message), parameter


def allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at this request's path (HEAD wherever GET
    is: ``api.http.HttpHygiene`` answers it)."""
    methods = {
        method for method in ("GET", "POST", "PUT", "PATCH", "DELETE")
        if any(route.matches({**request.scope, "method": method})[0] == Match.FULL
               for route in request.app.routes)
    }  # fmt: skip
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message, exc.parameter, exc.headers)

    @app.exception_handler(GlossaError)
    async def _glossa_error(_request: Request, exc: GlossaError) -> JSONResponse:
        return glossa_error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        message, parameter = _validation_message(exc)
        return error_response(422, "invalid_parameter", message, parameter)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {
            404: "not_found",
            405: "method_not_allowed",
            408: "body_timeout",
            413: "body_too_large",
        }.get(exc.status_code, "http_error")
        # keep the exception's headers: a 405 must say which methods are allowed (RFC 9110),
        # all of them: one path's methods may come from several routes and routers
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(request))
        return error_response(exc.status_code, code, str(exc.detail), headers=headers or None)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:  # pragma: no cover
        log.exception("unexpected error")
        return error_response(
            500, "internal_error", "an internal error; the server log has the details")
