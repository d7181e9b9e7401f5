"""The embedded backend answers the queries the public asks, on SQLite here
and on PostgreSQL in tests/search/test_postgresql.py."""

import datetime

import pytest
from django.utils import timezone, translation

from search.backends.base import SearchQuery
from search.documents import public_document_count
from tests import factories


def titles(results):
    return [hit.title for hit in results.hits]


def test_a_chinese_word_finds_a_title_written_without_spaces(
    categories, backend, index_all
):
    factories.recall(product="儿童电动玩具召回")
    factories.recall(product="电热水壶召回", category="electrical-household")
    index_all()

    results = backend.search(SearchQuery(text="玩具"))

    assert titles(results) == ["儿童电动玩具召回"]


def test_a_word_in_brackets_is_found_inside_a_longer_name(
    categories, backend, index_all
):
    factories.recall(product="移动电源（充电宝）", category="electrical-chargers")
    factories.recall(product="电源适配器", category="electrical-plugs")
    index_all()

    results = backend.search(SearchQuery(text="充电宝"))

    assert titles(results) == ["移动电源（充电宝）"]


def test_traditional_script_finds_simplified_and_back(categories, backend, index_all):
    factories.recall(product="儿童玩具套装", category="toys-plastic")
    factories.recall(product="進口兒童電動玩具", category="toys-plush")
    index_all()

    traditional = backend.search(SearchQuery(text="兒童玩具"))
    simplified = backend.search(SearchQuery(text="儿童电动玩具"))

    assert set(titles(traditional)) == {"儿童玩具套装", "進口兒童電動玩具"}
    assert titles(simplified) == ["進口兒童電動玩具"]


def test_english_words_and_a_mixed_query_find_their_records(
    categories, backend, index_all
):
    factories.recall(product="Baby stroller", defect="The brake may fail.")
    factories.recall(product="婴儿推车 stroller", defect="刹车失灵")
    factories.recall(product="Kettle", defect="The switch may fail.")
    index_all()

    english = backend.search(SearchQuery(text="stroller brake"))
    mixed = backend.search(SearchQuery(text="推车 stroller"))

    assert titles(english) == ["Baby stroller"]
    assert titles(mixed) == ["婴儿推车 stroller"]


def test_an_english_typo_is_corrected_and_said(categories, backend, index_all):
    factories.recall(product="Baby stroller recalled")
    index_all()

    results = backend.search(SearchQuery(text="strolelr"))

    assert titles(results) == ["Baby stroller recalled"]
    assert results.corrected_text == "stroller"


def test_a_company_is_found_by_any_part_of_its_name(categories, backend, index_all):
    factories.blacklist_entry(company_name="杭州示例电子科技有限公司")
    index_all()

    for part in ("示例电子", "杭州示例", "电子科技"):
        assert titles(backend.search(SearchQuery(text=part))) == [
            "杭州示例电子科技有限公司"
        ], part


@pytest.mark.parametrize(
    "query",
    ["6901234567892", "91330100MA2DEM001H", "91330100ma2dem001h", "A12/00328/22"],
)
def test_a_code_finds_exactly_its_record(categories, backend, index_all, query):
    factories.recall(product="遥控赛车", barcode="6901234567892")
    factories.recall(
        product="Passenger car", source="safetygate", source_id="A12/00328/22"
    )
    factories.blacklist_entry(company_name="示例公司", credit_code="91330100MA2DEM001H")
    factories.recall(product="Other car", source="safetygate", source_id="A12/00329/22")
    index_all()

    results = backend.search(SearchQuery(text=query))

    assert results.total == 1


def test_a_warning_is_found_by_its_reference_number(warning_index, backend, index_all):
    page = factories.warning(title="充电宝起火风险警示")
    index_all()

    results = backend.search(SearchQuery(text=page.reference))

    assert titles(results) == ["充电宝起火风险警示"]


def test_facets_count_every_match_by_type_category_year_and_status(
    categories, backend, index_all
):
    factories.recall(product="玩具甲", recall_date=datetime.date(2024, 5, 1))
    factories.recall(product="玩具乙", category="toys-plush", status="completed")
    factories.blacklist_entry(company_name="示例玩具厂")
    index_all()

    results = backend.search(SearchQuery(text="玩具"))

    year = timezone.localdate().year
    assert dict(results.facets["type"]) == {"recall": 2, "blacklist": 1}
    assert dict(results.facets["category"]) == {"toys-electric": 1, "toys-plush": 1}
    assert dict(results.facets["year"]) == {2024: 1, year: 2}
    assert dict(results.facets["status"]) == {
        "ongoing": 1,
        "completed": 1,
        "listed": 1,
    }


