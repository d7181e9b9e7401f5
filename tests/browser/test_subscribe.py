"""Subscribing, confirming, managing and leaving, in headless Chromium,
with the confirmation read from a real SMTP server and the code from the
request the twilio client sent."""

import re
import urllib.request
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from twilio.request_validator import RequestValidator

from alerts.models import ProductCategory
from subscriptions.models import SmsOptOut, Subscriber
from subscriptions.tokens import manage_token, subscriber_for_manage_token
from tests import factories
from tests.browser.reseed import reseed_after_flush

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def site(live_server, settings):
    """Links in messages point at the live server; rate limits start afresh."""
    settings.HERALD_BASE_URL = live_server.url
    cache.clear()
    reseed_after_flush()
    yield live_server.url
    cache.clear()


def category(code):
    return ProductCategory.objects.get(code=code)


def submit(page):
    page.click("form.subscription button[type=submit]")


def test_a_visitor_subscribes_by_email_confirms_by_the_link_and_changes_choices(
    site, browser_page, screenshot, smtp_server
):
    page = browser_page
    page.goto(site + "/subscribe/")
    page.fill("input[name=email]", "parent@example.com")
    page.check(f"input[name=categories][value='{category('toys').pk}']")
    page.check("input[name=max_level][value='2']")
    screenshot("form")
    submit(page)
    page.wait_for_selector("[role=status]")
    screenshot("sent")

    [raw] = smtp_server.wait_for("parent@example.com")
    text = smtp_server.parse(raw).get_body(("plain",)).get_content()
    link = re.search(r"http://\S+/subscribe/confirm/\S+", text)[0]
    page.goto(link)
    screenshot("confirm")
    page.click("main form button[type=submit]")
    page.wait_for_selector("[role=status]")
    screenshot("confirmed")

    subscriber = Subscriber.objects.get(email="parent@example.com")
    assert subscriber.email_confirmed_at is not None
    assert subscriber.max_level == 2
    assert [c.code for c in subscriber.categories.all()] == ["toys"]

    page.click("main a[href^='/subscriptions/']")
    page.check(f"input[name=categories][value='{category('cosmetics').pk}']")
    page.check("input[name=frequency][value='daily']")
    page.select_option("select[name=digest_time]", "20:00")
    submit(page)
    page.wait_for_selector(".messages")
    screenshot("managed")

    subscriber.refresh_from_db()
    assert set(subscriber.categories.values_list("code", flat=True)) == {
        "toys",
        "cosmetics",
    }
    assert subscriber.frequency == "daily"
    assert subscriber.digest_time.hour == 20
    assert len(smtp_server.messages) == 1


