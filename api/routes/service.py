"""The service routes: the page, the offline API docs, health and metrics."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from glossa.api import models
from glossa.api.deps import Service
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

STATIC = Path(__file__).resolve().parent.parent / "static"
# Swagger UI assets shipped inside the fastapi-offline wheel (MIT): /docs
# must work with no network, so nothing is loaded from a CDN.
DOCS_ASSETS = Path(importlib.util.find_spec("fastapi_offline").origin).parent / "static"

router = APIRouter()


@router.get("/", include_in_schema=False)
def page() -> FileResponse:
    return FileResponse(STATIC / "index.html", media_type="text/html")


@router.get("/docs", include_in_schema=False)
def swagger_ui(request: Request) -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url=request.app.openapi_url or "/openapi.json",
        title="Glossa API",
        swagger_js_url="/docs-assets/swagger-ui-bundle.js",
        swagger_css_url="/docs-assets/swagger-ui.css",
        swagger_favicon_url="/docs-assets/favicon.png",
    )


@router.get("/health", response_model=models.Health,
            responses={503: {"model": models.Health, "description": "loading or failed"}},
            tags=["service"])  # fmt: skip
def health(service: Service):
    """Ready (200) only once the model and index are loaded."""
    body = models.Health(status=service.status, detail=service.detail)
    if service.status == "ready":
        return body
    return JSONResponse(status_code=503, content=body.model_dump())


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    """Prometheus' text format (``api.metrics``): requests, latency, 503s, the
    encoder queue and, per termbase, entries, reloads and writes."""
    return Response(generate_latest(request.app.state.metrics), media_type=CONTENT_TYPE_LATEST)
