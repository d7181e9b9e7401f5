"""The JSON API of warnings, recalls and the blacklist: filters, cursors,
times, CORS and the per-client rate limit."""

import datetime
import re

import pytest

from tests import factories

ISO_WITH_ZONE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")


pytestmark = pytest.mark.usefixtures("empty_cache")


def get_json(client, url, **headers):
    response = client.get(url, **headers)
    assert response.status_code == 200, response.content[:500]
    return response.json()


def all_pages(client, url):
    """Follow `next` from `url` to the end; the items and the pages seen."""
    items, pages = [], 0
    while url:
        body = get_json(client, url)
        items += body["items"]
        pages += 1
        url = body["next"]
    return items, pages


def test_every_warning_carries_its_reference_and_level_in_numeral_words_and_colour(
    client, warning_index
):
    page = factories.warning(level=3)
    factories.change_level(page, 2)

    body = get_json(client, "/api/v1/warnings")

    (warning,) = body["items"]
    assert warning["reference"] == page.reference
    assert warning["level"] == {
        "value": 2,
        "numeral": "II",
        "name": {"zh": "严重", "en": "Serious"},
        "colour": "orange",
        "colour_name": {"zh": "橙色", "en": "orange"},
    }
    assert [n["kind"] for n in warning["notices"]] == ["publication", "adjustment"]
    assert warning["notices"][0]["guid"].endswith(f"{page.reference}/1")


def test_times_are_iso_8601_with_their_zone(client, warning_index):
    page = factories.warning()
    factories.lift(page)

    warning = get_json(client, "/api/v1/warnings")["items"][0]

    for name in ("start_time", "lifted_at", "first_published_at", "last_published_at"):
        assert ISO_WITH_ZONE.match(warning[name]), warning[name]
        assert warning[name].endswith("+08:00")
    assert all(ISO_WITH_ZONE.match(n["issued_at"]) for n in warning["notices"])
    assert warning["status"] == "lifted"


def test_port_bulletins_never_appear(client, warning_index):
    factories.warning(kind="port_bulletin")
    visible = factories.warning(kind="trade_advisory")

    body = get_json(client, "/api/v1/warnings")
    refused = client.get("/api/v1/warnings?kind=port_bulletin")

    assert [w["id"] for w in body["items"]] == [visible.pk]
    assert refused.status_code == 400
    assert refused.json()["error"]["parameter"] == "kind"


def test_the_filters_of_the_warnings_page_apply(client, warning_index):
    electric = factories.warning(level=1, categories=("toys-electric",), origins=["US"])
    factories.warning(level=1, categories=("cosmetics-skin",))
    lifted = factories.warning(level=4, categories=("toys-plush",))
    factories.lift(lifted)

    def ids(query):
        return [w["id"] for w in get_json(client, "/api/v1/warnings?" + query)["items"]]

    assert ids("category=toys&level=I") == [electric.pk]
    assert ids("origin=us") == [electric.pk]
    assert ids("status=lifted") == [lifted.pk]
    assert sorted(ids("category=toys")) == sorted([electric.pk, lifted.pk])


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("level=5", "level"),
        ("category=no-such-thing", "category"),
        ("origin=XX", "origin"),
        ("status=gone", "status"),
        ("limit=0", "limit"),
        ("limit=1000", "limit"),
        ("cursor=bm90LWEtY3Vyc29y", "cursor"),
        ("cursor=%%%", "cursor"),
        # Characters that str.strip() takes for blanks are not "no filter".
        ("category=%1C", "category"),
        ("origin=%1F", "origin"),
        ("level=%20", "level"),
        ("level=%00", "level"),
    ],
)
def test_a_wrong_parameter_gets_a_400_that_says_what_to_fix(
    client, db, query, parameter
):
    response = client.get("/api/v1/warnings?" + query)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["parameter"] == parameter
    assert parameter in error["message"]


def test_a_filter_sent_empty_means_no_filter(client, warning_index):
    factories.warning()

    response = client.get("/api/v1/warnings?level=&category=&origin=")

    assert response.status_code == 200
    assert len(response.json()["items"]) == 1


