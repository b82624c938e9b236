"""The HTTP API and the web page: ``create_app`` puts one ``SearchService`` (the
server's ``Termbase`` and its writer thread) and the search lanes on
``app.state`` and includes the routers of ``api.routes``; the routes take what
they need through ``api.deps``.

Write routes (POST/PUT/DELETE ``/entries``, POST ``/admin/rebuild``) exist only
for clients that send ``Authorization: Bearer $GLOSSA_ADMIN_TOKEN``; without the
setting they answer 403. Request bodies are capped (``GLOSSA_MAX_BODY_BYTES``,
413) and so are entries per request (``GLOSSA_MAX_ENTRIES_PER_REQUEST``, 422).

The termbase (model + index) is heavy, so it is loaded once, in the lifespan
handler, on the encoder thread: the server answers ``/health`` at once with
"loading" (503) and says "ready" (200) when the model and index are loaded and
warmed up, which is what a readiness probe wants. Other routes answer 503 until
then.
"""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from glossa.api.admission import SearchGate
from glossa.api.encoder_lane import EncoderLane
from glossa.api.errors import install_error_handlers
from glossa.api.http import HttpHygiene
from glossa.api.limits import BodySizeLimit
from glossa.api.openapi import document_server_values
from glossa.api.routes import ROUTERS
from glossa.api.routes.service import DOCS_ASSETS, STATIC
from glossa.api.service import SearchService
from glossa.search.searcher import Searcher

from glossa import __version__
from glossa.settings import Settings
from glossa.termbase import Termbase, open_termbase


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
    fast_lane = ThreadPoolExecutor(max_workers=1, thread_name_prefix="glossa-cached")

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        service.start(background=background and searcher is None)
        yield
        service.close()
        fast_lane.shutdown(wait=False, cancel_futures=True)

    app = FastAPI(
        title="Glossa",
        version=__version__,
        description="Multilingual semantic search over customer-service / CX glossaries.",
        lifespan=lifespan,
        docs_url=None,  # served by api.routes.service from packaged assets: no CDN
        redoc_url=None,  # not offered: its bundle loads a logo from a CDN
    )
    install_error_handlers(app)
    app.add_middleware(
        BodySizeLimit, max_bytes=settings.max_body_bytes, read_timeout=settings.header_timeout
    )
    app.add_middleware(HttpHygiene)
    app.state.settings = settings
    app.state.service = service
    app.state.gate = SearchGate(settings.search_queue, settings.search_timeout)
    app.state.lane = EncoderLane(settings.encoder_threads, max_batch=settings.query_batch)
    app.state.fast_lane = fast_lane
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.mount("/docs-assets", StaticFiles(directory=DOCS_ASSETS), name="docs-assets")
    for router in ROUTERS:
        app.include_router(router)
    document_server_values(app, service, settings.max_entries_per_request)
    return app
