"""The feeds media pull: RSS 2.0, Atom 1.0, the CAP index, recalls and the
blacklist. Parsed with feedparser as a reader would, and with lxml where the
structure matters."""

import concurrent.futures
import datetime
import locale
import re
import shutil
import subprocess
import sys
import time

import feedparser
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation
from django.utils.http import parse_http_date
from freezegun import freeze_time
from lxml import etree

from alerts import feed_cache, feeds, queries
from alerts.models import RecallEntry
from tests import factories

ATOM = "{http://www.w3.org/2005/Atom}"
SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)
FEED_URLS = [
    "/feeds/warnings.rss",
    "/feeds/warnings.atom",
    "/feeds/cap.atom",
    "/feeds/recalls.rss",
    "/feeds/recalls.atom",
    "/feeds/blacklist.rss",
    "/feeds/blacklist.atom",
]
RFC_822 = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d "
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} "
    r"\d\d:\d\d:\d\d [+-]\d{4}$"
)
RFC_3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)$")


@pytest.fixture
def chinese_c_locale(tmp_path_factory, monkeypatch):
    """The C library's locale set to zh_CN.UTF-8, compiled with localedef
    into a temporary folder when the system has not installed it."""
    previous = locale.setlocale(locale.LC_ALL)
    try:
        locale.setlocale(locale.LC_ALL, "zh_CN.UTF-8")
    except locale.Error:
        localedef = shutil.which("localedef")
        if localedef is None:
            pytest.skip("no zh_CN.UTF-8 locale and no localedef to build one")
        folder = tmp_path_factory.mktemp("locale")
        subprocess.run(
            [localedef, "-i", "zh_CN", "-f", "UTF-8", str(folder / "zh_CN.UTF-8")],
            capture_output=True,
            timeout=120,
            check=False,
        )
        monkeypatch.setenv("LOCPATH", str(folder))
        try:
            locale.setlocale(locale.LC_ALL, "zh_CN.UTF-8")
        except locale.Error:
            pytest.skip("localedef could not build the zh_CN.UTF-8 locale")
    yield
    locale.setlocale(locale.LC_ALL, previous)


pytestmark = pytest.mark.usefixtures("empty_cache")


def parse(response):
    assert response.status_code == 200, response.content[:300]
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


def xml(response):
    return etree.fromstring(response.content, SAFE_PARSER)


@pytest.mark.parametrize("url", FEED_URLS)
def test_every_feed_parses_without_a_single_error(client, warning_index, url):
    page = factories.warning(level=3)
    factories.change_level(page, 2)
    factories.lift(page)
    factories.recall()
    factories.blacklist_entry()

    response = client.get(url)

    feed = parse(response)
    assert feed.entries
    assert feed.feed.title
    for entry in feed.entries:
        assert entry.id
        assert entry.link.startswith("http://testserver/")


@pytest.mark.parametrize("url", FEED_URLS)
def test_an_empty_feed_is_still_a_valid_feed(client, db, url):
    response = client.get(url)

    feed = parse(response)
    assert feed.entries == []


def test_each_notice_is_an_entry_of_its_own_newest_first_and_says_what_it_is(
    client, warning_index
):
    page = factories.warning(level=3)
    factories.change_level(page, 1)
    factories.lift(page)

    feed = parse(client.get("/feeds/warnings.rss"))

    titles = [entry.title for entry in feed.entries]
    assert len(titles) == 3
    assert titles[0].startswith("【预警解除】[I级·特别严重（红色）]")
    assert titles[1].startswith("【等级调整】[I级·特别严重（红色）]")
    assert titles[2].startswith("[III级·较重（黄色）]")
    assert "由III级·较重（黄色）调整为I级·特别严重（红色）" in feed.entries[1].summary
    assert [e.link for e in feed.entries] == [
        f"http://testserver/warnings/{page.slug}/notices/{n}/" for n in (3, 2, 1)
    ]


