"""The Elasticsearch backend: mappings and query bodies checked without a
server; the rest against a real server when ELASTICSEARCH_URL is set.

No Elasticsearch server can be installed on the machines CI runs on, and CI
does not provide one, so the server tests skip when ELASTICSEARCH_URL is
unset even under REQUIRE_SERVICES=1 (which covers the services CI does
provide: PostgreSQL and Redis)."""

import datetime
import os
import time

import pytest

from search.backends.base import SearchQuery
from search.backends.elasticsearch import build_search, document_source, index_body
from tests import factories

needs_server = pytest.mark.skipif(
    not os.environ.get("ELASTICSEARCH_URL"),
    reason="ELASTICSEARCH_URL is not set: no Elasticsearch server to test against",
)


def test_every_index_has_strict_explicit_mappings_and_our_analyzers():
    for kind in ("warning", "recall", "blacklist"):
        body = index_body(kind)

        mappings = body["mappings"]
        assert mappings["dynamic"] == "strict"
        assert mappings["properties"]["words"] == {
            "type": "text",
            "analyzer": "herald_words",
        }
        assert mappings["properties"]["folded"]["analyzer"] == "herald_grams"
        assert mappings["properties"]["codes"] == {"type": "keyword"}
        analysis = body["settings"]["analysis"]
        assert analysis["analyzer"]["herald_words"]["tokenizer"] == "whitespace"
        assert analysis["tokenizer"]["herald_gram_tokenizer"]["type"] == "ngram"


def test_a_document_is_indexed_segmented_and_folded_to_simplified():
    source = document_source(
        {
            "kind": "recall",
            "object_id": 7,
            "title": "進口兒童電動玩具",
            "text": "移动电源（充电宝）",
            "codes": ["A12/00328/22"],
            "url": "/recalls/7/",
            "date": datetime.date(2025, 3, 10),
        }
    )

    assert source["uid"] == "recall-7"
    assert "儿童" in source["title_words"].split()
    assert "玩具" in source["title_words"].split()
    assert source["folded"].startswith("进口儿童电动玩具")
    assert source["codes"] == ["a120032822"]
    assert source["year"] == 2025


def test_the_query_body_requires_each_word_and_forgives_english_typos(db):
    body = build_search(
        SearchQuery(text="兒童 stroller", per_page=10, page=2)
    ).to_dict()

    must = body["query"]["bool"]["must"]
    assert len(must) == 2
    chinese, english = (clause["bool"]["should"] for clause in must)
    assert {"match": {"words": {"query": "儿童"}}} in chinese
    assert any(
        c.get("match", {}).get("words", {}).get("fuzziness") == "AUTO" for c in english
    )
    assert body["sort"] == ["_score", "uid"]
    assert (body["from"], body["size"]) == (10, 10)
    assert set(body["aggs"]) == {
        "type",
        "category",
        "level",
        "origin",
        "year",
        "status",
    }


def test_a_code_query_looks_the_code_up_exactly(db):
    body = build_search(SearchQuery(text="91330100MA2DEM001H")).to_dict()

    should = body["query"]["bool"]["should"]
    assert {"term": {"codes": {"value": "91330100ma2dem001h", "boost": 20}}} in should


def test_filters_and_date_sort_go_into_the_body(categories):
    body = build_search(
        SearchQuery(
            text="",
            kind="recall",
            filters={"category": "toys", "level": "2"},
            date_from=datetime.date(2025, 1, 1),
            sort="date",
        )
    ).to_dict()

    filters = body["query"]["bool"]["filter"]
    assert {"term": {"level": 2}} in filters
    assert {"range": {"date": {"gte": "2025-01-01"}}} in filters
    categories_filter = next(f for f in filters if "terms" in f)
    assert "toys-plush" in categories_filter["terms"]["category"]
    assert body["sort"][0] == {"date": {"order": "desc", "missing": "_last"}}


@needs_server
def test_a_rebuild_swaps_the_aliases_and_chinese_queries_work(
    categories, settings, django_capture_on_commit_callbacks
):
    from search.backends.elasticsearch import ElasticsearchBackend, alias_for
    from search.documents import public_documents

    settings.HERALD_SEARCH_INDEX_PREFIX = f"herald-test-{int(time.time())}"
    factories.recall(product="移动电源（充电宝）", category="electrical-chargers")
    factories.recall(product="進口兒童玩具")
    factories.blacklist_entry(company_name="杭州示例电子科技有限公司")
    backend = ElasticsearchBackend()
    try:
        backend.rebuild(public_documents())
        first = set(backend.client.indices.get_alias(name=alias_for("recall")).body)
        backend.rebuild(public_documents())
        second = set(backend.client.indices.get_alias(name=alias_for("recall")).body)

        assert first != second and len(second) == 1
        assert backend.search(SearchQuery(text="充电宝")).total == 1
        assert backend.search(SearchQuery(text="儿童玩具")).total == 1
        assert backend.search(SearchQuery(text="示例电子")).total == 1
        assert backend.search(SearchQuery(text="91330100MA2DEM001H")).total == 1
    finally:
        backend.client.indices.delete(
            index=f"{settings.HERALD_SEARCH_INDEX_PREFIX}-*", ignore_unavailable=True
        )
