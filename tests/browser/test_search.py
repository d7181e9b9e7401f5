"""Someone searches in Chinese and in English: types words, narrows by a
facet, turns a page and opens a result, in headless Chromium."""

from pathlib import Path

import pytest

from search.backends.database import DatabaseBackend
from search.documents import public_documents
from tests import factories

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def search_filter_page_and_open(page, base_url, language, word, marked):
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(f"{base_url}/search/")
    page.fill("#search-q", word)
    page.click("form[role=search] button[type=submit]")
    page.wait_for_selector("ol.results li")
    page.screenshot(path=ARTIFACTS / f"search-{language}-1-results.png", full_page=True)
    assert page.locator("ol.results mark").first.inner_text() == marked

    page.click(
        "section[data-facet=type] a:has-text('Recall'), "
        "section[data-facet=type] a:has-text('召回')"
    )
    page.wait_for_selector("section[data-facet=type] strong[aria-current]")
    assert page.locator("ol.results li.result-blacklist").count() == 0
    status = page.locator("[role=status]").first.inner_text()
    assert "25" in status

    page.click("nav.pagination a[rel=next]")
    page.wait_for_selector("ol.results li")
    assert "page=2" in page.url
    assert page.locator("ol.results li").count() == 5
    page.screenshot(
        path=ARTIFACTS / f"search-{language}-2-page-two.png", full_page=True
    )

    title = page.locator("ol.results li a").first.inner_text()
    page.locator("ol.results li a").first.click()
    page.wait_for_selector("h1")
    assert page.locator("h1").inner_text() == title
    assert "/recalls/" in page.url
    page.screenshot(path=ARTIFACTS / f"search-{language}-3-recall.png", full_page=True)


def test_a_visitor_searches_filters_pages_and_opens_a_recall_in_both_languages(
    live_server, browser_page, transactional_db
):
    for number in range(25):
        factories.recall(
            product=f"儿童电动玩具召回 第{number + 1}批 Electric toy car",
            defect="The battery overheats while charging.",
        )
    factories.blacklist_entry(
        company_name="深圳示例玩具制造有限公司", violation="Unsafe toys"
    )
    DatabaseBackend().rebuild(public_documents())
    page = browser_page

    search_filter_page_and_open(page, live_server.url, "zh", "玩具", "玩具")
    assert page.locator("html").get_attribute("lang") == "zh-CN"

    page.goto(f"{live_server.url}/search/")
    page.select_option("#language-select", "en")
    page.click("form.language button[type=submit]")
    page.wait_for_selector("html[lang=en]")

    # An English word, as an English reader types it; the records say "toy".
    search_filter_page_and_open(page, live_server.url, "en", "toys", "toy")
    assert "Recall date" in page.content()
