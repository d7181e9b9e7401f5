"""Fixtures shared by every test folder."""

import os
from pathlib import Path

import pytest

from . import factories

SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def services_required():
    return os.environ.get("REQUIRE_SERVICES") == "1"


def need(condition, reason):
    """Skip when a service or file is missing, or fail under REQUIRE_SERVICES=1."""
    if condition:
        return
    if services_required():
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven by Playwright, for the session."""
    need(Path(CHROMIUM).exists(), f"Chromium is not at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the tests'
    # database calls from the same thread are deliberate.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def shared_data():
    need(SHARED_DATA.is_dir(), f"the shared test data is not at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture
def categories(db):
    return factories.categories()


@pytest.fixture
def warning_index(db):
    return factories.warning_index()


@pytest.fixture
def empty_cache():
    """Django's cache emptied before and after: feed bodies, their versions
    and API rate counters do not leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()
    yield cache
    cache.clear()


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback, and Django's SMTP backend sending to it."""
    from .servers import SmtpServer

    server = SmtpServer()
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield server
    server.stop()


@pytest.fixture
def twilio_recorder(settings):
    """A local server speaking Twilio's Messages API, and the real twilio
    client pointed at it; `.requests` holds what the client sent."""
    from .servers import TwilioApiServer

    server = TwilioApiServer()
    server.start()
    settings.HERALD_SMS_PROVIDER = "subscriptions.channels.sms.TwilioSmsProvider"
    settings.TWILIO_ACCOUNT_SID = "AC" + "b" * 32
    settings.TWILIO_AUTH_TOKEN = "recorder-auth-token"
    settings.TWILIO_FROM = "+15005550006"
    settings.TWILIO_MESSAGING_SERVICE_SID = None
    settings.TWILIO_API_BASE_URL = server.url
    yield server
    server.stop()


@pytest.fixture
def queued_chunks(monkeypatch):
    """The chunks of delivery ids queued for sending, kept here instead of
    going to the broker or being sent in-process."""
    from subscriptions import tasks

    chunks = []
    monkeypatch.setattr(
        tasks.send_deliveries,
        "apply_async",
        lambda args, **kwargs: chunks.append(list(args[0])),
    )
    return chunks
