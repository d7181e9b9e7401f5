"""Recall and blacklist registers: check digits, removal, company pages."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from alerts.codes import (
    credit_code_check_character,
    is_valid_credit_code,
    is_valid_gtin,
    validate_gtin,
)
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