def test_the_english_feed_says_the_same_in_english(client, warning_index):
    page = factories.warning(level=3)
    factories.lift(page)

    feed = parse(client.get("/feeds/warnings.atom?lang=en"))

    assert feed.feed.language == "en"
    assert feed.entries[0].title.startswith("Lifted: [Level III · Relatively serious")
    assert page.title_en in feed.entries[0].title


def test_the_english_cap_index_gives_english_entries_linking_the_same_messages(
    client, warning_index
):
    page = factories.warning(level=3)
    factories.lift(page)
    chinese = parse(client.get("/feeds/cap.atom"))

    english = parse(client.get("/feeds/cap.atom?lang=en"))

    assert english.feed.language == "en"
    assert english.feed.title.startswith("Product safety warnings: CAP messages")
    assert english.feed.author == "Product Quality and Safety Risk Warning Centre"
    assert english.entries[0].title.startswith("Lifted: [Level III")
    assert page.title_en in english.entries[0].title
    assert page.summary_en in english.entries[1].summary
    assert page.title not in english.entries[1].title
    assert [e.id for e in english.entries] == [e.id for e in chinese.entries]
    assert [
        [link.href for link in e.links if link.type == "application/cap+xml"]
        for e in english.entries
    ] == [
        [link.href for link in e.links if link.type == "application/cap+xml"]
        for e in chinese.entries
    ]
    assert page.title in chinese.entries[1].title


def test_the_cap_index_refuses_a_language_it_does_not_have(client, db):
    response = client.get("/feeds/cap.atom?lang=fr")

    assert response.status_code == 400
    assert b"lang must be" in response.content


def test_a_title_edit_keeps_the_guid_of_every_notice(
    client, warning_index, django_capture_on_commit_callbacks
):
    page = factories.warning(level=3)
    factories.change_level(page, 2)
    before = parse(client.get("/feeds/warnings.rss")).entries

    with django_capture_on_commit_callbacks(execute=True):
        page.title = "儿童电动玩具电池过热风险警示（更正）"
        page.save_revision().publish()
    after = parse(client.get("/feeds/warnings.rss")).entries

    assert [e.id for e in after] == [e.id for e in before]
    assert (
        after[0].id == f"tag:testserver,{page.reference[:4]}:notice/{page.reference}/2"
    )
    assert all("（更正）" in e.title for e in after)
    assert not any("（更正）" in e.title for e in before)


def test_the_guid_is_no_permalink_and_every_link_is_absolute(client, warning_index):
    factories.warning()

    root = xml(client.get("/feeds/warnings.rss"))

    guid = root.find("channel/item/guid")
    assert guid.get("isPermaLink") == "false"
    assert guid.text.startswith("tag:testserver,")
    links = [e.text for e in root.iter("link")] + [
        e.get("href") for e in root.iter(f"{ATOM}link")
    ]
    assert links
    assert all(link.startswith("http://testserver/") for link in links)
    assert b"example.com" not in etree.tostring(root)


@pytest.mark.parametrize(
    "url", ["/feeds/warnings.rss", "/feeds/warnings.atom", "/feeds/recalls.rss"]
)
def test_both_formats_name_their_own_address_with_rel_self(client, db, url):
    response = client.get(url + "?_=cache-buster")

    root = xml(response)
    self_links = [e for e in root.iter(f"{ATOM}link") if e.get("rel") == "self"]
    assert [e.get("href") for e in self_links] == ["http://testserver" + url]


def test_entries_carry_categories_level_and_kind(client, warning_index):
    factories.warning(level=2, categories=("toys-electric",))

    entry = parse(client.get("/feeds/warnings.atom")).entries[0]

    terms = {(t.scheme.rsplit("#", 1)[-1], t.term) for t in entry.tags}
    assert ("level", "II") in terms
    assert ("category", "toys-electric") in terms
    assert ("notice-kind", "publication") in terms


