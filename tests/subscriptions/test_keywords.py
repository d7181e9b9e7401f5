import pytest
from twilio.request_validator import RequestValidator

from subscriptions.models import SmsOptOut
from tests import factories

AUTH_TOKEN = "inbound-test-token"
OUR_NUMBER = "+15005550006"


@pytest.fixture
def texted(client, settings):
    """Post an inbound text to the webhook, signed as Twilio signs it."""
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN

    def text(phone, body, **extra):
        params = {
            "From": phone,
            "To": OUR_NUMBER,
            "Body": body,
            "MessageSid": "SM" + "0" * 32,
            **extra,
        }
        signature = RequestValidator(AUTH_TOKEN).compute_signature(
            settings.HERALD_BASE_URL + "/webhooks/twilio/inbound", params
        )
        return client.post(
            "/webhooks/twilio/inbound", params, HTTP_X_TWILIO_SIGNATURE=signature
        )

    return text


@pytest.mark.parametrize(
    "body",
    ["STOP", " stop ", "Unsubscribe", "END", "quit", "CANCEL", "退订", "TD", "td", "T"],
)
def test_each_opt_out_word_stops_texts_from_that_sender(texted, db, body):
    subscriber = factories.subscriber(email=False)

    response = texted(subscriber.phone, body)

    assert response.status_code == 200
    assert SmsOptOut.objects.filter(phone=subscriber.phone, sender=OUR_NUMBER).exists()
    subscriber.refresh_from_db()
    assert subscriber.sms_active is False
    assert subscriber.left_at is not None
    assert "START" in response.content.decode()


@pytest.mark.parametrize("body", ["START", "unstop", "订阅"])
def test_each_opt_in_word_lifts_the_opt_out(texted, db, body):
    subscriber = factories.subscriber(email=False)
    texted(subscriber.phone, "STOP")

    response = texted(subscriber.phone, body)

    assert not SmsOptOut.objects.filter(phone=subscriber.phone).exists()
    subscriber.refresh_from_db()
    assert subscriber.sms_active is True
    assert subscriber.left_at is None
    assert "STOP" in response.content.decode()


@pytest.mark.parametrize("body", ["HELP", "help", "帮助"])
def test_help_says_who_we_are_and_how_to_leave(texted, db, settings, body):
    response = texted("+8613800138000", body)

    reply = response.content.decode()
    assert settings.HERALD_AUTHORITY_NAME in reply
    assert "STOP" in reply and "退订" in reply
    assert not SmsOptOut.objects.exists()


@pytest.mark.parametrize("body", ["stop please", "STOPP", "", "t d"])
def test_a_text_that_is_not_exactly_a_keyword_changes_nothing(texted, db, body):
    response = texted("+8613800138000", body)

    assert "<Message>" not in response.content.decode()
    assert not SmsOptOut.objects.exists()


def test_an_opt_out_is_kept_per_sender(texted, db):
    subscriber = factories.subscriber(email=False)

    texted(subscriber.phone, "STOP", MessagingServiceSid="MG" + "1" * 32)

    assert list(SmsOptOut.objects.values_list("sender", flat=True)) == ["MG" + "1" * 32]


def test_an_opt_out_with_email_still_on_is_not_leaving_everything(texted, db):
    subscriber = factories.subscriber(email=True)

    texted(subscriber.phone, "退订")

    subscriber.refresh_from_db()
    assert (subscriber.sms_active, subscriber.email_active) == (False, True)
    assert subscriber.left_at is None


def test_an_unsigned_inbound_text_is_refused(client, db, settings):
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN

    response = client.post(
        "/webhooks/twilio/inbound", {"From": "+8613800138000", "Body": "STOP"}
    )

    assert response.status_code == 403
    assert not SmsOptOut.objects.exists()


def test_the_reply_is_in_the_language_of_the_subscriber(texted, db):
    subscriber = factories.subscriber(email=False, language="en")

    english = texted(subscriber.phone, "HELP").content.decode()

    assert "Text STOP" in english


def test_a_number_texting_help_again_and_again_gets_no_more_replies(
    texted, db, settings
):
    settings.HERALD_SUBSCRIPTION_LIMITS = {"reply": "2/h"}

    replies = [texted("+8613800138000", "HELP").content.decode() for _ in range(3)]
    stop = texted("+8613800138000", "STOP")

    assert ["<Message>" in reply for reply in replies] == [True, True, False]
    assert stop.status_code == 200
    assert SmsOptOut.objects.filter(phone="+8613800138000").exists()
