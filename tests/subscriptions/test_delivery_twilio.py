"""The real twilio client against a loopback server answering as Twilio does,
errors included: what each answer does to the delivery and to the number."""

import logging

import pytest

from subscriptions.models import Delivery, SmsOptOut, Suppression
from tests import factories


@pytest.fixture
def twilio(twilio_recorder, settings):
    settings.HERALD_SEND_RETRY_BASE_SECONDS = 0
    settings.HERALD_TWILIO_TIMEOUT = 0.5
    return twilio_recorder


def _publish(capture, **fields):
    with capture(execute=True):
        return factories.warning(**fields)


@pytest.mark.parametrize("code", [21211, 21614])
def test_an_invalid_number_is_undeliverable_and_never_tried_again(
    code, warning_index, twilio, django_capture_on_commit_callbacks, caplog
):
    person = factories.subscriber(email=False)
    twilio.fail_next(
        400, code, f"The 'To' number {person.phone} is not a valid phone number."
    )

    with caplog.at_level(logging.DEBUG):
        _publish(django_capture_on_commit_callbacks)
    _publish(django_capture_on_commit_callbacks)

    delivery = Delivery.objects.get(subscriber=person)
    assert (delivery.status, delivery.error_code) == ("undeliverable", str(code))
    assert delivery.error_message == (
        "Unable to create record: The 'To' number [number] is not a valid phone number."
    )
    assert delivery.sent_at is None
    assert Suppression.objects.filter(channel="sms", address=person.phone).exists()
    assert len(twilio.requests) == 1
    assert person.phone not in caplog.text
    assert person.phone[1:] not in caplog.text


def test_error_21610_records_the_opt_out_for_this_sender_only(
    warning_index, twilio, django_capture_on_commit_callbacks
):
    person = factories.subscriber(email=False)
    twilio.fail_next(400, 21610, "Attempt to send to unsubscribed recipient")

    _publish(django_capture_on_commit_callbacks)
    _publish(django_capture_on_commit_callbacks)

    delivery = Delivery.objects.get(subscriber=person)
    assert (delivery.status, delivery.error_code) == ("suppressed", "21610")
    assert list(SmsOptOut.objects.values_list("phone", "sender")) == [
        (person.phone, "+15005550006")
    ]
    assert len(twilio.requests) == 1


@pytest.mark.parametrize(
    "answer",
    [(429, 20429, "Too Many Requests"), (503, None, ""), ("hang", None, "")],
    ids=["429", "503", "timeout"],
)
def test_a_busy_or_silent_twilio_is_tried_again_and_the_text_sent_once(
    answer, warning_index, twilio, django_capture_on_commit_callbacks
):
    person = factories.subscriber(email=False)
    status, code, message = answer
    if status == "hang":
        twilio.answers.append(("hang", 1.5))
    else:
        twilio.fail_next(status, code, message)

    _publish(django_capture_on_commit_callbacks)

    delivery = Delivery.objects.get(subscriber=person)
    assert (delivery.status, delivery.attempts) == ("sent", 2)
    assert delivery.provider_id == twilio.sids[0]
    assert len(twilio.requests) == 2
    assert len(twilio.texts_to(person.phone)) == 2
    if status == "hang":
        assert "timed out" in delivery.error_message


def test_twilio_failing_every_try_ends_in_a_recorded_failure(
    warning_index, twilio, settings, django_capture_on_commit_callbacks
):
    settings.HERALD_SEND_MAX_RETRIES = 2
    person = factories.subscriber(email=False)
    for _ in range(5):
        twilio.fail_next(503)

    _publish(django_capture_on_commit_callbacks)

    delivery = Delivery.objects.get(subscriber=person)
    assert (delivery.status, delivery.error_code, delivery.attempts) == (
        "failed",
        "503",
        3,
    )
    assert delivery.error_message.startswith("gave up after 3 attempts")
    assert delivery.sent_at is None
    assert len(twilio.requests) == 3


def test_an_answer_in_the_rfc_9457_form_is_understood_too(
    warning_index, twilio, django_capture_on_commit_callbacks
):
    person = factories.subscriber(email=False)
    twilio.answers.append(
        (
            400,
            {
                "type": "https://www.twilio.com/docs/errors/21211",
                "title": "Invalid 'To' Phone Number",
                "status": 400,
                "code": 21211,
                "detail": f"{person.phone} is not a valid phone number",
            },
        )
    )

    _publish(django_capture_on_commit_callbacks)

    delivery = Delivery.objects.get(subscriber=person)
    assert (delivery.status, delivery.error_code) == ("undeliverable", "21211")
    assert delivery.error_message == "[number] is not a valid phone number"
