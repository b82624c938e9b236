"""The shelf's routes: list, create, describe and remove a server's termbases.

Every other route also answers under ``/termbases/{name}/`` for the termbase of
that name (``api.app`` includes the routers twice); the unprefixed ones serve
the first termbase, as they did when a server had only one.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from glossa.api import models
from glossa.api.deps import (
    ERRORS,
    WRITE_ERRORS,
    Admin,
    AllServices,
    Json,
    Reader,
    ServerSettings,
    ShelfAdmin,
    named_termbase,
    request_token,
)
from glossa.api.errors import ApiError
from glossa.api.routes.writes import checked_entries
from glossa.api.service import ExecutorEncoder, SearchService
from glossa.api.services import Services

from glossa.runtime import build_entries

router = APIRouter(tags=["termbases"])
Named = Annotated[str, Depends(named_termbase)]


def described(services: Services, service: SearchService) -> models.TermbaseOut:
    shelved = services.shelf.get(service.name)
    return models.TermbaseOut(
        **shelved.to_dict(), status=service.status, default=service is services.default,
        read="open" if services.access().is_open(service.name) else "closed",
    )  # fmt: skip


@router.get("/termbases", response_model=list[models.TermbaseOut], responses=ERRORS)
def list_termbases(services: AllServices, request: Request) -> list[models.TermbaseOut]:
    """The termbases this server serves that the caller may read, the default
    (the one the unprefixed routes serve) first."""
    access, token = services.access(), request_token(request)
    return [described(services, service) for service in services.all()
            if access.may_read(token, service.name)]  # fmt: skip


@router.get("/termbases/{termbase}", response_model=models.TermbaseOut, responses=ERRORS,
            dependencies=[Reader])  # fmt: skip
def get_termbase(services: AllServices, termbase: Named) -> models.TermbaseOut:
    """One termbase: its title, description, languages and size."""
    return described(services, services.get(termbase))


@router.post("/termbases", status_code=201, response_model=models.TermbaseOut,
             responses=WRITE_ERRORS, dependencies=[ShelfAdmin, Json])  # fmt: skip
async def create_termbase(
    services: AllServices, settings: ServerSettings, body: models.TermbaseIn, request: Request
) -> models.TermbaseOut:
    """Create a termbase of the given entries (an admin token for every termbase).
    It is served, under ``/termbases/{name}/``, when this answers."""
    # more than a request's worth: the rest through POST /termbases/{name}/entries
    entries = checked_entries(body.entries, settings.max_entries_per_request)
    default = services.default
    if default.termbase is None:
        raise ApiError(503, "not_ready", "the model is still loading; retry shortly",
                       headers={"Retry-After": "5"})  # fmt: skip
    encoder = ExecutorEncoder(default.termbase.encoder, services.executor)

    def create() -> SearchService:
        services.shelf.create(
            body.name, lambda path: build_entries(settings, entries, encoder, path),
            title=body.title, description=body.description,
        )  # fmt: skip
        # a new termbase of a name used before starts with none of its tokens or marks
        services.change_access(lambda access: access.without_termbase(body.name).reading(
            body.name, open_=body.read != "closed"))  # fmt: skip
        return services.add(body.name)

    return described(services, await run_in_threadpool(create))


@router.patch("/termbases/{termbase}", response_model=models.TermbaseOut,
              responses=WRITE_ERRORS, dependencies=[Admin, Json])  # fmt: skip
def describe_termbase(
    services: AllServices, termbase: Named, body: models.TermbaseUpdate
) -> models.TermbaseOut:
    """Set a termbase's title or description ("" for its own), or whether it reads
    open or closed."""
    service = services.get(termbase)
    if body.title is not None or body.description is not None:
        services.shelf.describe(termbase, title=body.title, description=body.description)
    if body.read is not None:
        services.change_access(lambda access: access.reading(termbase, open_=body.read == "open"))
    return described(services, service)


@router.delete("/termbases/{termbase}", response_model=models.TermbaseOut,
               responses=WRITE_ERRORS, dependencies=[Admin])  # fmt: skip
def remove_termbase(services: AllServices, termbase: Named) -> models.TermbaseOut:
    """Stop serving a termbase. One created on this server is deleted with its
    tokens; one given with ``--termbase NAME=PATH`` keeps its files."""
    service = services.get(termbase)
    gone = described(services, service)
    services.remove(termbase)
    shelved = services.shelf.remove(termbase)
    if shelved.created:
        services.change_access(lambda access: access.without_termbase(termbase))
    return gone

