"""The public lookup page and its CSV export."""

import csv
import datetime
import io

from django.utils import timezone
from freezegun import freeze_time

from search.params import date_range
from tests import factories


def results_list(response):
    """The list of hits on a search page, without its facets and pager."""
    return response.content.decode().split('class="results"')[1].split("</ol>")[0]


def test_the_page_shows_highlighted_hits_with_facet_links(
    client, categories, index_all
):
    factories.recall(product="儿童电动玩具召回")
    factories.blacklist_entry(company_name="示例玩具厂")
    index_all()

    response = client.get("/search/", {"q": "玩具"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "儿童电动<mark>玩具</mark>召回" in page
    assert 'href="?q=%E7%8E%A9%E5%85%B7&amp;type=blacklist"' in page


def test_a_facet_link_narrows_the_results(client, categories, index_all):
    factories.recall(product="儿童电动玩具召回")
    factories.blacklist_entry(company_name="示例玩具厂")
    index_all()

    response = client.get("/search/", {"q": "玩具", "type": "blacklist"})

    page = response.content.decode()
    assert "示例<mark>玩具</mark>厂" in page
    results = results_list(response)
    assert "召回" not in results


def test_an_empty_result_says_what_to_try(client, categories, index_all):
    index_all()
    client.cookies["django_language"] = "en"

    response = client.get("/search/", {"q": "不存在的东西", "type": "recall"})

    assert "Remove the filters and search everything." in response.content.decode()


def csv_rows(response):
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_the_csv_export_holds_the_whole_result_set(
    client, categories, index_all, monkeypatch
):
    from search import views

    for number in range(25):
        factories.recall(product=f"=玩具 {number}")
    index_all()
    # Whatever one request to the backend may return, the file has it all.
    monkeypatch.setattr(views, "EXPORT_CHUNK", 10)

    response = client.get("/search/export.csv", {"q": "玩具"})

    rows = csv_rows(response)
    assert response["Content-Type"].startswith("text/csv")
    assert rows[0] == ["type", "title", "date", "url", "summary"]
    assert len(rows) == 26
    assert len({row[3] for row in rows[1:]}) == 25
    assert rows[1][1].startswith("'=")  # never run as a spreadsheet formula


def test_the_csv_export_during_an_outage_is_the_apology_page(client, settings, db):
    settings.HERALD_SEARCH_BACKEND = "tests.search.failing.DownBackend"

    response = client.get("/search/export.csv", {"q": "玩具"})

    assert response.status_code == 503
    assert 'href="/recalls/"' in response.content.decode()


def test_an_outage_in_the_middle_of_the_export_says_the_file_is_incomplete(
    client, categories, index_all, settings, monkeypatch
):
    from search import views

    for number in range(5):
        factories.recall(product=f"玩具 {number}")
    index_all()
    monkeypatch.setattr(views, "EXPORT_CHUNK", 2)
    settings.HERALD_SEARCH_BACKEND = "tests.search.failing.FailingAfterFirstSearch"
    client.cookies["django_language"] = "en"

    rows = csv_rows(client.get("/search/export.csv", {"q": "玩具"}))

    assert len(rows) == 1 + 2 + 1
    assert "incomplete" in rows[-1][1]


def test_a_page_past_the_last_shows_the_last_page(client, categories, index_all):
    for number in range(25):
        factories.recall(product=f"玩具 {number}")
    index_all()

    response = client.get("/search/", {"q": "玩具", "page": "999"})

    assert response.status_code == 200
    assert results_list(response).count("<li") == 5
    assert response.context["pages"].number == 2


def test_a_locked_database_shows_the_apology_page(
    client, categories, index_all, locked_database
):
    index_all()

    response = client.get("/search/", {"q": "玩具"})

    assert response.status_code == 503


@freeze_time("2025-03-09 17:30:00")  # 01:30 on 10 March in Shanghai
def test_today_is_the_local_day_not_the_utc_day():
    start, end = date_range({"date": "today"})

    assert start == end == datetime.date(2025, 3, 10)
    assert timezone.localdate() == datetime.date(2025, 3, 10)


def test_an_explicit_range_is_read_and_nonsense_ignored():
    assert date_range({"from": "2025-01-01", "to": "bad"}) == (
        datetime.date(2025, 1, 1),
        None,
    )


def test_a_search_server_outage_shows_a_plain_apology_not_an_error(
    client, settings, db
):
    settings.HERALD_SEARCH_BACKEND = "tests.search.failing.DownBackend"

    response = client.get("/search/", {"q": "玩具"})

    assert response.status_code == 503
    assert 'href="/recalls/"' in response.content.decode()


def test_english_visitors_see_a_warnings_english_title_and_summary(
    client, categories, warning_index, index_all
):
    factories.warning(
        title="儿童滑板车刹车失灵风险警示", title_en="Scooter toy brakes fail"
    )
    index_all()
    client.cookies["django_language"] = "en"

    response = client.get("/search/", {"q": "toy", "type": "warning"})

    results = results_list(response)
    assert "Scooter <mark>toy</mark> brakes fail" in results
    assert "Lithium batteries in some electric <mark>toys</mark> overheat" in results
    assert "滑板车" not in results
    assert "锂电池" not in results


def test_a_warning_without_english_is_shown_in_chinese_to_english_visitors(
    client, categories, warning_index, index_all
):
    factories.warning(title="儿童滑板车刹车失灵风险警示", title_en="", summary_en="")
    index_all()
    client.cookies["django_language"] = "en"

    response = client.get("/search/", {"q": "滑板车", "type": "warning"})

    results = results_list(response)
    assert "儿童<mark>滑板车</mark>刹车失灵风险警示" in results
    assert "部分儿童电动玩具的锂电池" in results


def test_chinese_visitors_see_the_chinese_title_of_a_warning_found_in_english(
    client, categories, warning_index, index_all
):
    factories.warning(
        title="儿童滑板车刹车失灵风险警示", title_en="Scooter toy brakes fail"
    )
    index_all()

    response = client.get("/search/", {"q": "scooter", "type": "warning"})

    results = results_list(response)
    assert "儿童滑板车刹车失灵风险警示" in results
    assert "Scooter" not in results


def test_the_csv_export_is_in_the_visitors_language(
    client, categories, warning_index, index_all
):
    factories.warning(
        title="儿童滑板车刹车失灵风险警示", title_en="Scooter toy brakes fail"
    )
    index_all()
    client.cookies["django_language"] = "en"

    response = client.get("/search/export.csv", {"q": "toy", "type": "warning"})

    rows = csv_rows(response)
    assert rows[1][1] == "Scooter toy brakes fail"
    assert rows[1][4].startswith("Lithium batteries")


def test_a_warning_hit_shows_its_level_and_a_singular_type_label(
    client, categories, warning_index, index_all
):
    factories.warning(level=1)
    factories.recall(product="Electric toy car")
    index_all()
    client.cookies["django_language"] = "en"

    response = client.get("/search/", {"q": "toy"})

    results = results_list(response)
    assert "Level I · particularly serious · red" in results
    assert 'class="level level-1"' in results
    assert '<span class="kind">Warning</span>' in results
    assert '<span class="kind">Recall</span>' in results
    assert "Warnings" not in results and "Recalls" not in results


def test_the_type_label_of_a_hit_is_singular_in_chinese_too(
    client, categories, warning_index, index_all
):
    factories.blacklist_entry(company_name="示例玩具厂")
    index_all()

    response = client.get("/search/", {"q": "玩具"})

    results = results_list(response)
    assert '<span class="kind">黑名单企业</span>' in results