def test_a_category_filter_covers_its_subcategories(categories, backend, index_all):
    factories.recall(product="玩具甲", category="toys-plush")
    factories.recall(product="玩具乙", category="food")
    index_all()

    results = backend.search(SearchQuery(text="玩具", filters={"category": "toys"}))

    assert titles(results) == ["玩具甲"]


def test_highlights_mark_the_matched_words_and_escape_the_rest(
    categories, backend, index_all
):
    factories.recall(product="<b>Toy</b> 儿童玩具 & toys, toyota", defect="")
    index_all()

    hit = backend.search(SearchQuery(text="toy 玩具")).hits[0]

    assert str(hit.highlights["title"]) == (
        "&lt;b&gt;<mark>Toy</mark>&lt;/b&gt; 儿童<mark>玩具</mark> &amp; "
        "<mark>toys</mark>, toyota"
    )


def test_pages_are_stable_when_records_tie(categories, backend, index_all):
    for _ in range(7):
        factories.recall(product="同名玩具", recall_date=datetime.date(2025, 1, 1))
    index_all()

    seen = []
    for page in (1, 2, 3):
        results = backend.search(
            SearchQuery(text="玩具", sort="date", page=page, per_page=3)
        )
        seen.extend(hit.object_id for hit in results.hits)

    assert len(seen) == 7 == len(set(seen))
    assert seen == sorted(seen, reverse=True)


def test_sorting_by_date_puts_the_newest_first(categories, backend, index_all):
    factories.recall(product="旧玩具", recall_date=datetime.date(2020, 1, 1))
    factories.recall(product="新玩具", recall_date=datetime.date(2025, 1, 1))
    index_all()

    results = backend.search(SearchQuery(text="玩具", sort="date"))

    assert titles(results) == ["新玩具", "旧玩具"]


def test_a_date_range_keeps_only_records_of_those_days(categories, backend, index_all):
    factories.recall(product="今天的玩具", recall_date=datetime.date(2025, 3, 10))
    factories.recall(product="昨天的玩具", recall_date=datetime.date(2025, 3, 9))
    index_all()

    results = backend.search(
        SearchQuery(
            text="玩具",
            date_from=datetime.date(2025, 3, 10),
            date_to=datetime.date(2025, 3, 10),
        )
    )

    assert titles(results) == ["今天的玩具"]


def test_nothing_found_suggests_what_to_try(categories, backend, index_all):
    factories.recall(product="儿童玩具")
    index_all()

    with translation.override("en"):
        results = backend.search(SearchQuery(text="玩具 xyzzyq", kind="blacklist"))

    assert results.total == 0
    assert any("filter" in tip for tip in results.suggestions)
    assert any("玩具" in tip for tip in results.suggestions)


def test_drafts_and_removed_blacklist_entries_are_never_indexed(
    categories, backend, index_all
):
    factories.recall(product="草稿玩具", live=False)
    factories.blacklist_entry(
        company_name="已移出示例公司",
        removed_on=timezone.localdate(),
        removal_reason="expiry",
    )
    index_all()

    assert backend.search(SearchQuery(text="草稿玩具")).total == 0
    assert backend.search(SearchQuery(text="已移出示例公司")).total == 0


def test_a_blacklist_entry_removed_from_a_later_day_is_rebuilt_into_the_index(
    categories, backend, index_all
):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    factories.blacklist_entry(
        company_name="明日移出示例公司", removed_on=tomorrow, removal_reason="expiry"
    )

    index_all()

    assert backend.search(SearchQuery(text="明日移出示例公司")).total == 1
    assert public_document_count() == 1


@pytest.mark.parametrize("text", ["!!!", "-", "*", '"', "😀"])
def test_a_query_of_punctuation_or_emoji_finds_nothing_rather_than_everything(
    categories, backend, index_all, text
):
    factories.recall(product="儿童玩具")
    index_all()

    results = backend.search(SearchQuery(text=text))

    assert results.total == 0
    assert results.hits == []
    assert results.suggestions


