import re

import pytest

from subscriptions.models import OutboxMessage, Subscriber
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
