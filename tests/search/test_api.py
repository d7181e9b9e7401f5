"""`/api/v1/search`: the public lookup as JSON over the search interface."""

import datetime

import pytest
from django.utils import timezone

from search.backend import search_backend
from search.documents import public_documents
from tests import factories

pytestmark = pytest.mark.usefixtures("empty_cache")


def reindex():
    search_backend().rebuild(public_documents())


def search(client, query):
    response = client.get("/api/v1/search?" + query)
    assert response.status_code == 200, response.content[:500]
    return response.json()


def test_a_chinese_word_finds_warnings_recalls_and_companies_with_their_kind(
    client, warning_index
):
    page = factories.warning(title="电动滑板车电池过热风险警示")
    factories.recall(product="电动滑板车")
    factories.blacklist_entry()
    reindex()

    body = search(client, "q=滑板车")

    assert body["total"] == 2
    assert {item["type"] for item in body["items"]} == {"warning", "recall"}
    warning = next(i for i in body["items"] if i["type"] == "warning")
    assert warning["reference"] == page.reference
    assert warning["level"]["numeral"] == "II"
    assert warning["url"] == f"http://testserver/warnings/{page.slug}/"


def test_port_bulletins_are_never_found(client, warning_index):
    factories.warning(kind="port_bulletin", title="口岸布控通报 滑板车")
    reindex()

    body = search(client, "q=滑板车")

    assert body["items"] == []
    assert body["total"] == 0


def test_a_hit_for_a_warning_no_longer_public_is_left_out(client, warning_index):
    page = factories.warning(title="电动滑板车电池过热风险警示")
    reindex()

    # The index has not heard of this unpublish (no on-commit signal ran).
    page.unpublish()
    body = search(client, "q=滑板车")

    assert body["items"] == []


def test_the_cursor_walks_every_result_once(client, warning_index):
    made = {factories.warning().pk for _ in range(5)}
    reindex()

    seen, url = [], "/api/v1/search?type=warning&limit=2&sort=date"
    while url:
        body = client.get(url).json()
        seen += [item["id"] for item in body["items"]]
        url = body["next"]

    assert sorted(seen) == sorted(made)


def test_facets_count_by_kind_and_level(client, warning_index):
    factories.warning(level=1)
    factories.warning(level=3)
    factories.recall()
    reindex()

    body = search(client, "")

    kinds = {f["value"]: f["count"] for f in body["facets"]["type"]}
    assert kinds == {"warning": 2, "recall": 1}
    levels = {f["value"]: f["count"] for f in body["facets"]["level"]}
    assert levels == {1: 1, 3: 1}


