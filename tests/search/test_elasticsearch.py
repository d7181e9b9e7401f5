"""The Elasticsearch backend: mappings and query bodies checked without a
server; the rest against a real server when ELASTICSEARCH_URL is set.

No Elasticsearch server can be installed on the machines CI runs on, and CI
does not provide one, so the server tests skip when ELASTICSEARCH_URL is
unset, even under REQUIRE_SERVICES=1. When it is set, the server must answer:
under REQUIRE_SERVICES=1 a server that does not is a failure, otherwise a
skip (as `tests.conftest.need` does for every other service)."""

import datetime
import os
import uuid

import pytest

from search.backends.base import InvalidPosition, SearchQuery, SearchUnavailable
from search.backends.elasticsearch import (
    build_search,
    document_source,
    index_body,
    traditional_to_simplified_rules,
)
from search.models import PendingIndexUpdate
from search.text import to_simplified
from tests import factories
from tests.conftest import need


def elasticsearch_answers(url):
    from elasticsearch import Elasticsearch

    try:
        return bool(Elasticsearch(url, request_timeout=3, max_retries=0).ping())
    except Exception:  # any way of not answering
        return False


@pytest.fixture
def es_backend(settings):
    """The Elasticsearch backend on the server of ELASTICSEARCH_URL, with
    indices of this test's own; they are deleted afterwards."""
    url = os.environ.get("ELASTICSEARCH_URL")
    if not url:
        pytest.skip("ELASTICSEARCH_URL is not set: no Elasticsearch server to test")
    need(
        elasticsearch_answers(url),
        "Elasticsearch at ELASTICSEARCH_URL does not answer",
    )
    from search.backends.elasticsearch import ElasticsearchBackend

    settings.ELASTICSEARCH_URL = url
    settings.HERALD_SEARCH_BACKEND = (
        "search.backends.elasticsearch.ElasticsearchBackend"
    )
    settings.HERALD_SEARCH_INDEX_PREFIX = f"herald-test-{uuid.uuid4().hex[:12]}"
    backend = ElasticsearchBackend()
    yield backend
    backend.client.indices.delete(
        index=f"{settings.HERALD_SEARCH_INDEX_PREFIX}-*", ignore_unavailable=True
    )


def titles(results):
    return [hit.title for hit in results.hits]


def test_every_index_has_strict_explicit_mappings_and_our_analyzers():
    for kind in ("warning", "recall", "blacklist"):
        body = index_body(kind)

        mappings = body["mappings"]
        assert mappings["dynamic"] == "strict"
        assert mappings["properties"]["words"] == {
            "type": "text",
            "analyzer": "herald_words",
            "fields": {"en": {"type": "text", "analyzer": "herald_english"}},
        }
        assert mappings["properties"]["title_words"]["fields"]["en"] == {
            "type": "text",
            "analyzer": "herald_english",
        }
        assert mappings["properties"]["folded"]["analyzer"] == "herald_grams"
        assert mappings["properties"]["codes"] == {"type": "keyword"}
        for name in ("title", "summary", "title_en", "summary_en"):
            assert mappings["properties"][name] == {"type": "text", "index": False}
        analysis = body["settings"]["analysis"]
        assert analysis["analyzer"]["herald_words"]["tokenizer"] == "whitespace"
        assert analysis["tokenizer"]["herald_gram_tokenizer"]["type"] == "ngram"
        for name in ("herald_words", "herald_english", "herald_grams"):
            assert analysis["analyzer"][name]["char_filter"] == ["herald_t2s"]
        assert analysis["filter"]["herald_english_stemmer"] == {
            "type": "stemmer",
            "language": "english",
        }
        assert analysis["char_filter"]["herald_t2s"]["type"] == "mapping"