def test_cursor_pages_cover_every_warning_once_in_a_stable_order(client, warning_index):
    start = datetime.datetime(2026, 11, 1, 8, tzinfo=datetime.UTC)
    made = [
        factories.warning(start_time=start + datetime.timedelta(days=n // 2))
        for n in range(7)
    ]

    items, pages = all_pages(client, "/api/v1/warnings?limit=2")

    assert pages == 4
    expected = sorted(made, key=lambda w: (w.start_time, w.pk), reverse=True)
    assert [w["id"] for w in items] == [w.pk for w in expected]


def test_a_warning_published_between_pages_shifts_no_page(client, warning_index):
    start = datetime.datetime(2026, 11, 1, 8, tzinfo=datetime.UTC)
    made = [
        factories.warning(start_time=start + datetime.timedelta(days=n))
        for n in range(4)
    ]
    first = get_json(client, "/api/v1/warnings?limit=2")

    factories.warning(start_time=start + datetime.timedelta(days=30))
    second = get_json(client, first["next"])

    seen = [w["id"] for w in first["items"] + second["items"]]
    assert seen == [w.pk for w in reversed(made)]
    assert second["next"] is None


def test_the_next_page_is_also_in_a_link_header(client, warning_index):
    factories.warning()
    factories.warning()

    response = client.get("/api/v1/warnings?limit=1&level=2")

    assert response["Link"] == f'<{response.json()["next"]}>; rel="next"'
    assert response.json()["next"].startswith("http://testserver/api/v1/warnings?")
    assert "level=2" in response.json()["next"]


def test_recalls_page_newest_first_with_undated_ones_last(client, db):
    undated = factories.recall(recall_date=None, product="无日期召回")
    old = factories.recall(recall_date=datetime.date(2025, 1, 1))
    new = factories.recall(recall_date=datetime.date(2026, 6, 1))
    factories.recall(live=False)

    items, pages = all_pages(client, "/api/v1/recalls?limit=1")

    assert pages == 3
    assert [r["id"] for r in items] == [new.pk, old.pk, undated.pk]
    assert items[0]["recall_date"] == "2026-06-01"


def test_recalls_take_text_category_and_origin(client, db, categories):
    scooter = factories.recall(
        product="电动滑板车", category=categories["toys-electric"]
    )
    factories.recall(
        product="婴儿推车", category=categories["childcare-strollers"], origin="DE"
    )

    def ids(query):
        return [r["id"] for r in get_json(client, "/api/v1/recalls?" + query)["items"]]

    assert ids("q=滑板") == [scooter.pk]
    assert ids("category=toys") == [scooter.pk]
    assert len(ids("origin=de")) == 1


def test_the_blacklist_lists_only_companies_still_listed(client, db):
    listed = factories.blacklist_entry(
        company_name="上榜公司",
        credit_code="91440300MA5FXXXX0X",
        listed_on=datetime.date(2026, 10, 1),
    )
    factories.blacklist_entry(removed_on=datetime.date(2026, 11, 1))
    factories.blacklist_entry(live=False)

    body = get_json(client, "/api/v1/blacklist")

    assert [e["id"] for e in body["items"]] == [listed.pk]
    assert body["items"][0]["listed_on"] == "2026-10-01"
    assert get_json(client, "/api/v1/blacklist?q=91440300")["items"]


def test_any_origin_may_read_and_nobody_may_write(client, db):
    read = client.get("/api/v1/warnings", HTTP_ORIGIN="https://news.example.org")
    preflight = client.options(
        "/api/v1/warnings",
        HTTP_ORIGIN="https://news.example.org",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
    )
    write = client.post("/api/v1/warnings", {"title": "x"})

    assert read["Access-Control-Allow-Origin"] == "*"
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == "*"
    assert set(preflight["Access-Control-Allow-Methods"].split(", ")) == {
        "GET",
        "HEAD",
        "OPTIONS",
    }
    assert write.status_code == 405
    assert write["Allow"] == "GET, HEAD, OPTIONS"


def test_a_client_over_its_rate_gets_429_with_retry_after(client, db, settings):
    settings.HERALD_API_RATE_LIMIT = "3/60"

    answers = [client.get("/api/v1/blacklist") for _ in range(4)]
    other_client = client.get("/api/v1/blacklist", REMOTE_ADDR="10.0.0.9")

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert 1 <= int(answers[-1]["Retry-After"]) <= 60
    assert answers[-1]["Access-Control-Allow-Origin"] == "*"
    assert "Try again in" in answers[-1].json()["error"]["message"]
    assert [a["X-RateLimit-Remaining"] for a in answers[:3]] == ["2", "1", "0"]
    assert other_client.status_code == 200


def test_the_index_names_every_endpoint(client, db):
    body = get_json(client, "/api/v1/")

    assert body["openapi"] == "http://testserver/api/v1/openapi.json"
    assert set(body["endpoints"]) == {"warnings", "recalls", "blacklist", "search"}


def test_a_nul_character_in_a_parameter_is_dropped_not_sent_to_the_database(
    client, db, categories
):
    scooter = factories.recall(
        product="电动滑板车", category=categories["toys-electric"]
    )

    body = get_json(client, "/api/v1/recalls?q=%00滑板&category=toys%00")

    assert [r["id"] for r in body["items"]] == [scooter.pk]


def test_behind_a_proxy_clients_are_counted_apart_and_cannot_pick_a_bucket(
    client, db, settings
):
    settings.HERALD_API_RATE_LIMIT = "1/60"
    settings.HERALD_TRUSTED_PROXIES = 1

    first = client.get("/api/v1/blacklist", HTTP_X_FORWARDED_FOR="203.0.113.7")
    other = client.get("/api/v1/blacklist", HTTP_X_FORWARDED_FOR="203.0.113.8")
    spoofed = client.get(
        "/api/v1/blacklist", HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.7"
    )

    assert [first.status_code, other.status_code] == [200, 200]
    assert spoofed.status_code == 429


def test_an_api_answer_carries_an_etag_and_a_repeat_gets_304(client, db):
    first = client.get("/api/v1/warnings")

    again = client.get("/api/v1/warnings", HTTP_IF_NONE_MATCH=first["ETag"])

    assert first.status_code == 200 and first["ETag"]
    assert again.status_code == 304


def test_a_304_from_the_api_can_still_be_read_by_a_browser(client, db):
    origin = "https://news.example.org"
    first = client.get("/api/v1/recalls", HTTP_ORIGIN=origin)

    again = client.get(
        "/api/v1/recalls", HTTP_ORIGIN=origin, HTTP_IF_NONE_MATCH=first["ETag"]
    )

    assert again.status_code == 304
    assert again["ETag"] == first["ETag"]
    assert again["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in again["Access-Control-Expose-Headers"]
    assert again["X-RateLimit-Remaining"] == str(
        int(first["X-RateLimit-Remaining"]) - 1
    )
