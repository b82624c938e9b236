"""``glossa termbase ...`` and ``glossa token ...``: a team's termbases and who
may use them, from the command line (the fake encoder: plumbing only)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import glossa.runtime
from glossa.access import Access, Role
from glossa.cli import app
from glossa.cli.serving import exposed_without_tokens
from tests.fakes import FakeEncoder

runner = CliRunner()
CSV = "term,lang,definition\nRückerstattung,de,Geld zurück an den Kunden\nKulanz,de,Entgegenkommen ohne Pflicht\n"


@pytest.fixture()
def shelf(tmp_path, monkeypatch):
    monkeypatch.setattr(glossa.runtime, "make_encoder", lambda settings, notify=None, **_: FakeEncoder())
    monkeypatch.setenv("GLOSSA_TERMBASES_DIR", str(tmp_path / "termbases"))
    monkeypatch.setenv("GLOSSA_ACCESS_FILE", str(tmp_path / "access.json"))
    monkeypatch.setenv("GLOSSA_INDEX_DIR", str(tmp_path / "no-default-index"))
    glossary = tmp_path / "kulanz.csv"
    glossary.write_text(CSV, encoding="utf-8")
    return tmp_path, glossary


def run(*args: str):
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result


def test_create_list_describe_import_and_remove(shelf):
    tmp_path, glossary = shelf
    run("termbase", "create", "acme", str(glossary), "--title", "Acme support")
    assert (tmp_path / "termbases" / "acme" / "manifest.json").is_file()
    listed = run("termbase", "list").output
    assert "acme" in listed and "Acme support" in listed and "de 2" in listed
    run("termbase", "describe", "acme", "--description", "Support terms, DE")
    catalogue = json.loads((tmp_path / "termbases" / "catalogue.json").read_text())
    assert catalogue["acme"] == {"title": "Acme support", "description": "Support terms, DE"}
    # --index takes a termbase's name: import into it, then search it
    more = tmp_path / "more.csv"
    more.write_text("term,lang,definition\nGutschrift,de,Betrag zugunsten des Kunden\n",
                    encoding="utf-8")  # fmt: skip
    assert "added 1" in run("add", str(more), "--index", "acme").output
    assert "Gutschrift" in run("search", "Gutschrift", "--index", "acme", "--mode", "lexical").output
    taken = runner.invoke(app, ["termbase", "create", "acme", str(glossary)])
    assert taken.exit_code == 1 and "exists already" in taken.output
    run("termbase", "remove", "acme", "--yes")
    assert not (tmp_path / "termbases" / "acme").exists()


def test_tokens_are_shown_once_and_stored_hashed(shelf):
    tmp_path, glossary = shelf
    run("termbase", "create", "acme", str(glossary))
    token = run("token", "create", "--termbase", "acme", "--role", "review", "--label", "ana"
                ).stdout.strip().splitlines()[-1]  # fmt: skip
    stored = (tmp_path / "access.json").read_text()
    assert token.startswith("glossa_") and token not in stored
    assert Access.load(tmp_path / "access.json").role(token, "acme") is Role.REVIEW
    run("termbase", "close", "acme")
    assert not Access.load(tmp_path / "access.json").is_open("acme")
    [record] = Access.load(tmp_path / "access.json").tokens
    assert "ana" in run("token", "list").output and token not in run("token", "list").output
    run("token", "revoke", record.id)
    assert Access.load(tmp_path / "access.json").role(token, "acme") is None
    unknown = runner.invoke(app, ["token", "create", "--termbase", "nope"])
    assert unknown.exit_code == 1 and "no termbase named 'nope'" in unknown.output
    bad_role = runner.invoke(app, ["token", "create", "--termbase", "acme", "--role", "boss"])
    assert bad_role.exit_code == 1 and "valid: read, edit, review, admin" in bad_role.output


def test_a_server_beyond_loopback_without_tokens_is_warned_about():
    class Services:
        def __init__(self, access):
            self._access = access

        def access(self):
            return self._access

    assert exposed_without_tokens("127.0.0.1", Services(Access())) is None
    assert "no token at all" in exposed_without_tokens("0.0.0.0", Services(Access()))
    assert exposed_without_tokens("0.0.0.0", Services(Access(admin_digest="x"))) is None



def test_serve_and_mcp_take_the_termbases_of_the_settings_unless_told(shelf, monkeypatch):
    from glossa.cli.serving import shelf_of

    tmp_path, _ = shelf
    monkeypatch.setenv("GLOSSA_TERMBASES", json.dumps({"acme": str(tmp_path / "a")}))
    assert shelf_of(None, None)[1].names() == ["acme"]  # GLOSSA_TERMBASES
    assert shelf_of(None, [f"beta={tmp_path / 'b'}"])[1].names() == ["beta"]  # --termbase
    settings, by_index = shelf_of(tmp_path / "i", None)  # --index
    assert by_index.names() == ["default"] and by_index.path("default") == tmp_path / "i"
