"""Recall and blacklist registers: check digits, removal, company pages."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from freezegun import freeze_time

from alerts.codes import (
    credit_code_check_character,
    is_valid_credit_code,
    is_valid_gtin,
    validate_gtin,
)
from alerts.models import Company, RecallCompany
from tests import factories


@pytest.mark.parametrize(
    "code", ["6901234567892", "8715658002512", "96385074", "036000291452"]
)
def test_a_gtin_with_the_right_check_digit_is_accepted(code):
    assert is_valid_gtin(code)


@pytest.mark.parametrize("code", ["6901234567893", "871565899960", "12345", "ABC"])
def test_a_wrong_gtin_is_refused_with_what_to_fix(code):
    with pytest.raises(ValidationError):
        validate_gtin(code)


def test_the_credit_code_check_character_follows_gb_32100():
    assert credit_code_check_character("91350100M000100Y4") == "3"
    assert is_valid_credit_code("91350100M000100Y43")
    assert not is_valid_credit_code("91350100M000100Y44")
    assert not is_valid_credit_code("91350100M000100Y4")  # 17 characters
    assert not is_valid_credit_code("91350100I000100Y43")  # I is never used


def test_a_removal_needs_a_reason_and_a_reason_needs_a_date(categories):
    entry = factories.blacklist_entry()

    entry.removed_on = timezone.localdate()
    with pytest.raises(ValidationError, match="why"):
        entry.full_clean()
    entry.removed_on, entry.removal_reason = None, "expiry"
    with pytest.raises(ValidationError, match="date"):
        entry.full_clean()


def test_a_removed_entry_leaves_the_public_list_but_keeps_its_history(
    client, categories
):
    entry = factories.blacklist_entry(company_name="示例移出公司")
    entry.save_revision().publish()

    entry.removed_on = timezone.localdate()
    entry.removal_reason = "credit_repair"
    entry.save_revision().publish()

    assert "示例移出公司" not in client.get("/blacklist/").content.decode()
    assert client.get(f"/blacklist/{entry.pk}/").status_code == 404
    assert entry.revisions.count() == 2


def test_a_company_page_joins_its_recalls_and_blacklist_status(client, categories):
    entry = factories.blacklist_entry(company_name="示例玩具厂")
    factories.recall(product="示例遥控车", companies=["示例玩具厂"])
    factories.recall(product="别家的玩具", companies=["别家公司"])

    page = client.get(f"/companies/{entry.company.pk}/").content.decode()

    assert entry.decision_number in page
    assert "示例遥控车" in page
    assert "别家的玩具" not in page


def test_a_recall_page_shows_remedy_status_barcodes_and_related_warnings(
    client, warning_index
):
    warning = factories.warning(title="遥控车电池警示")
    recall = factories.recall(
        product="示例遥控车",
        barcode="6901234567892",
        other_barcodes="8715658002512",
        remedy="refund",
        status="completed",
    )
    recall.warnings.add(warning)

    page = client.get(f"/recalls/{recall.pk}/").content.decode()

    assert "6901234567892, 8715658002512" in page
    assert "遥控车电池警示" in page
    assert 'href="/warnings/' in page


def test_a_draft_recall_has_no_public_page(client, categories):
    recall = factories.recall(live=False)

    assert client.get(f"/recalls/{recall.pk}/").status_code == 404


def test_a_credit_code_typed_in_lower_case_is_kept_in_upper_case(categories):
    entry = factories.blacklist_entry(credit_code="91330100ma2dem001h")

    entry.refresh_from_db()
    entry.company.refresh_from_db()

    assert entry.credit_code == "91330100MA2DEM001H"
    assert entry.company.credit_code == "91330100MA2DEM001H"
    entry.credit_code = " 91330100ma2dem001h "
    entry.full_clean()
    assert entry.credit_code == "91330100MA2DEM001H"


@freeze_time("2026-03-09 17:30:00")  # 01:30 on 10 March in Shanghai
def test_an_entry_removed_from_a_later_date_stays_listed_until_that_day(
    client, categories
):
    entry = factories.blacklist_entry(
        company_name="示例待移出公司",
        removed_on=datetime.date(2026, 3, 11),
        removal_reason="expiry",
    )

    listed_before = client.get("/blacklist/").content.decode()
    page_before = client.get(f"/blacklist/{entry.pk}/")
    with freeze_time("2026-03-10 16:00:00"):  # 00:00 on 11 March in Shanghai
        listed_on_the_day = client.get("/blacklist/").content.decode()
        page_on_the_day = client.get(f"/blacklist/{entry.pk}/")

    assert "示例待移出公司" in listed_before
    assert page_before.status_code == 200
    assert "2026-03-11" in page_before.content.decode()
    assert "示例待移出公司" not in listed_on_the_day
    assert page_on_the_day.status_code == 404


@freeze_time("2026-03-09 17:30:00")  # 01:30 on 10 March in Shanghai
def test_a_removal_dated_today_in_shanghai_takes_effect_though_utc_is_a_day_behind(
    client, categories
):
    entry = factories.blacklist_entry(
        removed_on=datetime.date(2026, 3, 10), removal_reason="credit_repair"
    )

    assert client.get(f"/blacklist/{entry.pk}/").status_code == 404
    assert not entry.is_listed


def test_recall_and_company_pages_say_what_part_each_company_played(client, categories):
    recall = factories.recall(product="示例滑板车", companies=[])
    importer = Company.objects.create(name="示例进口商")
    maker = Company.objects.create(name="示例制造厂")
    RecallCompany.objects.create(recall=recall, company=importer, role="importer")
    RecallCompany.objects.create(recall=recall, company=maker, role="manufacturer")
    client.cookies["django_language"] = "en"

    recall_page = client.get(f"/recalls/{recall.pk}/").content.decode()
    company_page = client.get(f"/companies/{importer.pk}/").content.decode()

    assert (
        f'<a href="/companies/{importer.pk}/">示例进口商</a> · Importer' in recall_page
    )
    assert f'<a href="/companies/{maker.pk}/">示例制造厂</a> · Manufacturer' in (
        recall_page
    )
    assert "示例滑板车" in company_page
    assert "Role: Importer" in company_page


def test_a_recall_dated_only_by_its_year_shows_the_year_alone(client, categories):
    recall = factories.recall(
        product="示例年份召回",
        recall_date=datetime.date(2022, 1, 1),
        recall_date_precision="year",
    )
    client.cookies["django_language"] = "en"

    page = client.get(f"/recalls/{recall.pk}/").content.decode()
    listing = client.get("/recalls/").content.decode()

    assert "2022-01-01" not in page and "2022-01-01" not in listing
    assert "2022 (year only: the source gives no day)" in page
    assert '<td class="date">2022</td>' in listing
