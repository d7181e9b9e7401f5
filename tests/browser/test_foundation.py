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


def test_an_editor_publishes_a_warning_and_outbox_list_feed_and_search_all_show_it(
    live_server, browser_page, screenshot, settings, django_user_model
):
    import re

    import feedparser

    from tests import factories
    from tests.browser import admin

    settings.EMAIL_BACKEND = "subscriptions.channels.outbox.OutboxEmailBackend"
    settings.HERALD_SMS_PROVIDER = "subscriptions.channels.sms.OutboxSmsProvider"
    page = browser_page
    base = live_server.url
    factories.warning_index()
    parent = factories.subscriber(categories=("toys",))
    cook = factories.subscriber(categories=("food",))
    django_user_model.objects.create_superuser("editor", "e@example.com", "pass-1")

    # Given an editor logged in to the admin, writing a level III warning
    admin.log_in(page, base, "editor", "pass-1")
    index = factories.warning_index()
    magnets = ProductCategory.objects.get(code="toys-magnetic")
    page.goto(f"{base}/admin/pages/add/alerts/warningpage/{index.pk}/")
    page.fill("#id_title", "磁力积木玩具吞食风险警示")
    page.fill("#id_title_en", "Magnetic building toys: swallowing hazard")
    page.select_option("#id_level", "3")
    page.select_option("#id_kind", "public_announcement")
    page.fill(
        "#id_summary_zh", "部分磁力积木玩具的小磁铁易脱落，儿童误吞可致肠道损伤。"
    )
    page.fill("#id_summary_en", "Small magnets can come loose and hurt a child.")
    page.select_option("#id_categories", str(magnets.pk))
    page.fill("#id_sms_text", "部分磁力积木玩具磁铁易脱落，请停止使用。")

    # When it is published
    page.locator(".w-dropdown-button .w-dropdown__toggle").first.click()
    page.locator("button[name=action-publish]").click()
    page.wait_for_url(re.compile(r".*/admin/pages/\d+/$"))

    # Then the admin's outbox holds the email and the SMS to the toy parent
    page.goto(f"{base}/admin/snippets/subscriptions/outboxmessage/")
    screenshot("outbox")
    outbox = page.locator("main").inner_text()
    sent_to = set(OutboxMessage.objects.values_list("to", flat=True))
    assert {parent.email, parent.phone} <= sent_to
    assert cook.email not in sent_to and cook.phone not in sent_to
    assert "磁力积木玩具吞食风险警示" in outbox

    # and the public list, the RSS feed and the search all show the warning
    page.goto(f"{base}/warnings/")
    assert "磁力积木玩具吞食风险警示" in page.locator("main").inner_text()
    feed = feedparser.parse(page.request.get(f"{base}/feeds/warnings.rss").body())
    assert not feed.bozo
    assert any("磁力积木玩具吞食风险警示" in e.title for e in feed.entries)
    page.goto(f"{base}/search/?q=磁力积木")
    screenshot("search-new-warning")
    assert "磁力积木玩具吞食风险警示" in page.locator("ol.results").inner_text()