def test_the_level_filter_takes_numerals_too(client, warning_index):
    factories.warning(level=1)
    factories.warning(level=3)
    reindex()

    body = search(client, "type=warning&level=I")

    assert [item["level"]["value"] for item in body["items"]] == [1]


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("type=people", "type"),
        ("sort=oldest", "sort"),
        ("limit=51", "limit"),
        ("limit=101", "limit"),
        ("limit=0", "limit"),
        ("limit=abc", "limit"),
        ("limit=%E0%A5%A8", "limit"),  # a Devanagari 2
        ("level=i", "level"),
        ("level=%201", "level"),
        ("level=5", "level"),
        ("origin=cn", "origin"),
        ("origin=%20CN", "origin"),
        ("year=%E0%A5%A7%E0%A5%A8%E0%A5%A9%E0%A5%AA", "year"),  # Devanagari 1234
        ("cursor=WzFd", "cursor"),
        ("cursor=WyJyIiwgIngiLCAxXQ", "cursor"),
        ("status=recalled", "status"),
        ("year=20x5", "year"),
        ("date=decade", "date"),
        ("from=2025-13-01", "from"),
        ("to=yesterday", "to"),
        ("date=week&to=2025-02-30", "to"),
        ("q=" + "字" * 201, "q"),
    ],
)
def test_a_wrong_parameter_gets_a_400_that_says_what_to_fix(
    client, db, query, parameter
):
    response = client.get("/api/v1/search?" + query)

    assert response.status_code == 400
    assert response.json()["error"]["parameter"] == parameter
    assert response["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("value", ["0", "51", "101", "abc"])
def test_every_wrong_limit_is_told_the_search_maximum(client, db, value):
    response = client.get("/api/v1/search", {"limit": value})

    assert response.status_code == 400
    assert "from 1 to 50" in response.json()["error"]["message"]


def test_the_search_page_still_takes_what_the_api_refuses(client, categories, db):
    factories.recall(product="玩具", origin="CN")
    reindex()

    response = client.get("/search/", {"q": "玩具", "origin": "cn", "level": " i"})

    assert response.status_code == 200
    assert response.context["query"].filters == {"origin": "CN", "level": 1}


def test_an_english_request_gets_a_warnings_english_title_and_summary(
    client, categories, warning_index
):
    factories.warning(
        title="儿童滑板车刹车失灵风险警示", title_en="Scooter toy brakes fail"
    )
    factories.warning(title="无英文标题的玩具警示", title_en="", summary_en="")
    reindex()

    url = "/api/v1/search?type=warning&q=toy"
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").json()
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").json()

    titles = [item["title"] for item in english["items"]]
    assert "Scooter toy brakes fail" in titles
    found = next(i for i in english["items"] if i["title"].startswith("Scooter"))
    assert found["summary"].startswith("Lithium batteries")
    assert found["highlights"]["title"] == "Scooter <mark>toy</mark> brakes fail"
    assert "无英文标题的玩具警示" in titles  # no English: the Chinese title
    assert {item["title"] for item in chinese["items"]} == {
        "儿童滑板车刹车失灵风险警示",
        "无英文标题的玩具警示",
    }


@pytest.fixture
def mixed_records(warning_index):
    """Records with every facet varied: kinds, categories (a warning with
    two), levels, origins, years and statuses."""
    factories.warning(
        title="玩具与食品风险警示",
        level=1,
        categories=("toys-electric", "food"),
        origins=["CN", "DE"],
    )
    page = factories.warning(title="玩具风险警示", level=3, origins=["FR"])
    factories.lift(page)
    factories.recall(
        product="玩具召回", origin="DE", recall_date=datetime.date(2024, 5, 1)
    )
    factories.recall(
        product="毛绒玩具召回", category="toys-plush", status="completed", origin="CN"
    )
    factories.recall(product="食品召回", category="food", status="withdrawn")
    factories.blacklist_entry(company_name="示例玩具厂")
    reindex()


@pytest.mark.parametrize(
    "facet", ["type", "category", "level", "origin", "year", "status"]
)
def test_every_facet_value_given_back_as_a_filter_finds_what_it_counted(
    client, mixed_records, facet
):
    everything = search(client, "")
    assert everything["facets"][facet], facet

    for bucket in everything["facets"][facet]:
        narrowed = search(client, f"{facet}={bucket['value']}&limit=50")

        assert narrowed["total"] == bucket["count"], (facet, bucket)
        assert len(narrowed["items"]) == bucket["count"], (facet, bucket)


def test_recall_statuses_filter_and_the_old_made_up_one_is_refused(
    client, mixed_records
):
    ongoing = search(client, "status=ongoing")
    withdrawn = search(client, "status=withdrawn")

    assert [item["title"] for item in ongoing["items"]] == ["玩具召回"]
    assert [item["title"] for item in withdrawn["items"]] == ["食品召回"]
    assert client.get("/api/v1/search?status=recalled").status_code == 400


def test_dates_filter_as_on_the_page(client, mixed_records):
    today = timezone.localdate().isoformat()

    last_week = search(client, "type=recall&date=week&limit=50")
    in_2024 = search(client, "type=recall&from=2024-01-01&to=2024-12-31")
    from_today = search(client, f"type=recall&from={today}&limit=50")
    page = client.get("/search/", {"type": "recall", "date": "week"})

    assert last_week["total"] == 2 == page.context["results"].total
    assert [item["title"] for item in in_2024["items"]] == ["玩具召回"]
    assert from_today["total"] == 2


def test_hits_carry_highlights_and_an_empty_search_says_what_to_try(
    client, mixed_records
):
    client.cookies["django_language"] = "en"
    found = search(client, "q=毛绒玩具")
    nothing = search(client, "q=不存在的东西&type=recall")

    assert found["items"][0]["highlights"]["title"] == "<mark>毛绒玩具</mark>召回"
    assert found["corrected_query"] is None
    assert nothing["total"] == 0
    assert "Remove the filters and search everything." in nothing["suggestions"]


def test_a_corrected_typo_is_said(client, categories):
    factories.recall(product="Baby stroller recalled")
    reindex()

    body = search(client, "q=strolelr")

    assert body["corrected_query"] == "stroller"
    assert [item["title"] for item in body["items"]] == ["Baby stroller recalled"]


@pytest.mark.parametrize("sort", ["relevance", "date"])
def test_pages_stay_full_when_warnings_left_public_view(client, warning_index, sort):
    pages = [factories.warning(title=f"玩具风险警示 {'玩具' * n}") for n in range(7)]
    reindex()
    # The index has not heard of these unpublishes (no on-commit signal ran).
    for page in pages[1:6:2] + pages[:1]:
        page.unpublish()
    public = {page.pk for page in pages} - {p.pk for p in pages[1:6:2] + pages[:1]}

    seen, sizes = [], []
    url = f"/api/v1/search?q=玩具&limit=2&sort={sort}"
    while url:
        body = client.get(url).json()
        seen += [item["id"] for item in body["items"]]
        sizes.append(len(body["items"]))
        url = body["next"]

    assert sorted(seen) == sorted(public)
    assert sizes == [2, 1]


def test_a_cursor_of_the_other_sort_is_refused(client, warning_index):
    for _ in range(3):
        factories.warning()
    reindex()
    body = search(client, "q=玩具&limit=1")

    response = client.get(
        f"/api/v1/search?q=玩具&sort=date&cursor={body['next_cursor']}"
    )

    assert response.status_code == 400
    assert response.json()["error"]["parameter"] == "cursor"


def test_the_description_lists_every_status_the_index_holds(client, db):
    from search.documents import STATUSES

    description = client.get("/api/v1/openapi.json").json()
    parameters = description["paths"]["/api/v1/search"]["get"]["parameters"]
    status = next(p for p in parameters if p["name"] == "status")

    assert status["schema"]["enum"][:-1] == list(STATUSES)
    assert {"year", "date", "from", "to"} <= {p["name"] for p in parameters}