def test_the_traditional_mapping_is_opencc_s_own_table():
    rules = dict(rule.split(" => ") for rule in traditional_to_simplified_rules())

    # Every rule is what OpenCC itself makes of the traditional text.
    assert len(rules) > 4000
    for source in ("兒", "童", "電", "動", "進", "產品", "髮"):
        if source in rules:
            assert rules[source] == to_simplified(source), source
    assert rules["兒"] == "儿"
    assert "童" not in rules  # the same in both scripts: no rule
    assert all(source != target for source, target in rules.items())
    body = index_body("recall")
    assert body["settings"]["analysis"]["char_filter"]["herald_t2s"][
        "mappings"
    ] == list(traditional_to_simplified_rules())


def test_many_valued_categories_and_origins_are_indexed_as_arrays():
    source = document_source(
        {
            "kind": "warning",
            "object_id": 3,
            "title": "玩具",
            "text": "",
            "url": "/warnings/x/",
            "categories": ["toys-electric", "food"],
            "origins": ["cn", "DE"],
        }
    )

    assert source["category"] == ["toys-electric", "food"]
    assert source["origin"] == ["CN", "DE"]


def test_a_warnings_english_title_is_stored_and_its_words_are_title_words():
    # given a warning with a Chinese and an English title
    document = {
        "kind": "warning",
        "object_id": 5,
        "title": "儿童滑板车刹车失灵",
        "summary": "刹车失灵",
        "title_en": "Scooter brakes fail",
        "summary_en": "The brakes fail.",
        "text": "Scooter brakes fail The brakes fail.",
        "url": "/warnings/x/",
    }

    # when it is indexed
    source = document_source(document)

    # then both languages are kept for display and both titles are searched
    assert source["title_en"] == "Scooter brakes fail"
    assert source["summary_en"] == "The brakes fail."
    assert {"滑板车", "scooter", "brakes"} <= set(source["title_words"].split())


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
    assert {"match": {"words.en": {"query": "stroller", "boost": 0.8}}} in english
    assert not any("words.en" in c.get("match", {}) for c in chinese)
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


def test_a_page_after_a_sort_key_uses_search_after_from_the_start(db):
    relevance = build_search(
        SearchQuery(text="玩具", per_page=10, after=("r", 1.5, "recall-7"))
    ).to_dict()
    by_date = build_search(
        SearchQuery(text="玩具", sort="date", after=("d", 1735689600000, "recall-7"))
    ).to_dict()
    chunk = build_search(SearchQuery(text="玩具", count=False)).to_dict()

    assert relevance["search_after"] == [1.5, "recall-7"]
    assert (relevance["from"], relevance["size"]) == (0, 10)
    assert by_date["search_after"] == [1735689600000, "recall-7"]
    assert "aggs" not in chunk and chunk["track_total_hits"] is False


@pytest.mark.parametrize(
    ("sort", "after"),
    [
        ("date", ("r", 1.5, "recall-7")),
        ("relevance", ("d", 1735689600000, "recall-7")),
        ("relevance", ("r", "high", "recall-7")),
        ("relevance", ("r", 1.5, 7)),
        ("relevance", ("r", 1.5)),
    ],
)
def test_a_sort_key_of_another_order_is_refused_before_the_server_sees_it(
    db, sort, after
):
    with pytest.raises(InvalidPosition):
        build_search(SearchQuery(text="玩具", sort=sort, after=after))