def test_times_carry_their_zone_and_english_day_names_under_the_chinese_site(
    client, warning_index
):
    factories.warning()

    with translation.override("zh-hans"):
        rss = xml(client.get("/feeds/warnings.rss", HTTP_ACCEPT_LANGUAGE="zh-hans"))
        atom = xml(client.get("/feeds/warnings.atom", HTTP_ACCEPT_LANGUAGE="zh-hans"))

    dates = [e.text for e in rss.iter("pubDate", "lastBuildDate")]
    assert dates
    assert all(RFC_822.match(d) and d.endswith("+0800") for d in dates), dates
    times = [e.text for e in atom.iter(f"{ATOM}published", f"{ATOM}updated")]
    assert all(RFC_3339.match(t) and t.endswith("+08:00") for t in times), times


def test_day_names_stay_english_under_the_chinese_c_library_locale(
    client, warning_index, chinese_c_locale
):
    factories.warning()

    response = client.get("/feeds/warnings.rss", HTTP_ACCEPT_LANGUAGE="zh-hans")

    dates = [e.text for e in xml(response).iter("pubDate")]
    assert dates and all(RFC_822.match(d) for d in dates), dates
    # The C library still speaks Chinese after the feed was built.
    assert "星期" in time.strftime("%A") or "周" in time.strftime("%a")


def test_characters_xml_cannot_hold_are_removed_and_the_feed_is_served(
    client, warning_index
):
    factories.warning(
        title="儿童电动玩具\x0b电池过热\x1f风险警示",
        summary_zh="锂电池\x01在充电时\x08过热。",
    )

    for url in ("/feeds/warnings.rss", "/feeds/warnings.atom", "/feeds/cap.atom"):
        feed = parse(client.get(url))

        assert "儿童电动玩具电池过热风险警示" in feed.entries[0].title
        assert "锂电池在充电时过热。" in feed.entries[0].summary


def test_filters_narrow_the_feed_and_its_title_says_so(client, warning_index):
    factories.warning(level=1, categories=("toys-electric",), origins=["US"])
    factories.warning(level=1, categories=("cosmetics-skin",))
    factories.warning(level=4, categories=("toys-plush",))

    feed = parse(client.get("/feeds/warnings.rss?category=toys&level=I"))
    english = parse(client.get("/feeds/warnings.atom?origin=us&lang=en"))

    assert len(feed.entries) == 1
    assert "类别：玩具" in feed.feed.title
    assert "等级：I级" in feed.feed.title
    assert len(english.entries) == 1
    assert "origin: United States" in english.feed.title


def test_a_mistyped_filter_is_told_what_to_send(client, db):
    response = client.get("/feeds/warnings.rss?level=5")

    assert response.status_code == 400
    assert "level must be 1, 2, 3 or 4" in response.content.decode()


def test_port_bulletins_never_appear_in_any_feed(client, warning_index):
    factories.warning(kind="port_bulletin", title="口岸布控通报 绝密")
    factories.warning(kind="trade_advisory")

    for url in FEED_URLS[:3]:
        response = client.get(url)

        feed = parse(response)
        assert len(feed.entries) == 1
        assert "口岸布控通报".encode() not in response.content
    assert client.get("/feeds/warnings.rss?kind=port_bulletin").status_code == 400


def test_the_cap_index_links_each_notices_cap_message(client, warning_index):
    page = factories.warning()
    factories.lift(page)

    root = xml(client.get("/feeds/cap.atom"))

    entries = root.findall(f"{ATOM}entry")
    cap_links = [
        link.get("href")
        for entry in entries
        for link in entry.findall(f"{ATOM}link")
        if link.get("type") == "application/cap+xml"
    ]
    assert cap_links == [
        f"http://testserver/warnings/{page.slug}/notices/{n}/cap.xml" for n in (2, 1)
    ]
    for entry in entries:
        assert entry.find(f"{ATOM}id").text.startswith("tag:testserver,")
        assert entry.find(f"{ATOM}updated") is not None


def test_a_matching_conditional_request_gets_304_and_a_stale_one_the_feed(
    client, warning_index
):
    factories.warning()
    first = client.get("/feeds/warnings.atom")

    by_etag = client.get("/feeds/warnings.atom", HTTP_IF_NONE_MATCH=first["ETag"])
    by_date = client.get(
        "/feeds/warnings.atom", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]
    )
    stale = client.get("/feeds/warnings.atom", HTTP_IF_NONE_MATCH='"not-this-one"')

    assert first.status_code == 200
    assert first["ETag"].startswith('"')
    assert by_etag.status_code == 304
    assert by_etag.content == b""
    assert by_etag["ETag"] == first["ETag"]
    assert by_date.status_code == 304
    assert stale.status_code == 200
    assert stale.content == first.content


