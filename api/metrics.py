"""``GET /metrics`` in Prometheus' text format (``prometheus_client``).

Two kinds of figures, measured where they happen:

- per request (an ASGI middleware): requests by route template, method, status
  and termbase, their latency as a histogram, and the 503s among them. The
  route is the template (``/termbases/{termbase}/search``), never the raw path,
  so a client cannot grow the label set without bound; a path no route matches
  is counted as ``unmatched``.
- per scrape (a collector that reads the live state): the encoder queue's
  depth and its rejections, and per termbase its entries, generation, versions
  followed (reloads), committed writes by kind and whether it is ready.

Each app has its own registry: two apps in one process (tests, benchmarks)
never share counters.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# seconds: a cached or lexical search takes ~1 ms, an embedded one ~10 ms, a long
# recognition or a write up to seconds
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
PREFIX = "/termbases/{termbase}"
# a client may send any method name: only these become label values
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
SKIPPED = ("/metrics", "/static", "/docs-assets")  # not worth a series each


class RequestMetrics:
    """The per-request series of one app."""

    def __init__(self, registry: CollectorRegistry) -> None:
        labels = ("route", "method", "status", "termbase")
        self.requests = Counter("glossa_requests", "HTTP requests answered", labels,
                                registry=registry)  # fmt: skip
        self.latency = Histogram("glossa_request_seconds", "Time to answer a request",
                                 ("route", "method", "termbase"), buckets=BUCKETS,
                                 registry=registry)  # fmt: skip
        self.unavailable = Counter("glossa_unavailable_responses",
                                   "503 answers (loading, overloaded, busy, timed out)",
                                   ("route", "termbase"), registry=registry)  # fmt: skip


class MetricsMiddleware:
    """Counts and times every request (ASGI, so streaming answers are timed to
    their start and nothing is buffered)."""

    def __init__(self, app: ASGIApp, metrics: RequestMetrics, services) -> None:
        self.app, self.metrics, self.services = app, metrics, services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(SKIPPED):
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            termbase = (scope.get("path_params") or {}).get("termbase")
            served = self.services.names()
            if termbase is None:
                termbase = served[0] if served and template != "unmatched" else ""
            else:
                if not template.startswith(PREFIX):  # FastAPI reports the router's own path
                    template = PREFIX + template
                if termbase not in served:  # a client must not grow the label set
                    termbase = "unknown"
            method = scope["method"] if scope["method"] in METHODS else "other"
            m = self.metrics
            m.requests.labels(template, method, str(status), termbase).inc()
            m.latency.labels(template, method, termbase).observe(time.perf_counter() - started)
            if status == 503:
                m.unavailable.labels(template, termbase).inc()


class StateCollector(Collector):
    """What the server holds now, read at each scrape."""

    def __init__(self, app_state) -> None:
        self.state = app_state

    def collect(self) -> Iterator:
        gate = self.state.gate
        yield GaugeMetricFamily("glossa_encoder_queue_depth",
                                "Searches waiting for or running on the encoder", gate.pending)
        rejected = CounterMetricFamily("glossa_encoder_queue_rejected",
                                       "Searches refused (503) because the queue was full",
                                       value=gate.rejected)  # fmt: skip
        yield rejected
        entries = GaugeMetricFamily("glossa_termbase_entries", "Entries", labels=["termbase"])
        generation = GaugeMetricFamily("glossa_termbase_generation", "Version served",
                                       labels=["termbase"])  # fmt: skip
        ready = GaugeMetricFamily("glossa_termbase_ready", "1 once loaded", labels=["termbase"])
        reloads = CounterMetricFamily("glossa_termbase_reloads",
                                      "Versions committed by any writer and followed",
                                      labels=["termbase"])  # fmt: skip
        writes = CounterMetricFamily("glossa_writes", "Committed writes by kind",
                                     labels=["termbase", "kind"])  # fmt: skip
        for service in self.state.services.all():
            name, termbase = service.name, service.termbase
            ready.add_metric([name], 1.0 if service.status == "ready" else 0.0)
            for kind, count in service.writes.items():
                writes.add_metric([name, kind], count)
            held = termbase.held if termbase is not None else None
            if held is None:
                continue
            manifest = held.searcher.index.manifest
            entries.add_metric([name], manifest.count)
            generation.add_metric([name], manifest.generation)
            reloads.add_metric([name], termbase.reloads)
        yield from (entries, generation, ready, reloads, writes)


def metrics_registry(app_state) -> tuple[CollectorRegistry, RequestMetrics]:
    registry = CollectorRegistry()
    registry.register(StateCollector(app_state))
    return registry, RequestMetrics(registry)
