"""Several termbases in one server: names, prefixed routes, tokens with roles,
creating and removing termbases (plumbing: the tiny fake encoder, real FAISS)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from glossa.api.app import create_app
from glossa.corpus.entry import Entry
from glossa.indexer.build import build_index

from glossa.access import EVERY, Access, Role
from glossa.settings import Settings
from glossa.termbase import open_termbase
from tests.fakes import FakeEncoder

ROOT = "root-token"


def entry(source: str, i: int, term: str, lang: str = "en") -> Entry:
    return Entry(id=f"{source}-{i}", term=term, definition=f"{term} as {source} uses it",
                 lang=lang, source=source)  # fmt: skip


ACME = [entry("acme", 1, "refund policy"), entry("acme", 2, "Rückerstattung", "de")]
BETA = [entry("beta", 1, "refund request"), entry("beta", 2, "claim window")]


@pytest.fixture()
def server(tmp_path, fake_encoder):
    """Two termbases (acme first: the default), a token per role on acme, and
    the settings' admin token."""
    for name, entries in (("acme", ACME), ("beta", BETA)):
        build_index(entries, fake_encoder, tmp_path / name)
    settings = Settings(
        termbases={"acme": tmp_path / "acme", "beta": tmp_path / "beta"},
        termbases_dir=tmp_path / "shelf", access_file=tmp_path / "access.json",
        admin_token=ROOT, reload_interval=0.1,
    )  # fmt: skip
    access, tokens = Access.load(settings.access_file), {}
    for role in Role:
        access, tokens[role] = access.with_token("acme", role)
    access.save()
    app = create_app(settings, background=False,
                     load=lambda: open_termbase(tmp_path / "acme", settings, encoder=fake_encoder))
    with TestClient(app) as client:
        assert client.get("/health").status_code == 200
        yield client, tokens, settings


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def ids(response) -> set[str]:
    assert response.status_code == 200, response.text
    return {hit["id"] for hit in response.json()["hits"]}


def test_each_name_searches_only_its_own_entries(server):
    client, _, _ = server
    assert ids(client.get("/termbases/acme/search", params={"q": "refund"})) <= {"acme-1", "acme-2"}
    assert ids(client.get("/termbases/beta/search", params={"q": "refund"})) == {"beta-1", "beta-2"}
    # the unprefixed routes serve the first termbase, as before
    assert ids(client.get("/search", params={"q": "refund"})) <= {"acme-1", "acme-2"}
    assert client.get("/termbases/beta/entries/acme-1").status_code == 404
    assert client.get("/termbases/beta/entries/beta-1").json()["term"] == "refund request"
    missing = client.get("/termbases/gamma/search", params={"q": "refund"})
    assert missing.status_code == 404 and missing.json()["error"]["parameter"] == "termbase"


def test_the_list_names_titles_languages_and_sizes(server):
    client, _, _ = server
    listed = client.get("/termbases").json()
    assert [t["name"] for t in listed] == ["acme", "beta"]
    acme = listed[0]
    assert acme["default"] and acme["entries"] == 2 and acme["languages"] == {"de": 1, "en": 1}
    assert acme["title"] == "acme" and acme["read"] == "open" and acme["status"] == "ready"


def test_a_token_writes_only_where_its_role_allows(server):
    client, tokens, _ = server
    new = {"entries": [{"term": "chargeback", "definition": "a reversed card payment",
                        "lang": "en"}]}  # fmt: skip
    # an edit token of acme cannot write to beta
    refused = client.post("/termbases/beta/entries", json=new, headers=bearer(tokens[Role.EDIT]))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    # a read token cannot edit; an edit token can, and the next search finds it
    assert client.post("/termbases/acme/entries", json=new,
                       headers=bearer(tokens[Role.READ])).status_code == 403  # fmt: skip
    added = client.post("/termbases/acme/entries", json=new, headers=bearer(tokens[Role.EDIT]))
    assert added.status_code == 201, added.text
    [new_id] = added.json()["added"]
    assert new_id in ids(client.get("/termbases/acme/search", params={"q": "chargeback"}))
    assert new_id not in ids(client.get("/termbases/beta/search", params={"q": "chargeback"}))
    # reviews need the review role; a rebuild the admin role
    review = {"a": "acme-1", "b": "acme-2", "decision": "accept"}
    assert client.post("/termbases/acme/equivalents/reviews", json=review,
                       headers=bearer(tokens[Role.EDIT])).status_code == 403  # fmt: skip
    reviewed = client.post("/termbases/acme/equivalents/reviews", json=review,
                           headers=bearer(tokens[Role.REVIEW]))  # fmt: skip
    assert reviewed.status_code not in (401, 403), reviewed.text  # let in (the pair may not link)
    assert client.post("/termbases/acme/admin/rebuild",
                       headers=bearer(tokens[Role.REVIEW])).status_code == 403  # fmt: skip
    # no token: 401; the settings' admin token writes anywhere
    assert client.post("/termbases/beta/entries", json=new).status_code == 401
    assert client.post("/termbases/beta/entries", json=new, headers=bearer(ROOT)).status_code == 201


