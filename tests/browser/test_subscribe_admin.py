"""Staff look a subscriber up in the admin, and read the counts."""

import pytest

from tests import factories
from tests.browser import admin
from tests.browser.reseed import reseed_after_flush

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_staff_find_a_subscriber_by_number_and_unsubscribe_them(
    live_server, browser_page, screenshot, admin_user
):
    reseed_after_flush()
    wanted = factories.subscriber(categories=("toys",))
    factories.subscriber(categories=("cosmetics",), email=False)
    page = browser_page
    admin.log_in(page, live_server.url, "admin", "password")

    page.goto(
        live_server.url
        + f"/admin/snippets/subscriptions/subscriber/?q={wanted.phone[-8:]}"
    )
    screenshot("search")
    assert page.locator(f"text=Subscriber {wanted.pk}").count() >= 1

    page.goto(
        live_server.url
        + f"/admin/snippets/subscriptions/subscriber/inspect/{wanted.pk}/"
    )
    page.check("input[name=suppress]")
    page.fill("input[name=reason]", "550 mailbox unavailable")
    screenshot("inspect")
    page.click("form[action$='/unsubscribe/'] button[type=submit]")
    page.wait_for_load_state()
    wanted.refresh_from_db()
    assert wanted.left_at is not None

    page.goto(live_server.url + "/admin/subscriber-tools/counts/")
    screenshot("counts")
    assert page.locator("table.listing tbody tr").count() > 10
