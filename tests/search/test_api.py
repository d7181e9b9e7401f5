"""`/api/v1/search`: the public lookup as JSON over the search interface."""

import pytest

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
        ("cursor=WzFd", "cursor"),
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
