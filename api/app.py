"""The HTTP API and the web page: ``create_app`` puts the server's termbases
(``api.services.Services``: one ``SearchService`` per termbase on the ``Shelf``)
and the search lanes on ``app.state`` and includes the routers of
``api.routes``; the routes take what they need through ``api.deps``.

Write routes answer only clients that send a token with the role they need
(``glossa.access``; ``GLOSSA_ADMIN_TOKEN`` is an admin token everywhere); where
no token was ever given one, they answer 403. Request bodies are capped (``GLOSSA_MAX_BODY_BYTES``,
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

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from glossa.api.admission import SearchGate
from glossa.api.deps import named_termbase
from glossa.api.encoder_lane import EncoderLane
from glossa.api.errors import install_error_handlers
from glossa.api.http import HttpHygiene
from glossa.api.limits import BodySizeLimit
from glossa.api.mcp import McpEndpoint
from glossa.api.metrics import MetricsMiddleware, metrics_registry
from glossa.api.openapi import document_server_values
from glossa.api.routes import ROUTERS, TERMBASE_ROUTERS
from glossa.api.routes.service import DOCS_ASSETS, STATIC
from glossa.api.services import Services
from glossa.search.searcher import Searcher

from glossa import __version__
from glossa.settings import Settings
from glossa.shelf import Shelf
from glossa.termbase import Termbase, open_termbase


def create_app(
    settings: Settings | None = None,
    *,
    searcher: Searcher | None = None,
    load: Callable[[], Termbase] | None = None,
    shelf: Shelf | None = None,
    background: bool = True,
    host: str = "127.0.0.1",
) -> FastAPI:
    """Build the app over the settings' termbases (``Shelf``; default: the
    settings' index, built from the bundled corpus if it does not exist yet).
    ``searcher`` (a version already open: tests) or ``load`` opens the first
    termbase instead of its path."""
    settings = settings or Settings()
    shelf = shelf or Shelf(settings)
    first = load
    if searcher is not None:
        first = lambda: open_termbase(None, settings, searcher=searcher)  # noqa: E731

    def bulk_encoder(encoder):
        from glossa.runtime import build_encoder

        return build_encoder(settings, encoder)

    services = Services(settings, shelf, bulk_encoder, first)
    fast_lane = ThreadPoolExecutor(max_workers=1, thread_name_prefix="glossa-cached")
    # ``host``: what the server binds; on loopback the MCP endpoint refuses other Host
    # and Origin headers (DNS rebinding: a web page must not reach a local termbase)
    mcp = McpEndpoint(services, host)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        services.start(background=background and searcher is None)
        async with mcp.running():
            yield
        services.close()
        fast_lane.shutdown(wait=False, cancel_futures=True)

    app = FastAPI(
        title="Glossa",
        version=__version__,
        description="Multilingual semantic search over terminology: several termbases, "
        "each also under /termbases/{name}/.",
        lifespan=lifespan,
        docs_url=None,  # served by api.routes.service from packaged assets: no CDN
        redoc_url=None,  # not offered: its bundle loads a logo from a CDN
    )
    install_error_handlers(app)
    app.add_middleware(
        BodySizeLimit, max_bytes=settings.max_body_bytes, read_timeout=settings.header_timeout
    )
    app.add_middleware(HttpHygiene)
    app.state.metrics, request_metrics = metrics_registry(app.state)
    app.add_middleware(MetricsMiddleware, metrics=request_metrics, services=services)
    app.state.settings = settings
    app.state.services = services
    app.state.gate = SearchGate(settings.search_queue, settings.search_timeout)
    app.state.lane = EncoderLane(settings.encoder_threads, max_batch=settings.query_batch)
    app.state.fast_lane = fast_lane
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.mount("/docs-assets", StaticFiles(directory=DOCS_ASSETS), name="docs-assets")
    for router in ROUTERS:
        app.include_router(router)
    for router in TERMBASE_ROUTERS:
        app.include_router(router)
    for router in TERMBASE_ROUTERS:
        app.include_router(router, prefix="/termbases/{termbase}",
                           dependencies=[Depends(named_termbase)])  # fmt: skip
    app.router.routes.append(mcp.route())
    document_server_values(app, services, settings.max_entries_per_request)
    return app
