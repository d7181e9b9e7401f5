"""Confirmations through the real clients: Django's SMTP backend against a
loopback SMTP server, and the twilio client against a local Twilio API."""

import base64
import re


def test_the_confirmation_email_goes_over_smtp_in_the_chosen_language(
    client, subscribe_form, smtp_server
):
    client.post(
        "/subscribe/", subscribe_form(email="parent@example.com", language="en")
    )

    [raw] = smtp_server.wait_for("parent@example.com")
    message = smtp_server.parse(raw)
    assert "subscription" in message["Subject"]
    assert message.get_body(("plain",)).get_content().count("/subscribe/confirm/") == 1
    assert "/subscribe/confirm/" in message.get_body(("html",)).get_content()


def test_the_code_goes_through_the_twilio_client_from_our_number(
    client, subscribe_form, twilio_recorder, settings
):
    client.post("/subscribe/", subscribe_form(phone="13800138000"))

    [request] = twilio_recorder.requests
    assert request["To"] == "+8613800138000"
    assert request["From"] == settings.TWILIO_FROM
    assert re.search(r"\b\d{6}\b", request["Body"])
    assert request["path"] == (
        f"/2010-04-01/Accounts/{settings.TWILIO_ACCOUNT_SID}/Messages.json"
    )
    user, _, password = (
        base64.b64decode(request["auth"].split()[1]).decode().partition(":")
    )
    assert (user, password) == (settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN)
