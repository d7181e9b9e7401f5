"""Fixtures for the subscription pages: a clean cache (rate limits and the
one-minute resend rule live there) and a way to fill the subscribe form."""

import pytest
from django.core.cache import cache

from alerts.models import ProductCategory


@pytest.fixture(autouse=True)
def clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def subscribe_form(db):
    """Form data as a browser would post it, changed by keyword arguments."""

    def fill(**fields):
        data = {
            "email": "",
            "phone": "",
            "categories": [ProductCategory.objects.get(code="toys").pk],
            "max_level": "4",
            "audience": "public",
            "wants_public_announcements": "on",
            "language": "zh-hans",
            "frequency": "immediate",
            "digest_time": "08:00",
        }
        data.update(fields)
        return {key: value for key, value in data.items() if value is not None}

    return fill


@pytest.fixture
def sms_texts(db):
    """The texts the outbox SMS provider kept, newest last."""
    from subscriptions.models import OutboxMessage

    def texts(to=None):
        messages = OutboxMessage.objects.filter(channel="sms").order_by("id")
        if to:
            messages = messages.filter(to=to)
        return [message.body for message in messages]

    return texts


@pytest.fixture
def freezer_minutes():
    """Move the clock on by some minutes (past the one-minute resend rule).

    The clock starts at a fixed moment: rate-limit windows are aligned to the
    clock, and a start taken from the real time would now and then put a
    window's end between two steps of a test."""
    from datetime import UTC, datetime, timedelta

    from freezegun import freeze_time

    clock = freeze_time(datetime(2026, 6, 1, 10, 0, 5, tzinfo=UTC))
    frozen = clock.start()

    def forward(minutes):
        frozen.tick(timedelta(minutes=minutes))

    yield forward
    clock.stop()


@pytest.fixture
def scripted_sms(settings):
    """SMS through tests/subscriptions/providers.py: each send meets the next
    outcome of `SCRIPT`; retries come at once."""
    from tests.subscriptions import providers

    settings.HERALD_SMS_PROVIDER = "tests.subscriptions.providers.ScriptedSmsProvider"
    settings.HERALD_SEND_RETRY_BASE_SECONDS = 0
    providers.SCRIPT.clear()
    providers.SENT.clear()
    yield providers
    providers.SCRIPT.clear()
    providers.SENT.clear()
