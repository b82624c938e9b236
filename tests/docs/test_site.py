"""The docs site builds offline in strict mode (a broken link, a missing page or
a nav entry without its file fails), with the reference pages generated from the
code, and the build writes nothing into the checkout."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_docs_build_in_strict_mode(tmp_path):
    site = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
                          cwd=ROOT, capture_output=True, text=True, env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    cli = (site / "reference" / "cli" / "index.html").read_text(encoding="utf-8")
    assert "glossa search" in cli and "--lang" in cli  # options read from the typer app
    settings = (site / "reference" / "settings" / "index.html").read_text(encoding="utf-8")
    from glossa.settings import Settings

    assert all(f"GLOSSA_{name.upper()}" in settings for name in Settings.model_fields)
    http = (site / "reference" / "http-api" / "index.html").read_text(encoding="utf-8")
    assert "/search" in http and "/recognize" in http
    errors = (site / "reference" / "errors" / "index.html").read_text(encoding="utf-8")
    assert "index_damaged" in errors
    claims = (site / "claims" / "index.html").read_text(encoding="utf-8")
    assert 'id="quality.gold.report.hybrid"' in claims
    import html
    import re

    from benchmarks.claims import FIGURE

    for generated in ("reference/cli", "reference/settings", "reference/http-api",
                      "reference/errors", "benchmarks"):  # fmt: skip
        text = (site / generated / "index.html").read_text(encoding="utf-8")
        text = html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<code>.*?</code>", "", text, flags=re.S)))
        assert FIGURE.findall(text) == [], f"{generated}: a figure typed in the code's help texts"
    page = (site / "how-it-works" / "index.html").read_text(encoding="utf-8")
    assert "../claims/#quality.gold.report.hybrid" in page  # a figure links to its claim
