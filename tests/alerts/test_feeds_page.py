"""The /feeds/ page: lists the feeds, explains them in both languages, and
builds the address of a filtered feed with a plain form."""

from pathlib import Path

import feedparser
import pytest

from tests import factories
from tests.browser.reseed import reseed_after_flush

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


pytestmark = pytest.mark.usefixtures("empty_cache")


def test_the_page_lists_every_feed_and_explains_them_in_both_languages(client, db):
    response = client.get("/feeds/")

    html = response.content.decode()
    assert response.status_code == 200
    for path in (
        "/feeds/warnings.rss",
        "/feeds/warnings.atom",
        "/feeds/cap.atom",
        "/feeds/recalls.rss",
        "/feeds/recalls.atom",
        "/feeds/blacklist.rss",
        "/feeds/blacklist.atom",
        "/api/v1/openapi.json",
    ):
        assert f'href="{path}"' in html
    assert 'lang="zh-CN"' in html and "关于订阅源" in html
    assert 'lang="en"' in html and "About these feeds" in html
    for anchor in ("level", "notice-kind", "category", "hazard", "region"):
        assert f'id="{anchor}"' in html


@pytest.mark.parametrize(
    ("accept", "english_entries", "both_languages"),
    [
        ("en", "English titles and summaries", "carry both languages"),
        ("zh-hans", "英文标题和摘要", "同时包含中文和英文"),
    ],
)
def test_the_page_says_the_cap_index_takes_lang_like_the_other_feeds(
    client, db, accept, english_entries, both_languages
):
    response = client.get("/feeds/", HTTP_ACCEPT_LANGUAGE=accept)

    html = response.content.decode()
    assert "in Chinese." not in html and "内容为中文" not in html
    help_text = html.split('class="help"', 1)[1][:400]
    assert both_languages in help_text
    assert english_entries in html


def test_the_form_builds_the_address_of_a_filtered_feed(client, warning_index):
    factories.warning(level=2, categories=("toys-electric",))

    response = client.get(
        "/feeds/",
        {
            "build": "1",
            "format": "atom",
            "level": "2",
            "kind": "",
            "category": "toys",
            "origin": "",
            "status": "active",
            "lang": "en",
        },
    )

    expected = "http://testserver/feeds/warnings.atom?level=2&category=toys&status=active&lang=en"
    assert f'<code id="built-url">{expected.replace("&", "&amp;")}</code>' in (
        response.content.decode()
    )
    feed = feedparser.parse(
        client.get(expected.removeprefix("http://testserver")).content
    )
    assert not feed.bozo
    assert len(feed.entries) == 1


def test_the_form_says_what_to_fix_in_a_wrong_filter(client, db):
    response = client.get("/feeds/", {"build": "1", "origin": "ZZ"})

    html = response.content.decode()
    assert 'role="alert"' in html
    assert "two-letter ISO 3166-1 country code" in html
    assert "built-url" not in html


@pytest.mark.browser
def test_a_reader_builds_a_cap_feed_address_without_javascript(
    live_server, db, browser
):
    # An earlier transactional test may have emptied the seeded tables.
    reseed_after_flush()
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(java_script_enabled=False)
    page.goto(live_server.url + "/feeds/")

    page.locator("input[name=feed][value=cap]").check()
    page.locator("#feed-level").select_option("1")
    page.locator("#feed-category").select_option("childcare")
    page.locator("form.feed-builder button[type=submit]").click()
    page.screenshot(path=str(ARTIFACTS / "feeds_page_built.png"), full_page=True)
    built = page.locator("#built-url").inner_text()
    page.close()

    assert built.endswith("/feeds/cap.atom?level=1&category=childcare")


@pytest.mark.parametrize(
    ("choices", "expected"),
    [
        (
            {"feed": "recalls", "format": "atom", "category": "toys", "origin": "de"},
            "/feeds/recalls.atom?category=toys&origin=DE",
        ),
        (
            {"feed": "recalls", "format": "rss", "lang": "en"},
            "/feeds/recalls.rss?lang=en",
        ),
        ({"feed": "blacklist", "format": "atom"}, "/feeds/blacklist.atom"),
        (
            {"feed": "blacklist", "format": "rss", "lang": "en"},
            "/feeds/blacklist.rss?lang=en",
        ),
        (
            {"feed": "cap", "level": "1", "lang": "en"},
            "/feeds/cap.atom?level=1&lang=en",
        ),
        # An address built before the feed could be chosen.
        ({"format": "cap", "level": "1"}, "/feeds/cap.atom?level=1"),
    ],
)
def test_the_form_builds_recall_blacklist_and_cap_addresses_too(
    client, warning_index, choices, expected
):
    factories.warning(level=1)
    factories.recall(origin="DE", category="toys-plush")
    factories.blacklist_entry()

    response = client.get("/feeds/", {"build": "1", **choices})

    html = response.content.decode()
    built = "http://testserver" + expected
    assert f'<code id="built-url">{built.replace("&", "&amp;")}</code>' in html
    feed = feedparser.parse(client.get(expected).content)
    assert not feed.bozo
    assert feed.entries


def test_the_form_says_which_filters_a_register_feed_leaves_out(client, db):
    response = client.get(
        "/feeds/",
        {"build": "1", "feed": "blacklist", "level": "2", "category": "toys"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    html = response.content.decode()
    assert "http://testserver/feeds/blacklist.rss</code>" in html
    assert "left out" in html
    assert "Level and Product category." in html.split("left out", 1)[1][:200]


def test_the_language_is_never_among_the_choices_left_out(client, db):
    response = client.get(
        "/feeds/",
        {"build": "1", "feed": "blacklist", "level": "2", "lang": "en"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    html = response.content.decode()
    assert "http://testserver/feeds/blacklist.rss?lang=en</code>" in html
    left_out = html.split("left out: ", 1)[1]
    assert left_out.startswith("Level.")
