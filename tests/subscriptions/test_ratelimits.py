import re

import pytest

from subscriptions.models import OutboxMessage, Subscriber
from tests import factories
from tests.conftest import need


@pytest.fixture
def limits(settings):
    def set_limits(**rates):
        settings.HERALD_SUBSCRIPTION_LIMITS = rates

    return set_limits


def test_too_many_requests_from_one_ip_get_a_translated_429_page(
    client, subscribe_form, limits, mailoutbox
):
    limits(ip="3/h")
    for number in range(3):
        client.post("/subscribe/", subscribe_form(email=f"p{number}@example.com"))

    english = client.post(
        "/subscribe/",
        subscribe_form(email="p9@example.com"),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    chinese = client.post("/subscribe/", subscribe_form(email="p9@example.com"))

    assert english.status_code == 429
    assert "Too many requests" in english.content.decode()
    assert chinese.status_code == 429
    assert '<html lang="zh-CN">' in chinese.content.decode()
    assert len(mailoutbox) == 3
    assert not Subscriber.objects.filter(email="p9@example.com").exists()


def test_forms_with_mistakes_do_not_count_against_the_visitors_address(
    client, subscribe_form, limits, mailoutbox
):
    limits(ip="2/h")
    for _attempt in range(5):
        client.post("/subscribe/", subscribe_form(email="not-an-address"))

    response = client.post("/subscribe/", subscribe_form(email="ok@example.com"))

    assert response.status_code == 200
    assert len(mailoutbox) == 1


def test_one_address_gets_only_so_many_messages_whatever_the_ip(
    client, subscribe_form, limits, mailoutbox, freezer_minutes
):
    limits(email="2/h")

    answers = []
    for _ in range(3):
        answers.append(
            client.post(
                "/subscribe/",
                subscribe_form(email="victim@example.com"),
                REMOTE_ADDR=f"10.0.0.{len(answers) + 1}",
            ).status_code
        )
        freezer_minutes(2)

    assert answers == [200, 200, 429]
    assert len(mailoutbox) == 2


def test_one_number_gets_only_so_many_codes(
    client, subscribe_form, limits, freezer_minutes
):
    limits(phone="2/h")

    answers = []
    for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        answers.append(
            client.post(
                "/subscribe/", subscribe_form(phone="13800138000"), REMOTE_ADDR=address
            ).status_code
        )
        freezer_minutes(2)

    assert answers == [200, 200, 429]
    assert OutboxMessage.objects.filter(channel="sms").count() == 2


def test_verification_texts_to_one_country_stop_at_the_daily_cap(
    client, subscribe_form, limits
):
    limits(country="2/d", ip="100/h")
    uk = ["+447911123456", "+447911123457", "+447911123458"]

    answers = [
        client.post("/subscribe/", subscribe_form(phone=number)).status_code
        for number in uk
    ]
    china = client.post("/subscribe/", subscribe_form(phone="13800138000"))

    assert answers == [200, 200, 429]
    assert china.status_code == 200
    assert (
        OutboxMessage.objects.filter(channel="sms", to__startswith="+44").count() == 2
    )


def test_asking_for_new_codes_is_limited_too(client, subscribe_form, limits):
    limits(ip="2/h")
    sent = client.post("/subscribe/", subscribe_form(phone="13800138000"))
    verify = re.search(r'action="(/subscribe/verify/[^"]+)"', sent.content.decode())[1]

    first = client.post(verify, {"resend": "1"})
    second = client.post(verify, {"resend": "1"})

    assert (first.status_code, second.status_code) == (200, 429)


def test_typing_codes_is_limited_per_ip(client, subscribe_form, limits):
    limits(code_ip="3/h")
    sent = client.post("/subscribe/", subscribe_form(phone="13800138000"))
    verify = re.search(r'action="(/subscribe/verify/[^"]+)"', sent.content.decode())[1]

    answers = [client.post(verify, {"code": "000000"}).status_code for _ in range(4)]

    assert answers == [200, 200, 200, 429]


@pytest.mark.integration
def test_limits_are_counted_in_redis_when_it_is_configured(
    client, subscribe_form, settings
):
    need(settings.REDIS_URL, "REDIS_URL is not set")
    import redis

    connection = redis.Redis.from_url(settings.REDIS_URL)
    before = set(connection.scan_iter("herald:*rl:*"))

    client.post("/subscribe/", subscribe_form(phone="13800138000"))

    counters = set(connection.scan_iter("herald:*rl:*")) - before
    assert len(counters) == 3  # this IP, this number, and its country code
    assert not any(b"13800138000" in key for key in counters)


def test_behind_a_proxy_visitors_are_told_apart_by_the_forwarded_address(
    client, subscribe_form, limits, settings
):
    limits(ip="1/h")
    settings.HERALD_TRUSTED_PROXIES = 1

    first = client.post(
        "/subscribe/",
        subscribe_form(email="a@example.com"),
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.7",
    )
    other_visitor = client.post(
        "/subscribe/",
        subscribe_form(email="b@example.com"),
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.8",
    )
    spoofed = client.post(
        "/subscribe/",
        subscribe_form(email="c@example.com"),
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.7",
    )

    assert (first.status_code, other_visitor.status_code) == (200, 200)
    assert spoofed.status_code == 429


def test_an_ipv6_visitor_counts_as_their_whole_slash_64(rf):
    from subscriptions.ratelimits import client_ip

    one = rf.get("/", REMOTE_ADDR="2001:db8:1:2::1")
    same_network = rf.get("/", REMOTE_ADDR="2001:db8:1:2:ffff::9")

    assert client_ip(one) == client_ip(same_network) == "2001:db8:1:2::"


def test_one_address_in_any_case_gets_only_so_many_messages(
    client, subscribe_form, limits, mailoutbox, freezer_minutes
):
    limits(email="2/h")

    answers = []
    for number, spelling in enumerate(
        ("victim@example.com", "Victim@example.com", "VICTIM@example.com"), 1
    ):
        answers.append(
            client.post(
                "/subscribe/",
                subscribe_form(email=spelling),
                REMOTE_ADDR=f"10.0.0.{number}",
            ).status_code
        )
        freezer_minutes(2)

    assert answers == [200, 200, 429]
    assert len(mailoutbox) == 2


def break_the_limits_store(settings):
    """Point the cache that keeps the counts at a closed port: every call
    errs, as while Redis is down. The page cache stays as it is."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.CACHES = {
        **settings.CACHES,
        "ratelimits": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port}/0",
        },
    }


@pytest.fixture
def limits_store_down(settings):
    break_the_limits_store(settings)


def test_while_the_counts_are_unreachable_nothing_is_sent_and_the_page_says_so(
    client, subscribe_form, limits_store_down, mailoutbox, sms_texts
):
    form_page = client.get("/subscribe/")

    by_email = client.post(
        "/subscribe/",
        subscribe_form(email="a@example.com"),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    by_phone = client.post("/subscribe/", subscribe_form(phone="13800138000"))

    assert form_page.status_code == 200
    assert (by_email.status_code, by_phone.status_code) == (429, 429)
    assert "We cannot check our sending limits just now" in by_email.content.decode()
    assert '<html lang="zh-CN">' in by_phone.content.decode()
    assert mailoutbox == [] and sms_texts() == []
    assert not Subscriber.objects.exists()


def test_while_the_counts_are_unreachable_no_new_code_is_sent(
    client, subscribe_form, sms_texts, settings
):
    sent = client.post("/subscribe/", subscribe_form(phone="13800138000"))
    verify = re.search(r'action="(/subscribe/verify/[^"]+)"', sent.content.decode())[1]
    break_the_limits_store(settings)

    again = client.post(verify, {"resend": "1"})
    subscribe_again = client.post("/subscribe/", subscribe_form(phone="13800138000"))

    assert (again.status_code, subscribe_again.status_code) == (429, 429)
    assert len(sms_texts()) == 1


def test_the_resend_rule_refuses_rather_than_allows_when_it_cannot_count(
    db, limits_store_down
):
    from subscriptions import signup
    from subscriptions.ratelimits import RateLimited

    subscriber = factories.subscriber(confirmed=False)

    with pytest.raises(RateLimited) as refused:
        signup.may_resend_code(subscriber, "outbox")

    assert refused.value.scope == "unavailable"


def test_the_daily_cap_of_a_country_is_named_with_its_own_wait(
    client, subscribe_form, limits, freezer_minutes
):
    limits(country="1/d", ip="100/h")
    client.post("/subscribe/", subscribe_form(phone="+447911123456"))

    capped = client.post(
        "/subscribe/",
        subscribe_form(phone="+447911123457"),
        HTTP_ACCEPT_LANGUAGE="en",
    )

    page = capped.content.decode()
    wait = int(capped["Retry-After"])
    assert capped.status_code == 429
    assert "numbers of this country as we may in one day" in page
    assert "in an hour" not in page
    assert 0 < wait <= 24 * 3600
    assert f"Please try again in {wait_in_words(wait)}." in page


def test_an_hourly_limit_is_named_with_the_minutes_left(
    client, subscribe_form, limits, freezer_minutes
):
    limits(email="1/h")
    client.post("/subscribe/", subscribe_form(email="a@example.com"))
    freezer_minutes(2)

    limited = client.post(
        "/subscribe/",
        subscribe_form(email="a@example.com"),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    chinese = client.post("/subscribe/", subscribe_form(email="a@example.com"))

    page = limited.content.decode()
    wait = int(limited["Retry-After"])
    assert limited.status_code == 429
    assert "This email address has had as many messages as we may send" in page
    assert 0 < wait <= 3600
    assert f"Please try again in {wait_in_words(wait)}." in page
    assert "分钟后再试" in chinese.content.decode()


def wait_in_words(seconds):
    from math import ceil

    if seconds > 3600:
        hours = ceil(seconds / 3600)
        return f"{hours} hour" if hours == 1 else f"{hours} hours"
    minutes = ceil(seconds / 60)
    return f"{minutes} minute" if minutes == 1 else f"{minutes} minutes"


@pytest.mark.parametrize(
    ("seconds", "words", "chinese"),
    [
        (30, "1 minute", "1 分钟"),
        (59 * 60 + 1, "60 minutes", "60 分钟"),
        (3600, "60 minutes", "60 分钟"),
        (3601, "2 hours", "2 小时"),
        (23 * 3600 + 1, "24 hours", "24 小时"),
    ],
)
def test_a_wait_is_said_in_minutes_up_to_an_hour_then_in_hours(seconds, words, chinese):
    from django.utils import translation

    from subscriptions.views import wait_in_words as said

    with translation.override("en"):
        english = str(said(seconds))
    with translation.override("zh-hans"):
        in_chinese = str(said(seconds))

    assert (english, in_chinese) == (words, chinese)