def test_a_publish_empties_the_feed_cache_at_once(
    client, warning_index, django_capture_on_commit_callbacks, monkeypatch
):
    # As with Redis: only the signal, not a look at the database, may tell.
    monkeypatch.setattr(feed_cache, "cache_is_shared", lambda: True)
    with django_capture_on_commit_callbacks(execute=True):
        page = factories.warning(level=3)
    first = client.get("/feeds/warnings.rss")

    with django_capture_on_commit_callbacks(execute=True):
        factories.change_level(page, 2)
    second = client.get("/feeds/warnings.rss", HTTP_IF_NONE_MATCH=first["ETag"])

    assert second.status_code == 200
    assert len(parse(second).entries) == 2
    assert second["ETag"] != first["ETag"]


def test_an_unpublish_removes_the_entries_at_once(
    client, warning_index, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(feed_cache, "cache_is_shared", lambda: True)
    with django_capture_on_commit_callbacks(execute=True):
        page = factories.warning()
        factories.warning()
    first = client.get("/feeds/cap.atom")

    with django_capture_on_commit_callbacks(execute=True):
        page.unpublish()
    second = client.get(
        "/feeds/cap.atom", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]
    )

    assert len(parse(first).entries) == 2
    assert second.status_code == 200
    assert len(parse(second).entries) == 1


def test_without_a_shared_cache_a_publish_elsewhere_still_shows(
    client, warning_index, monkeypatch
):
    monkeypatch.setattr(feed_cache, "cache_is_shared", lambda: False)
    page = factories.warning(level=3)
    first = client.get("/feeds/warnings.rss")

    # No on-commit signal reaches this process: as from the worker process.
    factories.change_level(page, 2)
    second = client.get("/feeds/warnings.rss")

    assert len(parse(first).entries) == 1
    assert len(parse(second).entries) == 2


def test_a_feed_is_served_from_the_cache_without_a_query(
    client, warning_index, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(feed_cache, "cache_is_shared", lambda: True)
    factories.warning()
    client.get("/feeds/warnings.rss")

    with django_assert_num_queries(0):
        response = client.get("/feeds/warnings.rss")

    assert response.status_code == 200


def test_recall_and_blacklist_feeds_list_the_public_entries(client, db):
    factories.recall(product="电动滑板车", brand="Zoomer", source="healthcanada")
    factories.recall(product="草稿召回", live=False)
    factories.blacklist_entry(company_name="上榜公司")
    factories.blacklist_entry(
        company_name="已移出公司", removed_on=datetime.date(2026, 11, 1)
    )

    recalls = parse(client.get("/feeds/recalls.rss"))
    (listed_recall,) = RecallEntry.objects.filter(live=True)
    blacklist = parse(client.get("/feeds/blacklist.atom"))

    assert [e.title for e in recalls.entries] == ["电动滑板车 · Zoomer"]
    assert [e.title.split(" (")[0] for e in blacklist.entries] == ["上榜公司"]
    assert recalls.entries[0].id == (
        f"tag:testserver,2026:recall/healthcanada/{listed_recall.source_id}"
    )


@pytest.mark.parametrize("shared", [True, False], ids=["redis", "local"])
def test_a_cached_blacklist_feed_drops_an_entry_on_its_removal_day(
    client, db, monkeypatch, shared
):
    # No save happens on the removal day: only the date may tell the cache.
    monkeypatch.setattr(feed_cache, "cache_is_shared", lambda: shared)
    with freeze_time("2026-03-09 15:00:00"):  # 23:00 on 9 March in Shanghai
        factories.blacklist_entry(
            company_name="十日移出公司",
            listed_on=datetime.date(2025, 1, 1),
            removed_on=datetime.date(2026, 3, 10),
            removal_reason="expiry",
        )
        first = client.get("/feeds/blacklist.atom")
        again = client.get("/feeds/blacklist.atom")

    with freeze_time("2026-03-09 16:30:00"):  # 00:30 on 10 March in Shanghai
        second = client.get(
            "/feeds/blacklist.atom", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]
        )

    assert len(parse(first).entries) == 1
    assert again["ETag"] == first["ETag"]
    assert second.status_code == 200
    assert parse(second).entries == []
    assert parse_http_date(second["Last-Modified"]) > parse_http_date(
        first["Last-Modified"]
    )


