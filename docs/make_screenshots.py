"""Regenerate the README's picture of the search page, on purpose (tests never
write into the checkout).

    python -m docs.make_screenshots        # from the repository root; needs Debian's chromium

Serves the bundled index on 127.0.0.1 with the real model, opens the page in
headless Chromium, clicks the Persian answer to "what measures customer effort"
and writes docs/search-page.png.
"""

from __future__ import annotations

import shutil
import tempfile
import urllib.parse
from pathlib import Path

from glossa.api.app import create_app
from glossa.corpus.sources import load_entries
from glossa.indexer.build import build_index
from glossa.search.searcher import Searcher

from glossa.runtime import make_encoder
from glossa.settings import Settings
from tests.api.conftest import serve
from tests.api.test_browser import ARGS

OUT = Path(__file__).resolve().parent / "search-page.png"


def main() -> None:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        raise SystemExit(
            "install Debian's chromium first: apt-get install chromium fonts-wqy-microhei"
        )
    encoder = make_encoder(Settings())
    with tempfile.TemporaryDirectory() as tmp:
        build_index(load_entries(), encoder, Path(tmp) / "index")
        app = create_app(searcher=Searcher.open(Path(tmp) / "index", encoder))
        with serve(app) as url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=ARGS)
            page = browser.new_page(viewport={"width": 1100, "height": 1300})
            page.goto(url + "/?q=" + urllib.parse.quote("what measures customer effort"))
            page.wait_for_selector("#results .result[data-lang='fa']")
            page.locator("#results .result[data-lang='fa']").first.click()
            page.wait_for_selector(".equivalents .equivalent")
            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=str(OUT))
            browser.close()
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
