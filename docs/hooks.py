"""MkDocs hook: a claim's figure links to its row on the claims page.

Pages write figures as ``<!--claim:ID-->0.760<!--/claim-->`` (rendered from
``benchmarks/claims.toml`` by ``python -m benchmarks render``); in the site each
becomes a link to the claim, so a reader goes from a number to the command that
measures it in one click.
"""

from __future__ import annotations

import posixpath
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # the benchmarks package lives in the checkout, not the install
    sys.path.insert(0, str(ROOT))

from benchmarks.claims import MARKER  # noqa: E402 - the registry's own marker syntax


def on_page_markdown(markdown, page, config, files):
    here = posixpath.dirname(page.file.src_uri)
    target = posixpath.relpath("claims.md", here or ".")
    return MARKER.sub(lambda m: f'[{m[2]}]({target}#{m[1]} "{m[1]}")', markdown)