def test_a_new_day_without_a_removal_keeps_the_cached_blacklist_feed(
    client, db, monkeypatch
):
    monkeypatch.setattr(feed_cache, "cache_is_shared", lambda: True)
    with freeze_time("2026-03-09 15:00:00"):
        factories.blacklist_entry(
            listed_on=datetime.date(2025, 1, 1),
            removed_on=datetime.date(2026, 4, 1),
            removal_reason="expiry",
        )
        first = client.get("/feeds/blacklist.atom")

    with freeze_time("2026-03-09 16:30:00"):
        second = client.get(
            "/feeds/blacklist.atom", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]
        )

    assert second.status_code == 304


@pytest.mark.parametrize("url", [u for u in FEED_URLS if u.endswith(".atom")])
def test_atom_feeds_hold_what_rfc_4287_requires(client, warning_index, url):
    page = factories.warning()
    factories.lift(page)
    factories.recall()
    factories.blacklist_entry()

    root = xml(client.get(url))

    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated", "author"):
        assert root.find(f"{ATOM}{name}") is not None, name
    for entry in root.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated"):
            assert len(entry.findall(f"{ATOM}{name}")) == 1, name
        alternates = [
            (link.get("type"), link.get("hreflang"))
            for link in entry.findall(f"{ATOM}link")
            if link.get("rel", "alternate") == "alternate"
        ]
        assert alternates
        assert len(alternates) == len(set(alternates)), "two alike alternate links"


@pytest.mark.parametrize("url", [u for u in FEED_URLS if u.endswith(".rss")])
def test_rss_feeds_hold_what_rss_2_requires(client, warning_index, url):
    factories.warning()
    factories.recall()
    factories.blacklist_entry()

    root = xml(client.get(url))

    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    for name in ("title", "link", "description"):
        assert channel.find(name) is not None and channel.find(name).text, name
    for item in channel.findall("item"):
        assert item.find("title").text
        assert item.find("guid").get("isPermaLink") == "false"
        assert RFC_822.match(item.find("pubDate").text)


def test_without_a_shared_cache_an_unpublish_elsewhere_moves_last_modified(
    client, warning_index, monkeypatch
):
    monkeypatch.setattr(feed_cache, "cache_is_shared", lambda: False)
    page = factories.warning()
    factories.warning()
    first = client.get("/feeds/warnings.atom")

    # As the worker's scheduled expiry: no on-commit signal reaches here.
    page.unpublish()
    second = client.get(
        "/feeds/warnings.atom", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]
    )

    assert len(parse(first).entries) == 2
    assert second.status_code == 200
    assert len(parse(second).entries) == 1
    assert second["ETag"] != first["ETag"]
    assert parse_http_date(second["Last-Modified"]) > parse_http_date(
        first["Last-Modified"]
    )


def test_without_a_shared_cache_an_unchanged_feed_keeps_its_last_modified(
    client, warning_index, monkeypatch
):
    monkeypatch.setattr(feed_cache, "cache_is_shared", lambda: False)
    factories.warning()
    first = client.get("/feeds/warnings.rss")

    again = client.get(
        "/feeds/warnings.rss", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]
    )

    assert again.status_code == 304
    assert again["Last-Modified"] == first["Last-Modified"]