def test_a_failed_remove_is_queued_and_a_missing_document_is_not(
    categories, settings, monkeypatch, caplog
):
    from search.backends import elasticsearch
    from search.sync import sync_record

    settings.ELASTICSEARCH_URL = "http://127.0.0.1:9"
    settings.HERALD_SEARCH_BACKEND = (
        "search.backends.elasticsearch.ElasticsearchBackend"
    )
    entry = factories.recall(product="撤下的玩具", live=False)
    answers = {
        "missing": [{"delete": {"_id": str(entry.pk), "status": 404}}],
        "refused": [
            {
                "delete": {
                    "_id": str(entry.pk),
                    "status": 429,
                    "error": {"type": "es_rejected_execution_exception"},
                }
            }
        ],
    }
    answer = []
    monkeypatch.setattr(
        elasticsearch.helpers, "bulk", lambda *args, **kwargs: (0, answer)
    )

    answer[:] = answers["missing"]
    assert sync_record("alerts.recallentry", entry.pk) is True
    assert not PendingIndexUpdate.objects.exists()

    answer[:] = answers["refused"]
    assert sync_record("alerts.recallentry", entry.pk) is False
    assert PendingIndexUpdate.objects.get().object_id == entry.pk
    assert "did not remove recall" in caplog.text


def test_an_unreachable_server_queues_the_change_and_keeps_the_save(
    categories, settings, django_capture_on_commit_callbacks
):
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:9"  # nothing listens there
    settings.HERALD_SEARCH_BACKEND = (
        "search.backends.elasticsearch.ElasticsearchBackend"
    )

    with django_capture_on_commit_callbacks(execute=True):
        entry = factories.recall(product="服务器停机时发布的玩具")

    entry.refresh_from_db()
    pending = PendingIndexUpdate.objects.get()
    assert (pending.model_label, pending.object_id) == ("alerts.recallentry", entry.pk)


def test_the_backend_says_search_is_unavailable_when_the_server_is_down(db, settings):
    from search.backends.elasticsearch import ElasticsearchBackend

    settings.ELASTICSEARCH_URL = "http://127.0.0.1:9"

    with pytest.raises(SearchUnavailable):
        ElasticsearchBackend().search(SearchQuery(text="玩具"))


# With a server ------------------------------------------------------------


def test_a_rebuild_swaps_the_aliases_and_chinese_queries_work(categories, es_backend):
    from search.backends.elasticsearch import alias_for
    from search.documents import public_documents

    backend = es_backend
    factories.recall(product="移动电源（充电宝）", category="electrical-chargers")
    factories.recall(product="進口兒童玩具")
    factories.blacklist_entry(company_name="杭州示例电子科技有限公司")
    backend.rebuild(public_documents())
    first = set(backend.client.indices.get_alias(name=alias_for("recall")).body)
    backend.rebuild(public_documents())
    second = set(backend.client.indices.get_alias(name=alias_for("recall")).body)

    assert first != second and len(second) == 1
    assert backend.search(SearchQuery(text="充电宝")).total == 1
    assert backend.search(SearchQuery(text="儿童玩具")).total == 1
    assert backend.search(SearchQuery(text="示例电子")).total == 1
    assert backend.search(SearchQuery(text="91330100MA2DEM001H")).total == 1


def test_traditional_and_simplified_find_each_other_on_the_server(
    categories, es_backend
):
    from search.documents import public_documents

    factories.recall(product="儿童玩具套装")
    factories.recall(product="進口兒童玩具")
    es_backend.rebuild(public_documents())

    traditional = es_backend.search(SearchQuery(text="兒童玩具"))
    simplified = es_backend.search(SearchQuery(text="儿童玩具"))
    analyzed = es_backend.client.indices.analyze(
        index=f"{es_backend_prefix()}-recall", analyzer="herald_words", text="兒童"
    )

    assert (
        set(titles(traditional))
        == set(titles(simplified))
        == {
            "儿童玩具套装",
            "進口兒童玩具",
        }
    )
    assert [token["token"] for token in analyzed["tokens"]] == ["儿童"]


def es_backend_prefix():
    from django.conf import settings

    return settings.HERALD_SEARCH_INDEX_PREFIX


