"""A real browser against the real server: headless Debian Chromium driven by
Playwright on 127.0.0.1. Skips (with the reason) when Chromium is not installed;
`.ci/run` installs it so CI runs this test."""

from __future__ import annotations

import shutil
import urllib.parse
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "search-page.png"
ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Debian's chromium is not installed (apt-get install chromium fonts-wqy-microhei); "
    "Playwright's own browser download does not work here",
)


@pytest.fixture(scope="module")
def page(live_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1100, "height": 1300})
        yield page
        browser.close()


def test_polish_query_finds_persian_or_chinese_and_persian_renders_rtl(page, live_server):
    page.goto(live_server + "/")
    page.wait_for_selector("#lang-filters .chip")  # filters loaded from /languages
    page.fill("#q", "odsetek klientów, którzy odchodzą")
    page.press("#q", "Enter")
    page.wait_for_selector("#results .result")
    langs = page.eval_on_selector_all("#results .result", "nodes => nodes.map(n => n.dataset.lang)")
    assert {"fa", "zh"} & set(langs), langs
    # the search is in the URL, so the page can be shared
    assert urllib.parse.parse_qs(urllib.parse.urlparse(page.url).query)["q"] == [
        "odsetek klientów, którzy odchodzą"
    ]
    persian = page.locator("#results .result[data-lang='fa']").first
    assert persian.get_attribute("dir") == "rtl"
    assert (
        persian.evaluate("n => getComputedStyle(n.querySelector('.definition')).direction") == "rtl"
    )
    # matched words are highlighted
    assert page.locator("#results mark").count() > 0


def test_click_shows_equivalents_and_screenshot(page, live_server):
    page.goto(live_server + "/?q=" + urllib.parse.quote("what measures customer effort"))
    page.wait_for_selector("#results .result[data-lang='fa']")
    page.locator("#results .result[data-lang='fa']").first.click()
    page.wait_for_selector(".equivalents .equivalent")
    equivalents = page.locator(".equivalents:visible .equivalent").all_inner_texts()
    assert any("客户努力得分" in text for text in equivalents), equivalents
    page.evaluate("window.scrollTo(0, 0)")
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size > 20_000


def test_filters_update_results(page, live_server):
    page.goto(live_server + "/?q=NPS")
    page.wait_for_selector("#results .result")
    page.click("#lang-filters .chip[data-lang='zh']")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#results .result')].every(n => n.dataset.lang === 'zh')"
    )
    assert "lang=zh" in page.url