def test_a_warning_is_counted_and_found_under_each_of_its_categories_and_origins(
    warning_index, backend, index_all
):
    factories.warning(
        title="玩具与食品风险警示",
        categories=("toys-electric", "food"),
        origins=["CN", "DE"],
    )
    factories.warning(title="玩具风险警示", categories=("toys-plush",), origins=["FR"])
    index_all()

    results = backend.search(SearchQuery(text="警示"))
    by_food = backend.search(SearchQuery(text="警示", filters={"category": "food"}))
    by_germany = backend.search(SearchQuery(text="警示", filters={"origin": "de"}))

    assert dict(results.facets["category"]) == {
        "toys-electric": 1,
        "food": 1,
        "toys-plush": 1,
    }
    assert dict(results.facets["origin"]) == {"CN": 1, "DE": 1, "FR": 1}
    assert titles(by_food) == ["玩具与食品风险警示"]
    assert titles(by_germany) == ["玩具与食品风险警示"]
    assert dict(by_germany.facets["origin"]) == {"CN": 1, "DE": 1}


def test_the_origin_facet_counts_recalls_and_filters_them(
    categories, backend, index_all
):
    factories.recall(product="德国玩具", origin="DE")
    factories.recall(product="中国玩具", origin="CN")
    factories.recall(product="另一个中国玩具", origin="CN")
    index_all()

    results = backend.search(SearchQuery(text="玩具"))
    chinese = backend.search(SearchQuery(text="玩具", filters={"origin": "CN"}))

    assert results.facets["origin"] == [("CN", 2), ("DE", 1)]
    assert sorted(titles(chinese)) == ["中国玩具", "另一个中国玩具"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("stroller", {"Baby strollers recalled", "Folding stroller"}),
        ("strollers", {"Baby strollers recalled", "Folding stroller"}),
        ("recall", {"Baby strollers recalled"}),
    ],
)
def test_an_english_word_finds_its_other_forms(
    categories, backend, index_all, query, expected
):
    factories.recall(product="Baby strollers recalled", defect="")
    factories.recall(product="Folding stroller", defect="")
    factories.recall(product="儿童推车", defect="")
    index_all()

    results = backend.search(SearchQuery(text=query))

    assert set(titles(results)) == expected


def test_chinese_words_are_still_found_whole_and_in_part_with_stemming(
    categories, backend, index_all
):
    factories.recall(product="儿童电动玩具 strollers", defect="")
    index_all()

    for text in ("儿童玩具", "电动", "玩", "儿童 stroller"):
        assert titles(backend.search(SearchQuery(text=text))) == [
            "儿童电动玩具 strollers"
        ], text


def test_pages_after_a_sort_key_follow_on_without_repeats(
    categories, backend, index_all
):
    for number in range(7):
        factories.recall(
            product=f"同名玩具 {'玩具 ' * number}",
            recall_date=datetime.date(2025, 1, 1 + number % 3),
        )
    factories.recall(product="没有日期的玩具", recall_date=None)
    index_all()

    for sort in ("relevance", "date"):
        seen, after = [], None
        while True:
            results = backend.search(
                SearchQuery(text="玩具", sort=sort, per_page=3, after=after)
            )
            if not results.hits:
                break
            seen.extend(hit.object_id for hit in results.hits)
            after = results.hits[-1].sort_key
        everything = backend.search(SearchQuery(text="玩具", sort=sort, per_page=50))

        assert seen == [hit.object_id for hit in everything.hits], sort
        assert len(seen) == 8


def test_a_sort_key_of_another_order_is_refused(categories, backend, index_all):
    from search.backends.base import InvalidPosition

    factories.recall(product="玩具")
    index_all()
    relevance_key = backend.search(SearchQuery(text="玩具")).hits[0].sort_key

    with pytest.raises(InvalidPosition):
        backend.search(SearchQuery(text="玩具", sort="date", after=relevance_key))
    with pytest.raises(InvalidPosition):
        backend.search(SearchQuery(text="玩具", after=("r", "x", 1)))


def test_a_locked_database_is_an_unavailable_search_not_a_crash(
    categories, backend, index_all, locked_database
):
    from search.backends.base import SearchUnavailable

    index_all()

    with pytest.raises(SearchUnavailable):
        backend.search(SearchQuery(text="玩具"))
