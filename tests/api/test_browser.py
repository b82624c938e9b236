"""A real browser against the real server: headless Debian Chromium driven by
Playwright on 127.0.0.1. Skips (with the reason) when Chromium is not installed;
`.ci/run` installs it so CI runs this test."""

from __future__ import annotations

import shutil
import urllib.parse
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="Debian's chromium is not installed (apt-get install chromium fonts-wqy-microhei); "
        "Playwright's own browser download does not work here",
    ),
]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def page(browser):
    page = browser.new_page(viewport={"width": 1100, "height": 1300})
    yield page
    page.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    """Screenshots go to a temporary directory (the checkout stays unchanged;
    docs/make_screenshots.py regenerates the README picture on purpose)."""
    return tmp_path_factory.mktemp("screenshots")


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


def test_click_shows_equivalents_and_screenshot(page, live_server, shots):
    page.goto(live_server + "/?q=" + urllib.parse.quote("what measures customer effort"))
    page.wait_for_selector("#results .result[data-lang='fa']")
    ces = page.locator("#results .result[data-lang='fa']").filter(has_text="امتیاز تلاش مشتری")
    ces.first.click()  # the Persian Customer Effort Score
    page.wait_for_selector(".equivalents .equivalent")
    equivalents = page.locator(".equivalents:visible .equivalent").all_inner_texts()
    assert any("客户努力得分" in text for text in equivalents), equivalents
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(shots / "desktop.png"))
    assert (shots / "desktop.png").stat().st_size > 20_000


def test_filters_update_results(page, live_server):
    page.goto(live_server + "/?q=NPS")
    page.wait_for_selector("#results .result")
    page.click("#lang-filters .chip[data-lang='zh']")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#results .result')].every(n => n.dataset.lang === 'zh')"
    )
    assert "lang=zh" in page.url