def test_a_closed_termbase_reads_only_with_a_token(server):
    client, tokens, _ = server
    closed = client.patch("/termbases/acme", json={"read": "closed"}, headers=bearer(ROOT))
    assert closed.status_code == 200 and closed.json()["read"] == "closed"
    assert client.get("/termbases/acme/search", params={"q": "refund"}).status_code == 401
    assert client.get("/search", params={"q": "refund"}).status_code == 401  # acme is the default
    assert [t["name"] for t in client.get("/termbases").json()] == ["beta"]
    reader = bearer(tokens[Role.READ])
    assert ids(client.get("/termbases/acme/search", params={"q": "refund"}, headers=reader))
    assert [t["name"] for t in client.get("/termbases", headers=reader).json()] == ["acme", "beta"]
    assert client.get("/termbases/beta/search", params={"q": "refund"}).status_code == 200


def test_an_admin_creates_describes_and_removes_a_termbase(server):
    client, tokens, settings = server
    body = {"name": "gamma", "title": "Gamma claims", "read": "open",
            "entries": [{"term": "warranty claim", "definition": "a claim under warranty",
                         "lang": "en"}]}  # fmt: skip
    # an admin of acme alone may not create termbases: that needs every termbase
    assert client.post("/termbases", json=body,
                       headers=bearer(tokens[Role.ADMIN])).status_code == 403  # fmt: skip
    created = client.post("/termbases", json=body, headers=bearer(ROOT))
    assert created.status_code == 201, created.text
    assert created.json()["title"] == "Gamma claims" and created.json()["entries"] == 1
    assert (settings.termbases_dir / "gamma").is_dir()
    assert ids(client.get("/termbases/gamma/search", params={"q": "warranty"})) == {"en-29948c64cd6a"}
    again = client.post("/termbases", json=body, headers=bearer(ROOT))
    assert again.status_code == 409
    described = client.patch("/termbases/gamma", json={"description": "Claims, EN"},
                             headers=bearer(ROOT))  # fmt: skip
    assert described.json()["description"] == "Claims, EN"
    gone = client.delete("/termbases/gamma", headers=bearer(ROOT))
    assert gone.status_code == 200 and not (settings.termbases_dir / "gamma").exists()
    assert client.get("/termbases/gamma/search", params={"q": "warranty"}).status_code == 404
    # a termbase given by path stops being served; its files stay
    assert client.delete("/termbases/beta", headers=bearer(ROOT)).status_code == 200
    assert (settings.termbases["beta"] / "manifest.json").is_file()
    assert [t["name"] for t in client.get("/termbases").json()] == ["acme"]


@pytest.mark.parametrize("name", ["Upper", "-dash", "a" * 64, "dot.ted", "spa ce"])
def test_a_bad_name_is_refused_with_the_rule(server, name):
    client, _, _ = server
    body = {"name": name, "entries": [{"term": "x", "definition": "y", "lang": "en"}]}
    refused = client.post("/termbases", json=body, headers=bearer(ROOT))
    assert refused.status_code == 422, refused.text


def test_an_every_termbase_token_and_an_unknown_token():
    access, token = Access().with_token(EVERY, Role.EDIT)
    assert access.role(token, "anything") is Role.EDIT
    assert access.role("glossa_not-a-token", "anything") is None
    assert access.require(None, "anything", Role.READ) is Role.READ  # open reads need none


def test_metrics_count_requests_per_route_and_termbase(server):
    client, tokens, _ = server
    client.get("/termbases/beta/search", params={"q": "refund"})
    client.get("/search", params={"q": "refund"})
    client.get("/termbases/made-up-1/search", params={"q": "refund"})
    new = {"entries": [{"term": "chargeback", "definition": "a reversed card payment", "lang": "en"}]}
    assert client.post("/entries", json=new, headers=bearer(tokens[Role.EDIT])).status_code == 201
    text = client.get("/metrics").text
    assert ('glossa_requests_total{method="GET",route="/termbases/{termbase}/search",'
            'status="200",termbase="beta"} 1.0') in text
    assert 'glossa_requests_total{method="GET",route="/search",status="200",termbase="acme"} 1.0' in text
    assert 'glossa_request_seconds_bucket{le="10.0",method="GET",route="/search",termbase="acme"} 1.0' in text
    assert 'glossa_writes_total{kind="added",termbase="acme"} 1.0' in text
    assert 'glossa_termbase_entries{termbase="acme"} 3.0' in text
    assert 'glossa_termbase_reloads_total{termbase="acme"} 1.0' in text
    assert "glossa_encoder_queue_depth 0.0" in text
    assert 'status="404",termbase="unknown"} 1.0' in text and "made-up" not in text