def test_rss_dates_are_written_without_switching_the_process_locale(
    client, warning_index, monkeypatch
):
    factories.warning()

    def no_locale_switch(*args, **kwargs):
        raise AssertionError("setlocale is not thread-safe")

    monkeypatch.setattr(locale, "setlocale", no_locale_switch)
    response = client.get("/feeds/warnings.rss")

    dates = [e.text for e in xml(response).iter("pubDate", "lastBuildDate")]
    assert len(dates) == 2
    assert all(RFC_822.match(d) and d.endswith("+0800") for d in dates), dates


def test_rss_dates_built_in_many_threads_stay_english_under_a_chinese_locale(
    warning_index, chinese_c_locale
):
    for _ in range(5):
        factories.warning()
    feed = feeds.warnings_feed(
        list(queries.public_notices()), self_url="http://testserver/f", filters={}
    )

    # Threads switch as often as they can, as under a busy threaded server.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
            bodies = list(pool.map(lambda _: feeds.rss_bytes(feed), range(64)))
    finally:
        sys.setswitchinterval(interval)

    for body in bodies:
        root = etree.fromstring(body, SAFE_PARSER)
        dates = [e.text for e in root.iter("pubDate", "lastBuildDate")]
        assert len(dates) == 6
        assert all(RFC_822.match(d) for d in dates), dates


def test_ids_are_tagged_with_the_tag_authority_and_survive_a_new_address(
    client, warning_index, settings
):
    page = factories.warning()
    factories.recall(source="healthcanada", source_id="RA-1")
    settings.HERALD_TAG_AUTHORITY = "alerts.example.gov.cn"
    before = parse(client.get("/feeds/warnings.atom")).entries[0].id
    before_recall = parse(client.get("/feeds/recalls.rss")).entries[0].id

    settings.HERALD_BASE_URL = "https://203.0.113.5:8443"
    feed_cache.bump("warnings")
    feed_cache.bump("recalls")
    after = parse(client.get("/feeds/warnings.atom"))
    after_recall = parse(client.get("/feeds/recalls.rss")).entries[0].id

    assert before == (
        f"tag:alerts.example.gov.cn,{page.reference[:4]}:notice/{page.reference}/1"
    )
    assert after.entries[0].id == before
    assert after.entries[0].link.startswith("https://203.0.113.5:8443/")
    assert (
        after_recall
        == before_recall
        == ("tag:alerts.example.gov.cn,2026:recall/healthcanada/RA-1")
    )


@pytest.mark.parametrize(
    ("base_url", "authority"),
    [
        ("https://alerts.example.gov.cn", "alerts.example.gov.cn"),
        ("http://127.0.0.1:8000", "herald.example.gov.cn"),
        ("http://[::1]:8000", "herald.example.gov.cn"),
    ],
)
def test_without_a_tag_authority_ids_take_a_domain_name_never_an_address(
    warning_index, settings, base_url, authority
):
    settings.HERALD_TAG_AUTHORITY = ""
    settings.HERALD_BASE_URL = base_url
    settings.HERALD_CAP_SENDER = "alerts@herald.example.gov.cn"
    page = factories.warning()

    guid = feeds.notice_guid(page.notices.get())

    assert guid.startswith(f"tag:{authority},")


def test_a_tag_authority_that_is_no_domain_name_is_refused(db, settings):
    settings.HERALD_TAG_AUTHORITY = "https://alerts.example.gov.cn/"

    with pytest.raises(ImproperlyConfigured, match="HERALD_TAG_AUTHORITY"):
        feeds.tag_authority()


@pytest.mark.parametrize("url", FEED_URLS)
def test_a_browser_preflight_for_a_conditional_feed_request_is_allowed(client, db, url):
    response = client.options(
        url,
        HTTP_ORIGIN="https://news.example.org",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="if-none-match",
    )

    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "If-None-Match" in response["Access-Control-Allow-Headers"]
    assert "GET" in response["Access-Control-Allow-Methods"]


def test_a_feed_still_refuses_to_be_written_to(client, db):
    response = client.post("/feeds/warnings.rss")

    assert response.status_code == 405
    assert "GET" in response["Allow"]


