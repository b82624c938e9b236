"""The terminal never interprets text from a termbase, a file, a path or a query:
rich markup (``[/]``, ``[link=...]``) is printed as written, no terminal control
sequence from data reaches the terminal, and each case ends in output or one
error line, never a traceback."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import glossa.runtime
from glossa.cli import app
from tests.fakes import FakeEncoder

runner = CliRunner()
LINK = "[link=https://evil.example]Rabatt[/link]"
HOSTILE = [
    {"id": "de-link", "term": f"Kundenrabatt {LINK}", "lang": "de",
     "definition": "Ein Preisnachlass [/] für treue Kunden [bold]jetzt[/bold]."},
    {"id": "de-close", "term": "Treue [/] Bonus", "lang": "de",
     "definition": "Punkte für wiederholte Käufe."},
]  # fmt: skip


@pytest.fixture()
def hostile(tmp_path, monkeypatch):
    encoder = FakeEncoder()
    monkeypatch.setattr(glossa.runtime, "make_encoder", lambda settings, notify=None, **_: encoder)
    source = tmp_path / "hostile.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in HOSTILE), encoding="utf-8")
    index = tmp_path / "idx"
    built = runner.invoke(app, ["index", str(source), "--out", str(index)])
    assert built.exit_code == 0, built.output
    return index


def clean(result) -> str:
    text = result.stdout + result.stderr
    assert "Traceback" not in text and result.exception is None or isinstance(
        result.exception, SystemExit), text  # fmt: skip
    assert "\x1b" not in text, text  # no escape sequence (colour, OSC 8 link) from data
    return text


@pytest.mark.parametrize(
    "command",
    [["search", "Kundenrabatt"], ["search", "[/]", "--by-concept"], ["lint"], ["info"],
     ["equivalents", "de-link"], ["concept", "de-close"], ["export"]],
)  # fmt: skip
def test_termbase_text_is_printed_as_written(hostile, command):
    result = runner.invoke(app, [*command, "--index", str(hostile)])
    text = clean(result)
    assert result.exit_code in (0, 2), text  # lint: 2 = problems found
    if command[0] in ("search", "equivalents", "concept", "export"):
        assert LINK in text or "Treue [/] Bonus" in text, text


def test_paths_and_records_with_markup_or_escapes_are_one_error_line(tmp_path, hostile):
    for path in (tmp_path / "a[/]b", tmp_path / "red\x1b[31mdir"):
        result = runner.invoke(app, ["info", "--index", str(path)])
        text = clean(result)
        assert result.exit_code == 1 and text.count("error:") == 1, text
    assert "a[/]b" in runner.invoke(app, ["info", "--index", str(tmp_path / "a[/]b")]).stderr
    assert "\\x1b[31m" in runner.invoke(app, ["info", "--index", str(path)]).stderr
    bad = tmp_path / "dir[/]x" / "bad.jsonl"  # a folder "dir[" holding "]x"
    bad.parent.mkdir(parents=True)
    bad.write_text('{"term": "x [/] y", "lang": "de"}\n{"lang": "[/]"}\n', encoding="utf-8")
    result = runner.invoke(app, ["index", str(bad), "--validate"])
    text = clean(result)
    assert "dir[/]x/bad.jsonl" in text, text
