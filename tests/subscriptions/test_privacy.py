import logging
import re
from datetime import timedelta

from django.test import Client
from django.utils import timezone
from freezegun import freeze_time

from subscriptions.logfilters import RedactSubscriberLinks
from subscriptions.models import (
    OutboxMessage,
    PhoneVerification,
    RecipientList,
    SmsOptOut,
    Subscriber,
)
from subscriptions.privacy import erase_departed_subscribers
from subscriptions.tokens import manage_token
from tests import factories


def test_a_subscriber_who_left_is_erased_after_thirty_days_and_not_before(db):
    with freeze_time("2026-03-01 12:00:00"):
        departed = factories.subscriber()
        staying = factories.subscriber()
        Client().post(f"/unsubscribe/{manage_token(departed)}/")
        OutboxMessage.objects.create(channel="sms", to=departed.phone, body="code")

    with freeze_time("2026-03-31 11:59:00"):
        too_soon = erase_departed_subscribers()
    with freeze_time("2026-03-31 12:01:00"):
        erased = erase_departed_subscribers()
        again = erase_departed_subscribers()

    departed.refresh_from_db()
    staying.refresh_from_db()
    assert (too_soon, erased, again) == (0, 1, 0)
    assert (departed.email, departed.phone) == (None, None)
    assert departed.erased_at is not None
    assert not departed.categories.exists()
    assert not OutboxMessage.objects.filter(to__startswith="+86").exists()
    assert staying.email and staying.erased_at is None


def test_a_never_confirmed_signup_is_erased_after_thirty_days_but_port_contacts_stay(
    client, subscribe_form, sms_texts
):
    with freeze_time("2026-03-01 12:00:00"):
        client.post("/subscribe/", subscribe_form(phone="13800138000"))
        port_contact = factories.subscriber(confirmed=False, audience="port")
        RecipientList.objects.create(name="上海港").members.add(port_contact)

    with freeze_time("2026-04-01 12:00:00"):
        erase_departed_subscribers()

    pending = Subscriber.objects.exclude(pk=port_contact.pk).get()
    assert pending.phone is None and pending.erased_at is not None
    assert not PhoneVerification.objects.exists()
    assert Subscriber.objects.get(pk=port_contact.pk).email


def test_an_opt_out_outlives_erasure_so_the_number_stays_silent(db):
    with freeze_time("2026-03-01 12:00:00"):
        subscriber = factories.subscriber(email=False)
        SmsOptOut.objects.create(phone=subscriber.phone, sender="outbox")
        subscriber.left_at = timezone.now()
        subscriber.save()

    with freeze_time("2026-03-01 12:00:00") as clock:
        clock.tick(timedelta(days=31))
        erase_departed_subscribers()

    assert SmsOptOut.objects.filter(sender="outbox").exists()


def test_logs_hold_no_address_and_no_token(
    client, subscribe_form, sms_texts, mailoutbox, caplog
):
    caplog.set_level(logging.DEBUG)
    client.post(
        "/subscribe/",
        subscribe_form(email="secret.person@example.com", phone="13800138000"),
    )
    verify = re.search(
        r'action="(/subscribe/verify/[^"]+)"',
        client.post(
            "/subscribe/", subscribe_form(phone="13800138000")
        ).content.decode(),
    )[1]
    code = re.search(r"\d{6}", sms_texts()[0])[0]
    client.post(verify, {"code": code})
    link = re.search(r"/subscribe/confirm/[^\s]+", mailoutbox[0].body)[0]
    client.post(link)
    subscriber = Subscriber.objects.get()
    token = manage_token(subscriber)
    Client().post(f"/unsubscribe/{token}/")

    # What the console handler writes: each record through its filter.
    redact = RedactSubscriberLinks()
    client.get(f"/subscriptions/{token}/")  # Django logs "Not Found: <path>"
    logged = "\n".join(
        record.getMessage()
        + repr({k: v for k, v in vars(record).items() if k not in ("request", "msg")})
        for record in caplog.records
        if redact.filter(record)
    )
    assert "Not Found: /subscriptions/[token]/" in logged
    for secret in (
        "secret.person",
        "13800138000",
        code,
        token,
        verify.split("/")[3],
        link.split("/")[3],
    ):
        assert secret not in logged
