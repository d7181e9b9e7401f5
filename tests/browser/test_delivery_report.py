"""Staff follow a notice's delivery in the admin: counts, timing, the chart,
the failures, a retry and the CSV export."""

import csv
import io

import pytest

from subscriptions.models import Delivery
from tests import factories
from tests.browser import admin
from tests.browser.reseed import reseed_after_flush

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_staff_read_a_notices_delivery_retry_the_failed_and_export_it(
    live_server, browser_page, screenshot, admin_user
):
    reseed_after_flush()
    people = [factories.subscriber(phone=None) for _ in range(3)]
    warning = factories.warning(level=2, title="儿童电动玩具过热")
    notice = warning.notices.get()
    Delivery.objects.filter(subscriber=people[0]).update(
        status="failed", error_code="550", error_message="mailbox unavailable"
    )

    page = browser_page
    admin.log_in(page, live_server.url, "admin", "password")

    # From the admin menu to the list of notices, then to this one.
    page.click("a[href$='/admin/notices/']")
    page.wait_for_url("**/admin/notices/")
    page.click(f"a[href$='/admin/notices/{notice.pk}/deliveries/']")
    page.wait_for_url(f"**/admin/notices/{notice.pk}/deliveries/")
    counts = page.locator("#delivery-counts")
    counts.wait_for()
    assert page.locator("figure svg rect").count() >= 1
    failed = page.locator("#failed-deliveries")
    assert "mailbox unavailable" in failed.inner_text()
    screenshot("report")

    # The retry sends the failed delivery again.
    page.click("form[action$='/deliveries/retry/'] button")
    page.wait_for_url(f"**/admin/notices/{notice.pk}/deliveries/")
    assert page.locator("#failed-deliveries").count() == 0
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}
    screenshot("after-retry")

    with page.expect_download() as download:
        page.click("a[href$='/deliveries.csv']")
    rows = list(
        csv.DictReader(
            io.StringIO(open(download.value.path(), encoding="utf-8").read())
        )
    )
    assert len(rows) == 3
    assert {row["status"] for row in rows} == {"sent"}