@pytest.mark.parametrize(
    ("url", "language"),
    [
        ("/feeds/warnings.rss?lang=en", "en"),
        ("/feeds/warnings.atom", "zh-CN"),
        ("/feeds/cap.atom", "zh-CN"),
        ("/feeds/cap.atom?lang=en", "en"),
        ("/feeds/recalls.atom?lang=en", "en"),
        ("/feeds/blacklist.rss", "zh-CN"),
    ],
)
def test_a_feed_names_the_language_of_its_body_whatever_the_reader_accepts(
    client, db, url, language
):
    other = "zh-hans" if language == "en" else "en"

    response = client.get(url, HTTP_ACCEPT_LANGUAGE=other)

    assert response["Content-Language"] == language
    assert "accept-language" not in response.get("Vary", "").lower()


def test_a_title_edit_moves_the_entry_updated_time_and_not_its_guid(
    client, warning_index, django_capture_on_commit_callbacks
):
    with freeze_time("2026-12-01 01:00:00"):
        page = factories.warning()
        other = factories.warning()
    before = parse(client.get("/feeds/warnings.atom"))

    with freeze_time("2026-12-02 03:00:00"):
        with django_capture_on_commit_callbacks(execute=True):
            page.title = page.title + "（更正）"
            page.save_revision().publish()
        # A republish that changes nothing a reader sees moves nothing.
        with django_capture_on_commit_callbacks(execute=True):
            other.save_revision().publish()
    after = parse(client.get("/feeds/warnings.atom"))

    (edited,) = [e for e in after.entries if "（更正）" in e.title]
    (untouched,) = [e for e in after.entries if e is not edited]
    assert edited.id in [e.id for e in before.entries]
    assert edited.published == "2026-12-01T09:00:00+08:00"
    assert edited.updated == "2026-12-02T11:00:00+08:00"
    assert untouched.updated == untouched.published == "2026-12-01T09:00:00+08:00"
    assert after.feed.updated == "2026-12-02T11:00:00+08:00"


def test_recall_feeds_take_the_category_with_its_children_and_the_origin(
    client, db, categories
):
    factories.recall(product="电动滑板车", category=categories["toys-electric"])
    factories.recall(
        product="婴儿推车", category=categories["childcare-strollers"], origin="DE"
    )
    factories.recall(product="毛绒玩具", category=categories["toys-plush"], origin="DE")

    toys = parse(client.get("/feeds/recalls.rss?category=toys"))
    german = parse(client.get("/feeds/recalls.atom?origin=de&lang=en"))
    german_toys = parse(client.get("/feeds/recalls.rss?origin=DE&category=toys"))

    assert sorted(e.title.split(" · ")[0] for e in toys.entries) == [
        "毛绒玩具",
        "电动滑板车",
    ]
    assert "类别：玩具" in toys.feed.title
    assert sorted(e.title.split(" · ")[0] for e in german.entries) == [
        "婴儿推车",
        "毛绒玩具",
    ]
    assert "origin: Germany" in german.feed.title
    assert [e.title.split(" · ")[0] for e in german_toys.entries] == ["毛绒玩具"]
    assert client.get("/feeds/recalls.rss?level=1").status_code == 200
    assert client.get("/feeds/recalls.rss?origin=ZZ").status_code == 400


def test_a_lifting_notice_empties_the_feed_cache_at_once(
    client, warning_index, django_capture_on_commit_callbacks, monkeypatch
):
    # As with Redis: only the signal may tell this process.
    monkeypatch.setattr(feed_cache, "cache_is_shared", lambda: True)
    with django_capture_on_commit_callbacks(execute=True):
        page = factories.warning(level=2)
    first = {url: client.get(url) for url in FEED_URLS[:3]}

    with django_capture_on_commit_callbacks(execute=True):
        factories.lift(page)

    for url, before in first.items():
        by_etag = client.get(url, HTTP_IF_NONE_MATCH=before["ETag"])
        by_date = client.get(url, HTTP_IF_MODIFIED_SINCE=before["Last-Modified"])
        assert by_etag.status_code == 200, url
        assert by_date.status_code == 200, url
        entries = parse(by_etag).entries
        assert len(entries) == 2
        assert entries[0].title.startswith("【预警解除】")