def no_sideways_overflow(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_phone_width_fits_and_shows_equivalents(browser, live_server, shots):
    phone = browser.new_page(viewport={"width": 390, "height": 844})
    try:
        phone.goto(live_server + "/?q=" + urllib.parse.quote("what measures customer effort"))
        phone.wait_for_selector("#results .result")
        assert no_sideways_overflow(phone)
        button = phone.locator("#search-form button").bounding_box()
        assert button and button["x"] + button["width"] <= 390  # not cut off
        phone.locator("#results .result").first.click()
        phone.wait_for_selector(".equivalents:visible h3")
        assert no_sideways_overflow(phone)
        # the source name and the "show equivalents" hint do not run into each other
        meta = phone.locator("#results .result .meta").first
        source, hint = meta.locator(".source").bounding_box(), meta.locator(".hint").bounding_box()
        overlap_x = min(source["x"] + source["width"], hint["x"] + hint["width"]) - max(
            source["x"], hint["x"]
        )
        overlap_y = min(source["y"] + source["height"], hint["y"] + hint["height"]) - max(
            source["y"], hint["y"]
        )
        assert overlap_x <= 0 or overlap_y <= 0
        phone.screenshot(path=str(shots / "phone.png"), full_page=False)
    finally:
        phone.close()


def test_persian_query_is_right_to_left_and_highlights_whole_words(page, live_server, shots):
    page.goto(live_server + "/")
    page.wait_for_selector("#lang-filters .chip")
    page.fill("#q", "امتیاز تلاش مشتری")
    assert page.eval_on_selector("#q", "n => getComputedStyle(n).direction") == "rtl"
    page.press("#q", "Enter")
    page.wait_for_selector("#results .result[data-lang='fa']")
    page.screenshot(path=str(shots / "persian.png"))
    # one highlight colour whatever the direction
    colours = page.eval_on_selector_all(
        "#results mark", "ns => [...new Set(ns.map(n => getComputedStyle(n).backgroundColor))]"
    )
    assert len(colours) == 1, colours
    # whole words: "klientow" is not lit up inside "klientowi" / "klientów" elsewhere
    page.goto(live_server + "/?q=klientow&mode=lexical")
    page.wait_for_selector("#results .result")
    texts = page.eval_on_selector_all("#results .definition", "ns => ns.map(n => n.textContent)")
    assert any("klientowi" in t for t in texts), texts  # "Obsługa klienta przez Twitter"
    marked = page.eval_on_selector_all("#results mark", "ns => ns.map(n => n.textContent)")
    assert marked and all(m.casefold() in {"klientow", "klientów"} for m in marked), marked


def test_api_docs_render_with_the_network_unavailable(browser, live_server):
    """/docs draws from this server alone: every other host is cut off."""
    page = browser.new_page()
    outside: list[str] = []

    def only_loopback(route):
        if route.request.url.startswith(live_server):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    try:
        page.route("**/*", only_loopback)
        page.goto(live_server + "/docs")
        page.wait_for_selector(".swagger-ui .info .title", timeout=15_000)
        assert "Glossa" in page.inner_text(".swagger-ui .info .title")
        page.wait_for_selector(".opblock-summary-path", timeout=15_000)
        paths = page.eval_on_selector_all(
            ".opblock-summary-path", "ns => ns.map(n => n.textContent)"
        )
        assert any(p.strip().startswith("/search") for p in paths), paths
        assert not outside, outside
    finally:
        page.close()


def test_one_card_per_concept_with_each_languages_term(page, live_server, shots):
    """The page's concept view: each card holds one concept's terms in every
    language (Customer Effort Score in Persian and Chinese on one card), Persian
    right to left."""
    query = urllib.parse.urlencode({"q": "what measures customer effort", "group": "concept"})
    page.goto(f"{live_server}/?{query}")
    page.wait_for_selector("#results .concept")
    assert page.input_value("#group-filter") == "concept"
    cards = page.eval_on_selector_all(
        "#results .concept",
        "nodes => nodes.map(n => [...n.querySelectorAll('.concept-term strong')].map(t => t.textContent))",
    )
    ces = [terms for terms in cards if "客户努力得分" in terms]
    assert ces and "امتیاز تلاش مشتری" in ces[0], cards
    directions = page.eval_on_selector_all(".concept-term[lang=fa]", "nodes => nodes.map(n => n.dir)")
    assert directions and set(directions) == {"rtl"}
    ids = page.eval_on_selector_all("#results .concept", "nodes => nodes.map(n => n.dataset.id)")
    assert len(ids) == len(set(ids))
    page.screenshot(path=str(shots / "concepts.png"))
    page.select_option("#group-filter", "")  # back to the flat list
    page.wait_for_selector("#results .result")
    assert "group=concept" not in page.url


def test_check_a_text_marks_its_terms_with_equivalents(page, live_server, shots):
    page.goto(live_server + "/#check")
    page.wait_for_selector("#check-target option[value='zh']", state="attached")
    text = "Mierzymy NPS 😀 i dbamy o obsłudze klienta; 客户满意度很高。"
    page.fill("#check-text", text)
    page.select_option("#check-target", "zh")
    page.click("#check-form button[type=submit]")
    page.wait_for_selector("#check-output mark")
    marks = page.locator("#check-output mark").all_inner_texts()
    assert "NPS" in marks and "obsłudze klienta" in marks, marks  # offsets survive the emoji
    assert "净推荐值" in page.locator("#check-output mark", has_text="NPS").get_attribute("title")
    assert page.locator("#check-output").inner_text() == text  # nothing lost or doubled
    page.screenshot(path=str(shots / "check.png"), full_page=True)
    page.fill("#check-text", "امتیاز تلاش مشتری را اندازه بگیرید")
    page.click("#check-form button[type=submit]")
    page.wait_for_selector("#check-output mark:has-text('امتیاز تلاش مشتری')")
    assert page.locator("#check-output").evaluate("n => getComputedStyle(n).direction") == "rtl"


def test_termbase_qa_table_sorts_by_any_column(page, live_server):
    page.goto(live_server + "/#lint")
    page.wait_for_selector("#lint-table tbody tr[data-check]")

    def column(n):
        return page.eval_on_selector_all(
            "#lint-table tbody tr[data-check]", f"rows => rows.map(r => r.cells[{n}].textContent)")

    counts = [int(x) for x in column(2)]
    assert counts == sorted(counts, reverse=True) and "missing_language" in column(0)
    page.click("#lint-table th button[data-sort='name']")
    assert column(0) == sorted(column(0))
    page.click("#lint-table th button[data-sort='name']")
    assert column(0) == sorted(column(0), reverse=True)
    page.click("#lint-table tbody tr[data-check='missing_language']")
    assert page.locator("#lint-table tr.findings:visible li").count() > 0


VIEWS = ["/", "/?q=NPS&group=concept", "/#check", "/#lint", "/#edit", "/#review"]


def test_no_view_is_wider_than_a_phone(browser, live_server, shots):
    phone = browser.new_page(viewport={"width": 390, "height": 844})
    try:
        for view in VIEWS:
            phone.goto(live_server + view)
            phone.wait_for_load_state("networkidle")
            if "#lint" in view:
                phone.wait_for_selector("#lint-table tbody tr[data-check]")
                phone.click("#lint-table tbody tr[data-check='missing_language']")
            if "#review" in view:
                phone.wait_for_selector("#review-queue .pair")
            assert no_sideways_overflow(phone), view
        phone.screenshot(path=str(shots / "phone-review.png"), full_page=True)
    finally:
        phone.close()


def test_languages_are_named_in_words_and_concepts_by_their_term(page, live_server):
    page.goto(live_server + "/?" + urllib.parse.urlencode({"q": "NPS", "group": "concept"}))
    page.wait_for_selector("#lang-filters .chip")
    chips = page.locator("#lang-filters .chip").all_inner_texts()
    assert any(c.startswith("Persian") for c in chips) and any(c.startswith("Chinese") for c in chips)
    page.wait_for_selector("#results .concept")
    titles = page.locator("#results .concept .concept-title").all_inner_texts()
    ids = page.locator("#results .concept .concept-id").all_inner_texts()
    assert titles and not any(t.startswith("auto-") for t in titles), titles
    assert all(i for i in ids)  # the id stays, in small print
    # names in words for any ISO 639 code, from the browser's CLDR data
    named = page.evaluate("['fr','es','de','ja','uk','sw'].map(Glossa.langName)")
    assert named == ["French", "Spanish", "German", "Japanese", "Ukrainian", "Swahili"], named


def test_termbase_qa_names_the_terms_and_links_each_entry(page, live_server):
    page.goto(live_server + "/#lint")
    page.wait_for_selector("#lint-table tbody tr[data-check='missing_language']")
    page.click("#lint-table tbody tr[data-check='missing_language']")
    finding = page.locator("#lint-table tr.findings:visible li").first
    assert "{" not in finding.inner_text()  # not raw JSON
    link = finding.locator("a").first
    assert "#edit=" in link.get_attribute("href") and link.inner_text().strip()
    assert "Persian" in finding.inner_text() or "Chinese" in finding.inner_text()


TOKEN = "browser-token"


@pytest.fixture(scope="module")
def writable_server(tmp_path_factory, real_index_dir, real_encoder):
    """A server with an admin token over a copy of the real index."""
    from glossa.api.app import create_app
    from glossa.search.searcher import Searcher

    from glossa.settings import Settings
    from tests.api.conftest import serve

    index = tmp_path_factory.mktemp("browser") / "index"
    shutil.copytree(real_index_dir, index)
    app = create_app(Settings(index_dir=index, admin_token=TOKEN, reload_interval=0.1),
                     searcher=Searcher.open(index, real_encoder))  # fmt: skip
    with serve(app) as url:
        yield url


def test_an_entry_added_edited_and_deleted_through_the_page(browser, writable_server, shots):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    asked: list[str] = []

    def answer(dialog):
        asked.append(dialog.type)
        dialog.accept(TOKEN if dialog.type == "prompt" else None)

    page.on("dialog", answer)
    try:
        page.goto(writable_server + "/#edit")
        page.fill("#edit-term", "Kundenaufwandswert")
        page.fill("#edit-lang", "de")
        page.fill("#edit-definition", "Wie viel Mühe Kunden aufwenden müssen, um ihr Anliegen zu lösen.")
        page.fill("#edit-aliases", "CES")
        page.click("#edit-save")
        page.wait_for_selector("#edit-summary:has-text('Saved')")
        assert asked == ["prompt"]  # the token, asked once
        assert no_sideways_overflow(page)
        saved = page.url.split("#edit=")[1]
        page.goto(writable_server + "/?" + urllib.parse.urlencode({"q": "Kundenaufwandswert"}))
        page.wait_for_selector(f"#results .result[data-id='{saved}']")
        # edit it: the form opens from the result's link
        page.click(f"#results .result[data-id='{saved}'] .edit-link")
        page.wait_for_selector("#edit-delete:visible")
        assert page.input_value("#edit-term") == "Kundenaufwandswert"
        page.fill("#edit-english", "Customer Effort Score")
        page.click("#edit-save")
        page.wait_for_selector("#edit-summary:has-text('Saved')")
        page.screenshot(path=str(shots / "phone-edit.png"), full_page=True)
        page.click("#edit-delete")
        page.wait_for_selector("#edit-summary:has-text('Deleted')")
        assert asked == ["prompt", "confirm"]  # kept for the session: not asked again
        page.goto(writable_server + "/?" + urllib.parse.urlencode({"q": "Kundenaufwandswert",
                                                                      "mode": "lexical"}))
        page.wait_for_selector("#summary:has-text('results')")
        assert page.locator(f"#results .result[data-id='{saved}']").count() == 0
    finally:
        page.close()


def test_the_review_queue_accepts_a_link_with_its_evidence(browser, writable_server):
    page = browser.new_page(viewport={"width": 1100, "height": 1000})
    page.on("dialog", lambda dialog: dialog.accept(TOKEN))
    try:
        page.goto(writable_server + "/#review")
        page.wait_for_selector("#review-queue .pair")
        first = page.locator("#review-queue .pair").first
        assert "probability" in first.locator(".evidence").inner_text()
        a, b = first.get_attribute("data-a"), first.get_attribute("data-b")
        first.locator("button.accept").click()
        page.wait_for_selector(f"#review-queue .pair.decided[data-a='{a}']")
        page.reload()
        page.wait_for_selector("#review-queue .pair")
        pairs = page.eval_on_selector_all("#review-queue .pair", "ns => ns.map(n => n.dataset.a + ' ' + n.dataset.b)")
        assert f"{a} {b}" not in pairs  # accepted: no longer awaiting review
    finally:
        page.close()


def test_the_page_picks_a_termbase_and_shows_its_title(browser, tmp_path, fake_encoder):
    """Two termbases in one server: the header's picker, each termbase's own title,
    and searches answered from the one picked only (the tiny fake encoder)."""
    from glossa.api.app import create_app
    from glossa.corpus.entry import Entry
    from glossa.indexer.build import build_index

    from glossa.settings import Settings
    from glossa.termbase import open_termbase
    from tests.api.conftest import serve

    for name, term in (("acme", "refund policy"), ("beta", "refund request")):
        build_index([Entry(id=f"{name}-1", term=term, definition=f"{term} at {name}", lang="en",
                           source=name)], fake_encoder, tmp_path / name)  # fmt: skip
    settings = Settings(termbases={"acme": tmp_path / "acme", "beta": tmp_path / "beta"},
                        termbases_dir=tmp_path / "shelf", access_file=tmp_path / "access.json")
    app = create_app(settings, background=False,
                     load=lambda: open_termbase(tmp_path / "acme", settings, encoder=fake_encoder))
    page = browser.new_page(viewport={"width": 390, "height": 844})
    try:
        with serve(app) as url:
            page.goto(url + "/?q=refund")
            page.wait_for_selector("#results .result")
            assert page.locator("#results .result").get_attribute("data-id") == "acme-1"
            page.wait_for_selector("#termbase option[value='beta']", state="attached")
            assert page.locator("#termbase option").all_inner_texts() == ["acme", "beta"]
            page.select_option("#termbase", "beta")
            page.wait_for_url("**tb=beta**")
            page.fill("#q", "refund")
            page.press("#q", "Enter")
            page.wait_for_selector("#results .result[data-id='beta-1']")
            assert page.locator("#results .result").count() == 1
            assert page.title() == "beta · Glossa"
            assert no_sideways_overflow(page)
    finally:
        page.close()
