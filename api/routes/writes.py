"""The write routes: entries, reviews and a rebuild, for clients that send a token
with the role each needs (``glossa.access``: edit, review, admin) as
``Authorization: Bearer <token>``; 403 where no token was ever given one.

Every write runs on the server's one writer thread (``api.service``) and makes
its version current before it answers; what fails answers by its kind
(``api.errors.STATUS``).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from glossa.api import models
from glossa.api.admission import client_gone
from glossa.api.deps import (
    WRITE_ERRORS,
    Admin,
    Editor,
    Json,
    ReadySearcher,
    Reviewer,
    ServerSettings,
    Service,
)
from glossa.api.errors import ApiError, clipped
from glossa.api.service import SearchService
from glossa.corpus.entry import Entry, valid_id
from glossa.corpus.errors import CorpusError
from glossa.corpus.importers import entry_from_record
from glossa.indexer.writes import ChangeReport

API_SOURCE = "api"  # glossary name of entries added over HTTP without a source
REBUILD_RETRY_AFTER = 30  # seconds: a write that arrives during a rebuild is told to come back

router = APIRouter(tags=["write"])


def to_entry(data: models.EntryUpdate, where: str, entry_id: str | None = None) -> Entry:
    record = data.model_dump(exclude_none=True)
    if entry_id is not None:
        record["id"] = entry_id
    try:
        return entry_from_record(record, source=where, line=0, default_source=API_SOURCE)
    except CorpusError as exc:
        raise ApiError(422, "invalid_parameter", f"{where}: {exc.reason}", where) from exc


def checked_entries(sent: list[models.EntryIn], most: int) -> list[Entry]:
    """A body's entries as records, at most ``most`` of them (422 naming the limit)."""
    if len(sent) > most:
        raise ApiError(422, "invalid_parameter",
                       f"entries: List should have at most {most} items, not {len(sent)} "
                       "(GLOSSA_MAX_ENTRIES_PER_REQUEST)", "entries")  # fmt: skip
    return [to_entry(e, f"entries[{i}]") for i, e in enumerate(sent)]


async def write(service: SearchService, function):
    """Run one write on the writer thread. A write queued behind a rebuild would
    wait minutes: it is told so at once."""
    if service.rebuilding:
        raise ApiError(
            503, "busy", "a rebuild is running; writes resume when it is swapped in",
            headers={"Retry-After": str(REBUILD_RETRY_AFTER)},
        )  # fmt: skip
    return await service.write(function)


async def change(service: SearchService, request: Request, **kwargs) -> models.ChangeResult:
    """Apply a change set; if the client goes before it is committed, the
    write is abandoned rather than embedded for no one."""
    async with client_gone(request) as gone:
        report: ChangeReport = await write(service, lambda: service.apply(**kwargs, abandoned=gone))
    return models.ChangeResult(
        added=list(report.added), updated=list(report.updated),
        deleted=list(report.deleted), unchanged=list(report.unchanged),
        embedded=report.embedded, count=report.count, generation=report.generation,
    )  # fmt: skip


@router.post("/entries", status_code=201, response_model=models.ChangeResult,
             responses=WRITE_ERRORS, dependencies=[Editor, Json])  # fmt: skip
async def add_entries(
    _: ReadySearcher, service: Service, settings: ServerSettings, body: models.EntriesIn,
    request: Request,
) -> models.ChangeResult:  # fmt: skip
    """Add entries; only they are embedded. Re-sending identical entries is a no-op;
    an existing id with other content is a conflict (use PUT)."""
    entries = checked_entries(body.entries, settings.max_entries_per_request)
    return await change(service, request, add=entries)


@router.put("/entries/{entry_id}", response_model=models.ChangeResult,
            responses=WRITE_ERRORS, dependencies=[Editor, Json])  # fmt: skip
async def replace_entry(
    _: ReadySearcher, service: Service, entry_id: str, body: models.EntryUpdate, request: Request
) -> models.ChangeResult:
    """Replace an entry's fields (its id stays); only changed texts are embedded."""
    if not valid_id(entry_id):  # no entry can have it
        raise ApiError(404, "not_found", f"no entry with id {clipped(entry_id)!r}", "entry_id")
    return await change(service, request, update=[to_entry(body, "body", entry_id)])


@router.delete("/entries/{entry_id}", response_model=models.ChangeResult,
               responses=WRITE_ERRORS, dependencies=[Editor])  # fmt: skip
async def delete_entry(
    _: ReadySearcher, service: Service, entry_id: str, request: Request
) -> models.ChangeResult:
    """Delete an entry: its vector and lexical postings go."""
    return await change(service, request, delete=[entry_id])


@router.post("/equivalents/reviews", response_model=models.ReviewResult,
             responses=WRITE_ERRORS, dependencies=[Reviewer, Json])  # fmt: skip
async def review_equivalent(
    _: ReadySearcher, service: Service, body: models.ReviewIn
) -> models.ReviewResult:
    """Accept or reject a proposed equivalent. Accepted links are confirmed,
    rejected pairs are never proposed again; both survive rebuilds and changes."""
    generation, changed = await write(service,
                                      lambda: service.review(body.a, body.b, body.decision))  # fmt: skip
    return models.ReviewResult(
        a=body.a, b=body.b, decision=body.decision, changed=changed, generation=generation
    )


@router.post("/admin/rebuild", status_code=202, response_model=models.RebuildStarted,
             responses=WRITE_ERRORS, dependencies=[Admin])  # fmt: skip
def rebuild(searcher: ReadySearcher, service: Service) -> models.RebuildStarted:
    """Re-embed every entry in the background; searches keep being answered from
    the current index, which is swapped for the new one when it is complete."""
    if not service.start_rebuild():
        raise ApiError(409, "conflict", "a rebuild is already running; see /stats")
    return models.RebuildStarted(status="rebuilding", generation=searcher.index.manifest.generation)
