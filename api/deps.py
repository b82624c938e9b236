"""The routes' typed dependencies, read from ``app.state`` (full-stack-fastapi-template's
``deps.py``): the server's termbase and its current searcher, the write guards,
and the shared lanes a search runs on.

Every dependency is ``async``: FastAPI runs a plain ``def`` dependency on its
thread pool, a thread hop per dependency per request (with five of them the
served search's p50 grew by a third, measured with ``benchmarks.speed.served_stages``),
where these only read an attribute.

Why here and not in ``create_app``: routes live in module-level routers
(``api.routes``) and ask for what they need by type; the app only puts the
objects on ``app.state`` once, in ``create_app``.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from glossa.api import models
from glossa.api.admission import SearchGate
from glossa.api.encoder_lane import EncoderLane
from glossa.api.errors import ApiError, clipped
from glossa.api.service import SearchService
from glossa.api.services import Services
from glossa.search.searcher import Searcher

from glossa.access import EVERY, Role
from glossa.access import bearer as bearer_header
from glossa.settings import Settings
from glossa.shelf import NAME_PATTERN
from glossa.termbase import Termbase

bearer = HTTPBearer(auto_error=False, description="a token (glossa token create) or GLOSSA_ADMIN_TOKEN")

ERRORS = {
    400: {"model": models.ErrorResponse, "description": "Unknown language, source or mode"},
    404: {"model": models.ErrorResponse, "description": "Unknown entry id"},
    422: {"model": models.ErrorResponse, "description": "Invalid parameter"},
    503: {"model": models.ErrorResponse, "description": "Model and index still loading"},
}
WRITE_ERRORS = {
    **ERRORS,
    401: {"model": models.ErrorResponse, "description": "No bearer token"},
    403: {"model": models.ErrorResponse, "description": "Wrong token, or writes disabled"},
    409: {"model": models.ErrorResponse, "description": "Id exists already / rebuild running"},
    413: {"model": models.ErrorResponse, "description": "Body or entry count over the limit"},
    415: {"model": models.ErrorResponse, "description": "The body is not JSON"},
}


async def get_services(request: Request) -> Services:
    return request.app.state.services


async def get_service(request: Request) -> SearchService:
    """The asked termbase's service: ``/termbases/{termbase}/...`` names it; the
    unprefixed routes serve the first (today's clients keep working)."""
    return request.app.state.services.get(request.path_params.get("termbase"))


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_gate(request: Request) -> SearchGate:
    return request.app.state.gate


@dataclass(frozen=True)
class SearchLanes:
    """Where a search runs: the admission gate and the encoder's lane for a query
    to embed, the fast lane for one that needs no encoder. One dependency, not
    three: FastAPI's per-request cost grows with each (served_stages)."""

    gate: SearchGate
    lane: EncoderLane
    fast_lane: ThreadPoolExecutor


async def get_lanes(request: Request) -> SearchLanes:
    state = request.app.state
    return SearchLanes(state.gate, state.lane, state.fast_lane)


Service = Annotated[SearchService, Depends(get_service)]
AllServices = Annotated[Services, Depends(get_services)]
ServerSettings = Annotated[Settings, Depends(get_settings)]
Gate = Annotated[SearchGate, Depends(get_gate)]
Lanes = Annotated[SearchLanes, Depends(get_lanes)]


async def ready_termbase(service: Service) -> Termbase:
    """The loaded termbase, or a 503 while it is loading."""
    if service.termbase is None:
        detail = service.detail or "the model and index are still loading; retry shortly"
        raise ApiError(503, "not_ready", detail)
    return service.termbase


ReadyTermbase = Annotated[Termbase, Depends(ready_termbase)]


async def ready_searcher(termbase: ReadyTermbase) -> Searcher:
    """The searcher of the newest version committed by any writer (this server,
    the CLI, a restore) before this request arrived. Checked on the event loop
    (one ``stat``); opening a new commit, or waiting for the writer that is
    opening it, happens on the thread pool, so the loop never waits."""
    held = termbase.held_if_current()
    if held is not None:
        return held.searcher
    return (await run_in_threadpool(termbase.current)).searcher


ReadySearcher = Annotated[Searcher, Depends(ready_searcher)]


# declared on the routes that need a token, so /docs shows the scheme; the token
# itself is read by ``request_token``, as for reads
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def allowed(need: Role, *, every: bool = False):
    """A guard: the caller's token has role ``need`` (or more) on the asked
    termbase (``every``: on every termbase, as creating one needs). The asked
    termbase is the request's ``Service`` (resolved once per request)."""

    async def check(request: Request, service: Service, services: AllServices,
                    _: Credentials) -> Role:  # fmt: skip
        return services.access().require(request_token(request), service.name, need)

    async def check_every(request: Request, services: AllServices, _: Credentials) -> Role:
        return services.access().require(request_token(request), EVERY, need)

    return check_every if every else check


async def read_access(request: Request, service: Service, services: AllServices) -> Role:
    """The read guard. Not a declared security scheme: a termbase that reads
    open (the default) takes any request, with or without a token; one that
    reads closed wants a token with a role on it (401, 403)."""
    return services.access().require(request_token(request), service.name, Role.READ)


def request_token(request: Request) -> str | None:
    """The bearer token a request carries, if any."""
    return bearer_header(request.headers.get("authorization"))


Reader = Depends(read_access)
Editor = Depends(allowed(Role.EDIT))
Reviewer = Depends(allowed(Role.REVIEW))
Admin = Depends(allowed(Role.ADMIN))
ShelfAdmin = Depends(allowed(Role.ADMIN, every=True))


async def named_termbase(
    termbase: Annotated[str, Path(pattern=NAME_PATTERN, max_length=63,
                                  description="a termbase's name (GET /termbases)")],  # fmt: skip
) -> str:
    """Documents (and checks) the ``{termbase}`` of the prefixed routes."""
    return termbase


async def require_json(request: Request) -> None:
    """The write routes that take a body: it must be JSON (415)."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json" and not media.endswith("+json"):
        raise ApiError(415, "unsupported_media_type",
                       f"the body must be JSON (Content-Type: application/json), not "
                       f"{clipped(media) or 'none'!r}", "body")  # fmt: skip


Json = Depends(require_json)
