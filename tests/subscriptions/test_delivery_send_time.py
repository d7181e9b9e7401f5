"""What was matched is checked again when it is sent: nobody who left, or
switched a channel off, or texted STOP, or was erased or suppressed after
matching gets the message."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from subscriptions import privacy, queries, tasks
from subscriptions.channels.sms import SmsSendError
from subscriptions.models import Delivery, OutboxMessage, SmsOptOut, Suppression
from subscriptions.tokens import manage_token
from tests import factories


def _matched_sms(person):
    """A published warning whose SMS to `person` is matched but not sent."""
    page = factories.warning()  # on-commit dispatch never runs here
    queries.write_deliveries(page.notices.get())
    return Delivery.objects.get(subscriber=person, channel="sms")


def _one_click_unsubscribe(client, person):
    client.post(f"/unsubscribe/{manage_token(person)}/")


def _switch_sms_off(client, person):
    person.sms_active = False
    person.save()


def _text_stop(client, person):
    SmsOptOut.objects.create(phone=person.phone, sender="outbox")


def _erase(client, person):
    privacy.erase_subscriber(person.pk)


def _suppress(client, person):
    Suppression.objects.create(channel="sms", address=person.phone, reason="test")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (_one_click_unsubscribe, "left"),
        (_switch_sms_off, "channel_off"),
        (_text_stop, "opted_out"),
        (_erase, "erased"),
        (_suppress, "suppressed"),
    ],
)
def test_a_message_matched_before_the_subscriber_changed_their_mind_is_not_sent(
    change, reason, warning_index, client
):
    person = factories.subscriber(email=False)
    delivery = _matched_sms(person)

    change(client, person)
    sent = tasks.send_deliveries([delivery.pk])

    delivery.refresh_from_db()
    assert sent == 0
    assert (delivery.status, delivery.error_code) == ("suppressed", reason)
    assert delivery.error_message.startswith("not sent:")
    assert (delivery.sent_at, delivery.claimed_at) == (None, None)
    assert not OutboxMessage.objects.filter(channel="sms").exists()


def test_a_stop_sent_to_another_sender_does_not_stop_the_message(
    warning_index, sms_texts
):
    person = factories.subscriber(email=False)
    delivery = _matched_sms(person)
    SmsOptOut.objects.create(phone=person.phone, sender="+15005550006")

    tasks.send_deliveries([delivery.pk])

    delivery.refresh_from_db()
    assert delivery.status == "sent"
    assert len(sms_texts(person.phone)) == 1


def test_a_retry_due_after_the_subscriber_left_sends_nothing(
    warning_index, client, scripted_sms, queued_chunks
):
    scripted_sms.SCRIPT.append(SmsSendError("timeout", code="network"))
    person = factories.subscriber(email=False)
    delivery = _matched_sms(person)
    tasks.send_deliveries([delivery.pk])

    _one_click_unsubscribe(client, person)
    tasks.send_deliveries(queued_chunks[0])

    delivery.refresh_from_db()
    assert queued_chunks == [[delivery.pk]]
    assert (delivery.status, delivery.error_code) == ("suppressed", "left")
    assert delivery.attempts == 1
    assert scripted_sms.SENT == []


SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_an_unsubscribe_at_noon_stops_the_next_mornings_digest(
    warning_index, client, django_capture_on_commit_callbacks, mailoutbox
):
    reader = factories.subscriber(frequency="daily", phone=None)
    with (
        freeze_time(datetime(2026, 3, 2, 10, tzinfo=SHANGHAI)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        factories.warning(level=4)
    with freeze_time(datetime(2026, 3, 2, 12, tzinfo=SHANGHAI)):
        _one_click_unsubscribe(client, reader)
    mailoutbox.clear()

    with freeze_time(datetime(2026, 3, 3, 8, 1, tzinfo=SHANGHAI)):
        sent = tasks.send_due_digests()

    held = Delivery.objects.get(subscriber=reader)
    assert sent == 0
    assert mailoutbox == []
    assert (held.status, held.error_code) == ("suppressed", "left")


def test_a_stop_texted_before_the_digest_suppresses_the_sms_digest(
    warning_index, django_capture_on_commit_callbacks, sms_texts
):
    reader = factories.subscriber(frequency="daily", email=False)
    with (
        freeze_time(datetime(2026, 3, 2, 10, tzinfo=SHANGHAI)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        factories.warning(level=3)
        factories.warning(level=4)
    SmsOptOut.objects.create(phone=reader.phone, sender="outbox")

    with freeze_time(datetime(2026, 3, 3, 8, 1, tzinfo=SHANGHAI)):
        sent = tasks.send_due_digests()

    assert sent == 0
    assert sms_texts(reader.phone) == []
    assert set(
        Delivery.objects.filter(subscriber=reader).values_list("status", "error_code")
    ) == {("suppressed", "opted_out")}
