"""Daily digests at the subscriber's local time, each sent once."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time
from twilio.request_validator import RequestValidator

from subscriptions import digests, tasks
from subscriptions.channels.sms import SmsSendError
from subscriptions.models import Delivery, SmsOptOut, Suppression
from tests import factories

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day, hour, minute=0):
    return datetime(2026, 3, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def held_notices(warning_index, django_capture_on_commit_callbacks, mailoutbox):
    reader = factories.subscriber(frequency="daily", phone=None)
    with freeze_time(at(2, 10)), django_capture_on_commit_callbacks(execute=True):
        first = factories.warning(level=4, title="玩具小零件窒息风险")
        second = factories.warning(level=3, title="电暖器过热风险")
    mailoutbox.clear()
    return reader, first, second


def test_nothing_is_sent_before_the_next_morning(held_notices, mailoutbox):
    with freeze_time(at(2, 23, 59)):
        sent = tasks.send_due_digests()

    assert sent == 0
    assert mailoutbox == []


def test_at_eight_the_reader_gets_one_digest_of_every_held_notice(
    held_notices, mailoutbox
):
    reader, first, second = held_notices

    with freeze_time(at(3, 8, 1)):
        sent = tasks.send_due_digests()

    (message,) = mailoutbox
    assert sent == 1
    assert message.to == [reader.email]
    assert "玩具小零件窒息风险" in message.body
    assert "电暖器过热风险" in message.body
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}


def test_a_rerun_of_the_digest_sends_nothing_twice(held_notices, mailoutbox):
    with freeze_time(at(3, 8, 1)):
        tasks.send_due_digests()
    with freeze_time(at(3, 8, 2)):
        again = tasks.send_due_digests()

    assert again == 0
    assert len(mailoutbox) == 1


def test_a_reader_with_their_own_digest_time_waits_for_it(held_notices, mailoutbox):
    reader, *_ = held_notices
    reader.digest_time = "18:30"
    reader.save()

    with freeze_time(at(2, 18, 29)):
        early = tasks.send_due_digests()
    with freeze_time(at(2, 18, 31)):
        on_time = tasks.send_due_digests()

    assert (early, on_time) == (0, 1)


def test_the_digest_time_setting_must_read_as_hours_and_minutes(settings):
    from subscriptions.digests import default_digest_time

    settings.HERALD_DIGEST_TIME = "eight"

    with pytest.raises(ValueError, match="HERALD_DIGEST_TIME must be HH:MM"):
        default_digest_time()


class WorkerKilled(BaseException):
    """What the worker meets when it is killed (not an Exception: nothing
    in the code under test may catch it)."""


def test_a_worker_lost_after_handing_a_digest_over_never_sends_it_twice(
    held_notices, mailoutbox, monkeypatch
):
    handed = digests.send_email

    def hand_over_then_die(*args, **kwargs):
        handed(*args, **kwargs)
        raise WorkerKilled

    monkeypatch.setattr(digests, "send_email", hand_over_then_die)
    with freeze_time(at(3, 8, 1)), pytest.raises(WorkerKilled):
        tasks.send_due_digests()
    monkeypatch.undo()

    with freeze_time(at(3, 8, 10)):
        tasks.sweep_pending_notices()
        again = tasks.send_due_digests()

    assert again == 0
    assert len(mailoutbox) == 1
    assert set(Delivery.objects.values_list("status", "error_code")) == {
        ("sent", "worker_lost")
    }


def test_a_digest_the_server_keeps_deferring_is_retried_with_back_off_then_fails(
    held_notices, smtp_server, settings
):
    reader, *_ = held_notices
    settings.HERALD_SEND_MAX_RETRIES = 2
    settings.HERALD_SEND_RETRY_BASE_SECONDS = 60
    smtp_server.refuse[reader.email] = "451 4.3.0 Try again later"

    def attempts():
        return sorted(set(Delivery.objects.values_list("attempts", flat=True)))

    with freeze_time(at(3, 8, 1)) as clock:
        tasks.send_due_digests()
        first = attempts()
        clock.tick(30)
        tasks.send_due_digests()
        within_back_off = attempts()
        for _minute in range(60):
            clock.tick(60)
            tasks.send_due_digests()

    rows = list(Delivery.objects.values_list("status", "error_code", "error_message"))
    assert (first, within_back_off, attempts()) == ([1], [1], [3])
    assert {(status, code) for status, code, _message in rows} == {("failed", "451")}
    assert all(message.startswith("gave up after 3 attempts") for *_, message in rows)
    assert smtp_server.messages == []


def test_the_digests_of_one_run_share_one_smtp_connection(
    held_notices, smtp_server, django_capture_on_commit_callbacks
):
    other = factories.subscriber(frequency="daily", phone=None)
    with freeze_time(at(2, 11)), django_capture_on_commit_callbacks(execute=True):
        factories.warning(level=4)

    with freeze_time(at(3, 8, 1)):
        sent = tasks.send_due_digests()

    assert sent == 2
    assert sorted(rcpt for rcpts, _raw in smtp_server.messages for rcpt in rcpts) == (
        sorted([held_notices[0].email, other.email])
    )
    assert smtp_server.connections == 1


@pytest.fixture
def held_texts(warning_index, scripted_sms, django_capture_on_commit_callbacks):
    reader = factories.subscriber(frequency="daily", email=False)
    with freeze_time(at(2, 10)), django_capture_on_commit_callbacks(execute=True):
        factories.warning(level=4)
        factories.warning(level=3)
    return reader


def test_an_sms_digest_keeps_twilios_id_and_its_callback_moves_every_notice_in_it(
    held_texts, scripted_sms, client, settings
):
    settings.TWILIO_AUTH_TOKEN = "test-auth-token"
    with freeze_time(at(3, 8, 1)):
        tasks.send_due_digests()
    (sid,) = set(Delivery.objects.values_list("provider_id", flat=True))

    params = {"MessageSid": sid, "MessageStatus": "delivered", "AccountSid": "AC1"}
    signature = RequestValidator("test-auth-token").compute_signature(
        "http://testserver/webhooks/twilio/status", params
    )
    client.post(
        "/webhooks/twilio/status", params, headers={"X-Twilio-Signature": signature}
    )

    assert sid.startswith("SM")
    assert len(scripted_sms.SENT) == 1
    assert list(Delivery.objects.values_list("status", flat=True)) == ["delivered"] * 2


def test_error_21610_on_a_digest_records_the_opt_out(held_texts, scripted_sms):
    scripted_sms.SCRIPT.append(
        SmsSendError("opted out", code=21610, permanent=True, opted_out=True)
    )

    with freeze_time(at(3, 8, 1)):
        tasks.send_due_digests()

    assert SmsOptOut.objects.filter(phone=held_texts.phone, sender="MGtest").exists()
    assert set(Delivery.objects.values_list("status", "error_code")) == {
        ("suppressed", "21610")
    }


def test_an_invalid_number_on_a_digest_is_suppressed_for_later_notices(
    held_texts, scripted_sms
):
    scripted_sms.SCRIPT.append(
        SmsSendError("invalid", code=21211, permanent=True, invalid_number=True)
    )

    with freeze_time(at(3, 8, 1)):
        tasks.send_due_digests()

    assert Suppression.objects.filter(channel="sms", address=held_texts.phone).exists()
    assert set(Delivery.objects.values_list("status", "error_code")) == {
        ("undeliverable", "21211")
    }


def test_an_sms_digest_says_how_to_stop_in_the_readers_language(
    held_texts, scripted_sms
):
    with freeze_time(at(3, 8, 1)):
        tasks.send_due_digests()

    ((_number, body),) = [(sent[0], sent[1]) for sent in scripted_sms.SENT]
    assert body.endswith("回复TD退订")
    assert "/subscriptions/" in body
