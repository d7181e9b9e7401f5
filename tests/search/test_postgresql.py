"""The embedded backend on PostgreSQL: the tsvector column and GIN index
answer the same queries the FTS5 table answers on SQLite."""

import datetime

import pytest
from django.db import connection

from search.backends.base import SearchQuery
from tests import factories
from tests.conftest import need

pytestmark = pytest.mark.integration


@pytest.fixture
def postgresql(db):
    need(connection.vendor == "postgresql", "DATABASE_URL is not a PostgreSQL URL")


def titles(results):
    return [hit.title for hit in results.hits]


def test_chinese_traditional_english_codes_and_typos_on_postgresql(
    postgresql, categories, backend, index_all
):
    factories.recall(product="儿童电动玩具召回", barcode="6901234567892")
    factories.recall(product="移动电源（充电宝）", category="electrical-chargers")
    factories.recall(product="Baby stroller recalled", category="childcare-strollers")
    factories.blacklist_entry(
        company_name="杭州示例电子科技有限公司", violation="虚假宣传"
    )
    index_all()

    assert titles(backend.search(SearchQuery(text="玩具"))) == ["儿童电动玩具召回"]
    assert titles(backend.search(SearchQuery(text="充电宝"))) == ["移动电源（充电宝）"]
    assert titles(backend.search(SearchQuery(text="兒童玩具"))) == ["儿童电动玩具召回"]
    assert titles(backend.search(SearchQuery(text="示例电子"))) == [
        "杭州示例电子科技有限公司"
    ]
    assert backend.search(SearchQuery(text="6901234567892")).total == 1
    assert backend.search(SearchQuery(text="91330100MA2DEM001H")).total == 1
    typo = backend.search(SearchQuery(text="strolelr"))
    assert (titles(typo), typo.corrected_text) == (
        ["Baby stroller recalled"],
        "stroller",
    )


def test_facets_sorting_and_pages_on_postgresql(
    postgresql, categories, backend, index_all
):
    for day in range(1, 6):
        factories.recall(product="同名玩具", recall_date=datetime.date(2025, 1, day))
    factories.blacklist_entry(company_name="示例玩具厂")
    index_all()

    first = backend.search(SearchQuery(text="玩具", sort="date", per_page=3))
    second = backend.search(SearchQuery(text="玩具", sort="date", per_page=3, page=2))

    assert dict(first.facets["type"]) == {"recall": 5, "blacklist": 1}
    dates = [hit.date for hit in first.hits + second.hits]
    assert dates == sorted(dates, reverse=True)
    assert len({(h.kind, h.object_id) for h in first.hits + second.hits}) == 6


def test_english_forms_many_valued_facets_and_keyset_pages_on_postgresql(
    postgresql, warning_index, backend, index_all
):
    for product, origin in (
        ("Baby strollers recalled", "DE"),
        ("Folding stroller", "CN"),
    ):
        factories.recall(
            product=product, defect="", origin=origin, category="childcare-strollers"
        )
    factories.warning(
        title="Stroller warning 安全警示",
        categories=("childcare-strollers", "toys-electric"),
        origins=["CN", "FR"],
    )
    index_all()

    singular = backend.search(SearchQuery(text="stroller"))
    plural = backend.search(SearchQuery(text="strollers"))
    toys = backend.search(SearchQuery(text="stroller", filters={"category": "toys"}))
    first = backend.search(SearchQuery(text="stroller", per_page=2))
    rest = backend.search(
        SearchQuery(text="stroller", per_page=2, after=first.hits[-1].sort_key)
    )

    assert singular.total == plural.total == 3
    assert dict(singular.facets["origin"]) == {"CN": 2, "DE": 1, "FR": 1}
    assert titles(toys) == ["Stroller warning 安全警示"]
    assert titles(backend.search(SearchQuery(text="警示"))) == [
        "Stroller warning 安全警示"
    ]
    # A recall and a warning may share an id: a hit is its kind and its id.
    paged = [(hit.kind, hit.object_id) for hit in first.hits + rest.hits]
    assert len(paged) == len(set(paged)) == 3
    assert set(paged) == {(hit.kind, hit.object_id) for hit in singular.hits}


def test_records_indexed_after_a_rebuild_get_ids_of_their_own_on_postgresql(
    postgresql, categories, backend, index_all, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        factories.recall(product="重建前的玩具")
        factories.recall(product="重建前的另一个玩具")
    index_all()

    with django_capture_on_commit_callbacks(execute=True):
        factories.recall(product="重建后的玩具")

    assert sorted(titles(backend.search(SearchQuery(text="玩具")))) == [
        "重建前的另一个玩具",
        "重建前的玩具",
        "重建后的玩具",
    ]
