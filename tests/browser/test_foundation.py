"""The main public journey: subscribe, then look up a recall."""

import pytest

from alerts.models import ProductCategory, RecallEntry
from subscriptions.models import OutboxMessage, Subscriber

# The live server answers from another thread, so rows must be committed;
# serialized_rollback brings back the category tree and page tree after.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def recall(db, django_capture_on_commit_callbacks):
    from alerts.signals import public_record_changed

    entry = RecallEntry.objects.create(
        source="test",
        source_id="hc-1",
        product="儿童电动玩具车（充电宝供电）",
        brand="Jetson",
        defect="电池过热，存在起火风险。Battery may overheat.",
        live=True,
    )
    public_record_changed.send(
        RecallEntry, model_label="alerts.recallentry", pk=entry.pk, live=True
    )
    return entry


def test_a_visitor_subscribes_by_email_and_then_finds_a_recall_by_a_chinese_word(
    live_server, browser_page, screenshot, settings, recall
):
    settings.EMAIL_BACKEND = "subscriptions.channels.outbox.OutboxEmailBackend"
    page = browser_page

    page.goto(live_server.url + "/subscribe/")
    page.fill("input[name=email]", "parent@example.com")
    toys = ProductCategory.objects.get(code="toys")
    page.check(f"input[name=categories][value='{toys.pk}']")
    screenshot("subscribe-form")
    page.locator("form button[type=submit]").last.click()

    page.wait_for_selector("[role=status]")
    screenshot("subscribe-sent")
    subscriber = Subscriber.objects.get(email="parent@example.com")
    assert subscriber.email_confirmed_at is None
    assert OutboxMessage.objects.filter(to="parent@example.com").count() == 1

    page.goto(live_server.url + "/search/?q=玩具")
    screenshot("search")
    result = page.locator("ol.results a").first
    assert "儿童电动玩具车" in result.inner_text()
    result.click()
    page.wait_for_url(f"**/recalls/{recall.pk}/")
    assert "Jetson" in page.content()
