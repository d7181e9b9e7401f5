"""Twilio status callbacks: signed, and only ever moving a status forward."""

import pytest
from twilio.request_validator import RequestValidator

from subscriptions import queries
from subscriptions.models import Delivery, PendingStatusCallback
from tests import factories

TOKEN = "test-auth-token"


@pytest.fixture
def sent_sms(warning_index, settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN
    factories.subscriber(email=False)
    page = factories.warning()
    (row_id, _digest), *_ = queries.write_deliveries(page.notices.get())
    queries.claim(row_id)
    queries.advance(row_id, "sent", provider_id="SM" + "a" * 32)
    return Delivery.objects.get(pk=row_id)


def _callback(client, status, sid, signature=None, base="http://testserver"):
    params = {"MessageSid": sid, "MessageStatus": status, "AccountSid": "AC1"}
    url = base + "/webhooks/twilio/status"
    signature = signature or RequestValidator(TOKEN).compute_signature(url, params)
    return client.post(
        "/webhooks/twilio/status", params, headers={"X-Twilio-Signature": signature}
    )


def test_a_signed_delivered_callback_moves_the_delivery_to_delivered(client, sent_sms):
    response = _callback(client, "delivered", sent_sms.provider_id)

    sent_sms.refresh_from_db()
    assert response.status_code == 204
    assert sent_sms.status == "delivered"
    assert sent_sms.delivered_at is not None


def test_a_callback_with_a_bad_signature_is_refused_and_changes_nothing(
    client, sent_sms
):
    response = _callback(client, "delivered", sent_sms.provider_id, signature="bad")

    sent_sms.refresh_from_db()
    assert response.status_code == 403
    assert sent_sms.status == "sent"


def test_sent_arriving_after_delivered_leaves_the_delivery_delivered(client, sent_sms):
    _callback(client, "delivered", sent_sms.provider_id)

    response = _callback(client, "sent", sent_sms.provider_id)

    sent_sms.refresh_from_db()
    assert response.status_code == 204
    assert sent_sms.status == "delivered"


def test_a_terminal_status_never_changes_to_another(client, sent_sms):
    _callback(client, "undelivered", sent_sms.provider_id)

    _callback(client, "delivered", sent_sms.provider_id)

    sent_sms.refresh_from_db()
    assert sent_sms.status == "undeliverable"


def test_behind_a_tls_proxy_the_signature_is_checked_against_the_public_url(
    client, sent_sms, settings
):
    settings.HERALD_BASE_URL = "https://alerts.example.gov.cn"

    signed_for_public = _callback(
        client, "delivered", sent_sms.provider_id, base="https://alerts.example.gov.cn"
    )
    sent_sms.refresh_from_db()

    assert signed_for_public.status_code == 204
    assert sent_sms.status == "delivered"


def test_a_signature_for_the_internal_http_address_is_refused_behind_the_proxy(
    client, sent_sms, settings
):
    settings.HERALD_BASE_URL = "https://alerts.example.gov.cn"

    response = _callback(client, "delivered", sent_sms.provider_id)

    assert response.status_code == 403


def test_a_callback_that_comes_before_the_id_is_stored_is_applied_by_the_sweeper(
    client, warning_index, settings
):
    from subscriptions import tasks

    settings.TWILIO_AUTH_TOKEN = TOKEN
    row_id = factories.sms_delivery()
    queries.claim(row_id)
    queries.mark_handed(row_id)
    sid = "SM" + "b" * 32

    early = _callback(client, "delivered", sid)
    queries.record_sent(row_id, sid)
    tasks.sweep_pending_notices()

    delivery = Delivery.objects.get(pk=row_id)
    assert early.status_code == 204
    assert delivery.status == "delivered"
    assert not PendingStatusCallback.objects.exists()


def test_a_callback_for_an_id_never_stored_is_forgotten_after_a_day(
    client, warning_index, settings
):
    from django.utils import timezone
    from freezegun import freeze_time

    from subscriptions import tasks

    settings.TWILIO_AUTH_TOKEN = TOKEN
    _callback(client, "delivered", "SM" + "c" * 32)

    with freeze_time(timezone.now() + timezone.timedelta(hours=23)):
        tasks.sweep_pending_notices()
    kept = PendingStatusCallback.objects.count()
    with freeze_time(timezone.now() + timezone.timedelta(hours=25)):
        tasks.sweep_pending_notices()

    assert (kept, PendingStatusCallback.objects.count()) == (1, 0)