def inbound_text(site, phone, body, auth_token, to):
    """Post a text to the inbound webhook as Twilio would, signed."""
    params = {"From": phone, "To": to, "Body": body, "MessageSid": "SM" + "2" * 32}
    url = site + "/webhooks/twilio/inbound"
    signature = RequestValidator(auth_token).compute_signature(url, params)
    request = urllib.request.Request(
        url,
        data=urlencode(params).encode(),
        headers={"X-Twilio-Signature": signature},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.read().decode()


def test_a_visitor_subscribes_by_sms_with_the_code_then_leaves_by_texting_stop(
    site, browser_page, screenshot, twilio_recorder, settings
):
    page = browser_page
    page.goto(site + "/subscribe/")
    page.fill("input[name=phone]", "138 0013 8000")
    page.check(f"input[name=categories][value='{category('electrical').pk}']")
    submit(page)
    page.wait_for_selector("input[name=code]")
    screenshot("code-asked")

    [request] = twilio_recorder.requests
    assert request["To"] == "+8613800138000"
    code = re.search(r"\b(\d{6})\b", request["Body"])[1]
    page.fill("input[name=code]", code)
    page.click("main form button[type=submit] >> nth=0")
    page.wait_for_url("**/subscriptions/**")
    screenshot("confirmed")

    subscriber = Subscriber.objects.get(phone="+8613800138000")
    assert subscriber.phone_confirmed_at is not None

    status, reply = inbound_text(
        site,
        "+8613800138000",
        "退订",
        settings.TWILIO_AUTH_TOKEN,
        settings.TWILIO_FROM,
    )
    subscriber.refresh_from_db()
    assert status == 200 and "<Message>" in reply
    assert subscriber.left_at is not None
    assert SmsOptOut.objects.filter(
        phone="+8613800138000", sender=settings.TWILIO_FROM
    ).exists()

    page.goto(site + "/subscribe/")
    page.fill("input[name=phone]", "13800138000")
    page.check(f"input[name=categories][value='{category('electrical').pk}']")
    submit(page)
    page.wait_for_selector("[role=alert]")
    screenshot("opted-out")
    assert "START" in page.inner_text("main")
    assert len(twilio_recorder.requests) == 1


@pytest.fixture
def notice_email(smtp_server):
    """A confirmed subscriber with a long manage key, and the raw notice
    email the pipeline sent them over SMTP."""
    subscriber = factories.subscriber(
        email=True, phone=False, categories=("toys",), manage_key="k" * 64
    )
    factories.warning(categories=("toys-electric",))
    [raw] = smtp_server.wait_for(subscriber.email)
    return subscriber, raw


def test_a_long_tokens_list_unsubscribe_header_arrives_unencoded_on_one_line(
    site, notice_email
):
    subscriber, raw = notice_email

    header_lines = sorted(
        line.rstrip(b"\r")
        for line in raw.split(b"\n")
        if line.lower().startswith(b"list-unsub")
    )

    post, unsubscribe = header_lines
    assert post == b"List-Unsubscribe-Post: List-Unsubscribe=One-Click"
    prefix = f"List-Unsubscribe: <{site}/unsubscribe/".encode()
    assert unsubscribe.startswith(prefix) and unsubscribe.endswith(b"/>")
    token = unsubscribe[len(prefix) : -2].decode("ascii")
    assert len(unsubscribe) > 150
    assert subscriber_for_manage_token(token) == subscriber


def test_a_subscriber_leaves_by_the_one_click_post_after_a_get_changed_nothing(
    site, browser_page, screenshot, smtp_server, notice_email
):
    subscriber, raw = notice_email
    message = smtp_server.parse(raw)
    unsubscribe_url = str(message["List-Unsubscribe"]).strip().strip("<>")
    # A token carries the second it was signed in, so compare what it names.
    assert unsubscribe_url.startswith(site + "/unsubscribe/")
    assert subscriber_for_manage_token(unsubscribe_url.split("/")[-2]) == subscriber
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    page = browser_page
    page.goto(unsubscribe_url)
    screenshot("confirm-page")
    subscriber.refresh_from_db()
    assert subscriber.left_at is None and subscriber.email_active

    request = urllib.request.Request(
        unsubscribe_url, data=b"List-Unsubscribe=One-Click", method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
    subscriber.refresh_from_db()
    assert subscriber.left_at is not None and not subscriber.email_active

    page.goto(unsubscribe_url)
    screenshot("stale-link")
    assert "not valid" in page.inner_text("main") or "无效" in page.inner_text("main")


def test_a_subscriber_leaves_by_the_button_of_the_page_their_email_links_to(
    site, browser_page, screenshot, smtp_server, notice_email
):
    subscriber, raw = notice_email
    unsubscribe_url = (
        str(smtp_server.parse(raw)["List-Unsubscribe"]).strip().strip("<>")
    )

    page = browser_page
    page.goto(unsubscribe_url)
    screenshot("confirm-page")
    subscriber.refresh_from_db()
    assert subscriber.left_at is None
    page.click("main form button[type=submit]")
    page.wait_for_selector("[role=status]")
    screenshot("unsubscribed")

    subscriber.refresh_from_db()
    assert subscriber.left_at is not None
    assert not subscriber.email_active and not subscriber.sms_active
    assert page.url == unsubscribe_url
    page.goto(unsubscribe_url)
    assert "此链接无效" in page.inner_text("main")


def test_a_subscriber_deletes_everything_from_the_manage_page(
    site, browser_page, screenshot
):
    subscriber = factories.subscriber()
    page = browser_page
    page.goto(site + f"/subscriptions/{manage_token(subscriber)}/")
    screenshot("manage")

    page.click("main a[href$='/delete/']")
    screenshot("delete-confirm")
    page.click("main form button[type=submit]")
    page.wait_for_selector("[role=status]")
    screenshot("deleted")

    subscriber.refresh_from_db()
    assert (subscriber.email, subscriber.phone) == (None, None)
    assert subscriber.erased_at is not None
