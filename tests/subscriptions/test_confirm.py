import re
from datetime import timedelta

from freezegun import freeze_time

from subscriptions.models import Subscriber


def link_in(text, prefix):
    return re.search(rf"http://testserver({prefix}[^\s\"<]+)", text).group(1)


def code_in(text):
    return re.search(r"\b(\d{6})\b", text).group(1)


def verify_link(response):
    return re.search(r'action="(/subscribe/verify/[^"]+)"', response.content.decode())[
        1
    ]


def test_the_email_link_asks_for_a_click_and_the_click_confirms(
    client, subscribe_form, mailoutbox
):
    client.post("/subscribe/", subscribe_form(email="a@example.com"))
    link = link_in(mailoutbox[0].body, "/subscribe/confirm/")

    shown = client.get(link)
    head = client.head(link)
    after_get = Subscriber.objects.get().email_confirmed_at
    confirmed = client.post(link)

    assert shown.status_code == head.status_code == 200
    assert after_get is None
    assert confirmed.status_code == 200
    assert Subscriber.objects.get().email_confirmed_at is not None
    assert "/subscriptions/" in confirmed.content.decode()


def test_the_email_link_works_for_seven_days_and_not_a_second_longer(
    client, subscribe_form, mailoutbox
):
    with freeze_time("2026-06-01 10:00:00") as clock:
        client.post("/subscribe/", subscribe_form(email="a@example.com"))
        link = link_in(mailoutbox[0].body, "/subscribe/confirm/")

        clock.tick(timedelta(days=6, hours=23, minutes=59))
        still_valid = client.get(link)
        clock.tick(timedelta(minutes=1, seconds=1))
        expired = client.post(link)

    assert still_valid.status_code == 200
    assert 'method="post"' in still_valid.content.decode()
    assert expired.status_code == 400
    assert Subscriber.objects.get().email_confirmed_at is None


def test_the_email_link_confirms_on_its_last_day(client, subscribe_form, mailoutbox):
    with freeze_time("2026-06-01 10:00:00") as clock:
        client.post("/subscribe/", subscribe_form(email="a@example.com"))
        link = link_in(mailoutbox[0].body, "/subscribe/confirm/")

        clock.tick(timedelta(days=6, hours=23, minutes=59))
        response = client.post(link)

    assert response.status_code == 200
    assert Subscriber.objects.get().email_confirmed_at is not None


def test_the_sms_code_confirms_the_number_and_opens_the_manage_page(
    client, subscribe_form, sms_texts
):
    sent = client.post("/subscribe/", subscribe_form(phone="13800138000"))
    verify = verify_link(sent)

    response = client.post(verify, {"code": code_in(sms_texts()[0])})

    assert response.status_code == 302
    assert response["Location"].startswith("/subscriptions/")
    assert Subscriber.objects.get().phone_confirmed_at is not None


def test_a_wrong_code_is_refused_and_the_sixth_try_fails_even_when_right(
    client, subscribe_form, sms_texts
):
    verify = verify_link(
        client.post("/subscribe/", subscribe_form(phone="13800138000"))
    )
    code = code_in(sms_texts()[0])
    wrong = f"{(int(code) + 1) % 10**6:06d}"

    answers = [
        client.post(verify, {"code": wrong}, HTTP_ACCEPT_LANGUAGE="en")
        for _ in range(5)
    ]
    last = client.post(verify, {"code": code}, HTTP_ACCEPT_LANGUAGE="en")

    assert "That code is not right" in answers[0].content.decode()
    assert "Too many wrong tries" in last.content.decode()
    assert Subscriber.objects.get().phone_confirmed_at is None


def test_a_code_expires_after_ten_minutes(client, subscribe_form, sms_texts):
    with freeze_time("2026-06-01 10:00:00") as clock:
        verify = verify_link(
            client.post("/subscribe/", subscribe_form(phone="13800138000"))
        )
        code = code_in(sms_texts()[0])

        clock.tick(timedelta(minutes=10, seconds=1))
        response = client.post(verify, {"code": code}, HTTP_ACCEPT_LANGUAGE="en")

    assert "expired" in response.content.decode()
    assert Subscriber.objects.get().phone_confirmed_at is None


def test_a_code_still_confirms_a_second_before_its_ten_minutes_are_up(
    client, subscribe_form, sms_texts
):
    with freeze_time("2026-06-01 10:00:00") as clock:
        verify = verify_link(
            client.post("/subscribe/", subscribe_form(phone="13800138000"))
        )
        code = code_in(sms_texts()[0])

        clock.tick(timedelta(minutes=9, seconds=59))
        response = client.post(verify, {"code": code})

    assert response.status_code == 302
    assert Subscriber.objects.get().phone_confirmed_at is not None


def test_a_new_code_replaces_the_old_one_but_not_within_a_minute(
    client, subscribe_form, sms_texts
):
    with freeze_time("2026-06-01 10:00:00") as clock:
        verify = verify_link(
            client.post("/subscribe/", subscribe_form(phone="13800138000"))
        )
        client.post(verify, {"resend": "1"})
        within_a_minute = len(sms_texts())
        clock.tick(61)
        client.post(verify, {"resend": "1"})
        old, new = code_in(sms_texts()[0]), code_in(sms_texts()[1])

        client.post(verify, {"code": old})
        confirmed_by_old = Subscriber.objects.get().phone_confirmed_at
        confirmed = client.post(verify, {"code": new})

    assert within_a_minute == 1
    assert len(sms_texts()) == 2
    assert old == new or confirmed_by_old is None
    assert confirmed.status_code == 302