def test_index_sync_follows_publish_edit_unpublish_and_delete_on_the_server(
    categories, es_backend, django_capture_on_commit_callbacks
):
    def found(text):
        return titles(es_backend.search(SearchQuery(text=text)))

    with django_capture_on_commit_callbacks(execute=True):
        entry = factories.recall(product="同步测试玩具")
        other = factories.recall(product="删除测试玩具")
    assert sorted(found("玩具")) == ["删除测试玩具", "同步测试玩具"]

    with django_capture_on_commit_callbacks(execute=True):
        entry.product = "同步测试玩具改名"
        entry.save_revision().publish()
    assert "同步测试玩具改名" in found("改名")

    with django_capture_on_commit_callbacks(execute=True):
        entry.unpublish()
        other.delete()
    assert found("玩具") == []
    assert not PendingIndexUpdate.objects.exists()


def test_facets_highlights_stemming_and_pages_on_the_server(warning_index, es_backend):
    from search.documents import public_documents

    factories.warning(
        title="Stroller warning 安全警示",
        categories=("childcare-strollers", "toys-electric"),
        origins=["CN", "FR"],
    )
    for number in range(5):
        factories.recall(
            product=f"Baby strollers recalled {number}",
            category="childcare-strollers",
            origin="DE",
            recall_date=datetime.date(2025, 1, 1 + number),
        )
    es_backend.rebuild(public_documents())

    results = es_backend.search(SearchQuery(text="stroller"))
    toys = es_backend.search(SearchQuery(text="stroller", filters={"category": "toys"}))

    assert results.total == 6
    assert dict(results.facets["type"]) == {"recall": 5, "warning": 1}
    assert dict(results.facets["origin"]) == {"DE": 5, "CN": 1, "FR": 1}
    assert dict(results.facets["category"])["toys-electric"] == 1
    assert titles(toys) == ["Stroller warning 安全警示"]
    warning = next(hit for hit in results.hits if hit.kind == "warning")
    assert str(warning.highlights["title"]) == "<mark>Stroller</mark> warning 安全警示"
    for sort in ("relevance", "date"):
        seen, after = [], None
        while True:
            page = es_backend.search(
                SearchQuery(text="strollers", sort=sort, per_page=2, after=after)
            )
            if not page.hits:
                break
            seen += [(hit.kind, hit.object_id) for hit in page.hits]
            after = page.hits[-1].sort_key
        assert len(seen) == len(set(seen)) == 6, sort


def test_an_outage_is_queued_and_the_retry_reaches_the_server(
    categories, es_backend, settings, django_capture_on_commit_callbacks
):
    from search.tasks import retry_pending_index_updates

    url = settings.ELASTICSEARCH_URL
    es_backend.ensure_indices()
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:9"
    with django_capture_on_commit_callbacks(execute=True):
        factories.recall(product="停机期间发布的玩具")
    assert PendingIndexUpdate.objects.count() == 1

    settings.ELASTICSEARCH_URL = url
    retry_pending_index_updates()

    assert not PendingIndexUpdate.objects.exists()
    assert titles(es_backend.search(SearchQuery(text="停机期间发布的玩具"))) == [
        "停机期间发布的玩具"
    ]


def test_a_change_made_during_a_rebuild_is_in_the_new_index(
    categories, es_backend, django_capture_on_commit_callbacks
):
    from search.documents import public_documents

    kept = factories.recall(product="重建期间保留的玩具")
    removed = factories.recall(product="重建期间撤下的玩具")
    es_backend.rebuild(public_documents())

    def documents_while_editors_work():
        for number, document in enumerate(public_documents()):
            yield document
            if number == 0:
                # An editor works while the rebuild reads: the changes go to
                # the old index, which the swap is about to drop.
                with django_capture_on_commit_callbacks(execute=True):
                    removed.unpublish()
                    factories.recall(product="重建期间新增的玩具")
                    kept.product = "重建期间改名的玩具"
                    kept.save_revision().publish()

    es_backend.rebuild(documents_while_editors_work())

    assert sorted(titles(es_backend.search(SearchQuery(text="重建期间")))) == [
        "重建期间新增的玩具",
        "重建期间改名的玩具",
    ]
