"""Property-based fuzzing of the OpenAPI schema (schemathesis + hypothesis)
against the live server on 127.0.0.1: no 5xx, and every response conforms to
its documented schema (status code, content type, body)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from api.app import create_app

# The schema comes from the app itself (no model needed to describe the routes);
# the requests go to the live uvicorn server that serves the real Searcher.
SCHEMA = schemathesis.openapi.from_dict(create_app().openapi())
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]
EXAMPLES_PER_OPERATION = 60


def test_every_route_is_fuzzed():
    labels = {op.label for op in OPERATIONS}
    assert {"GET /search", "GET /entries/{entry_id}", "GET /entries/{entry_id}/equivalents",
            "GET /languages", "GET /sources", "GET /health", "GET /stats"} <= labels  # fmt: skip


@pytest.fixture(scope="session")
def live_schema(live_server):
    """The live server's schema: it lists the index's valid languages and sources."""
    return schemathesis.openapi.from_url(f"{live_server}/openapi.json")


@pytest.mark.parametrize("label", [op.label for op in OPERATIONS])
def test_operation_conforms_to_schema(label, live_schema, live_server):
    method, path = label.split(" ", 1)
    operation = live_schema[path][method]

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck)
    )
    def check(case):
        case.call_and_validate(base_url=live_server)

    check()