def test_a_name_used_again_starts_without_the_old_tokens_and_marks(server):
    """A given termbase removed, then one created under its name: the old one's
    edit token and closed mark do not carry over."""
    client, tokens, settings = server
    beta_edit = Access.load(settings.access_file).with_token("beta", Role.EDIT)
    beta_edit[0].save()
    client.patch("/termbases/beta", json={"read": "closed"}, headers=bearer(ROOT))
    assert client.delete("/termbases/beta", headers=bearer(ROOT)).status_code == 200
    body = {"name": "beta", "entries": [{"term": "claim", "definition": "a request", "lang": "en"}]}
    created = client.post("/termbases", json=body, headers=bearer(ROOT))
    assert created.status_code == 201 and created.json()["read"] == "open"
    new = {"entries": [{"term": "x", "definition": "y", "lang": "en"}]}
    assert client.post("/termbases/beta/entries", json=new,
                       headers=bearer(beta_edit[1])).status_code == 403  # fmt: skip
    left = {p.name for p in settings.termbases_dir.glob(".*")}
    assert left <= {".beta.lock"}, left  # no scratch folder, marker or build lock left


def test_access_changes_at_once_never_undo_one_another(tmp_path):
    """Each change reads the file again under its lock (a PATCH racing a
    `glossa token create` once lost the token)."""
    from concurrent.futures import ThreadPoolExecutor

    from glossa.access import change_access

    path = tmp_path / "access.json"
    names = [f"t{i}" for i in range(20)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda n: change_access(path, lambda a: a.reading(n, open_=False)), names))
    assert Access.load(path).closed == frozenset(names)


def test_metrics_label_only_known_methods(server):
    client, _, _ = server
    client.request("FOO1", "/search")
    client.request("FOO2", "/search")
    text = client.get("/metrics").text
    assert "FOO" not in text and 'method="other"' in text


def test_termbases_created_or_removed_by_the_cli_are_followed(server, fake_encoder):
    """Another process (glossa termbase create / remove) changes the shelf: the
    server loads the new termbase (503 until then) and stops answering for the
    removed one, whose reads were closed (they never open up)."""
    import time

    from glossa.shelf import Shelf

    client, _, settings = server
    shelf = Shelf(settings)
    shelf.create("delta", lambda path: build_index([entry("delta", 1, "merger clause")],
                                                   fake_encoder, path))  # fmt: skip
    deadline = time.monotonic() + 10
    while (found := client.get("/termbases/delta/search", params={"q": "merger"})).status_code == 503:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert ids(found) == {"delta-1"}
    client.patch("/termbases/delta", json={"read": "closed"}, headers=bearer(ROOT))
    shelf.remove("delta")
    gone = client.get("/termbases/delta/search", params={"q": "merger"})
    assert gone.status_code in (401, 404), gone.text  # never the entries
    assert client.get("/termbases/delta/search", params={"q": "merger"}).status_code in (401, 404)
    assert "delta" not in [t["name"] for t in client.get("/termbases", headers=bearer(ROOT)).json()]


def test_a_token_of_another_termbase_is_forbidden_not_told_writes_are_off(tmp_path, fake_encoder):
    """No token covers termbase x, but the caller sends a valid token of y: the
    answer says the token is not valid here (403 forbidden), not that nobody may write."""
    for name in ("x", "y"):
        build_index([entry(name, 1, "refund")], fake_encoder, tmp_path / name)
    settings = Settings(termbases={"x": tmp_path / "x", "y": tmp_path / "y"},
                        termbases_dir=tmp_path / "shelf", access_file=tmp_path / "access.json")
    access, token = Access.load(settings.access_file).with_token("y", Role.EDIT)
    access.save()
    app = create_app(settings, background=False,
                     load=lambda: open_termbase(tmp_path / "x", settings, encoder=fake_encoder))
    new = {"entries": [{"term": "chargeback", "definition": "a reversed payment", "lang": "en"}]}
    with TestClient(app) as client:
        refused = client.post("/entries", json=new, headers=bearer(token))
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
        assert client.post("/entries", json=new).json()["error"]["code"] == "writes_disabled"
        assert client.post("/termbases/y/entries", json=new, headers=bearer(token)).status_code == 201


def test_a_creator_killed_mid_build_leaves_the_name_free(tmp_path):
    """The name is held by an flock the kernel drops when its holder dies: a
    leftover .NAME.creating file (kill -9 mid-build) does not block the name."""
    from glossa.shelf import Shelf

    settings = Settings(termbases_dir=tmp_path / "shelf", index_dir=tmp_path / "none")
    shelf = Shelf(settings)
    (tmp_path / "shelf").mkdir()
    (tmp_path / "shelf" / ".gamma.creating").touch()  # what a killed creator leaves
    shelf.create("gamma", lambda path: build_index([entry("gamma", 1, "claim")], FakeEncoder(), path))
    assert "gamma" in shelf.names() and (tmp_path / "shelf" / "gamma" / "manifest.json").is_file()
