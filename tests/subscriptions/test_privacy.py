import contextlib
import io
import logging
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.log import configure_logging
from freezegun import freeze_time

from subscriptions.models import (
    Delivery,
    OutboxMessage,
    PhoneVerification,
    RecipientList,
    SmsOptOut,
    Subscriber,
)
from subscriptions.privacy import erase_departed_subscribers, erase_subscriber
from subscriptions.tokens import manage_token
from tests import factories

ROOT = Path(__file__).resolve().parent.parent.parent
# How a Celery worker sets up logging when it starts.
WORKER_LOGGING = """
import logging, django
django.setup()
from herald.celery import app
app.log.setup_logging_subsystem(loglevel="INFO")
print(",".join(
    type(f).__name__ for h in logging.getLogger().handlers for f in h.filters
))
"""


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


@pytest.fixture
def configured_log(settings):
    """What the configured handlers write: LOGGING applied as Django applies
    it at start-up (its own defaults first), every stream handler writing
    to one buffer. DEBUG is on, as under `make run`, where Django's own
    console handler would write too."""
    settings.DEBUG = True
    written = io.StringIO()
    with contextlib.redirect_stderr(written):
        configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
    yield written
    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)


def test_logs_hold_no_address_and_no_token(
    client, subscribe_form, sms_texts, mailoutbox, configured_log
):
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

    client.get(f"/subscriptions/{token}/")  # Django logs "Not Found: <path>"
    # The development server's access line, as runserver writes it.
    logging.getLogger("django.server").info(
        '"%s" %s %s',
        f"GET /subscriptions/{token}/ HTTP/1.1",
        "404",
        "179",
        extra={"server_time": "01/Jun/2026 10:00:00"},
    )

    logged = configured_log.getvalue()
    assert "Not Found: /subscriptions/[token]/" in logged
    assert '"GET /subscriptions/[token]/ HTTP/1.1" 404' in logged
    for secret in (
        "secret.person",
        "13800138000",
        code,
        token,
        verify.split("/")[3],
        link.split("/")[3],
    ):
        assert secret not in logged


def test_an_address_or_number_in_a_message_or_a_traceback_is_not_written(
    configured_log,
):
    log = logging.getLogger("subscriptions.channels.email")

    log.warning("Provider refused %s and %s", "a.person@example.com", "+8613800138000")
    try:
        raise ValueError("550 <a.person@example.com>: mailbox unavailable")
    except ValueError:
        log.exception("Sending failed for %s", "13800138000")

    logged = configured_log.getvalue()
    assert "Provider refused [email] and [number]" in logged
    assert "ValueError: 550 <[email]>: mailbox unavailable" in logged
    assert "a.person" not in logged and "13800138000" not in logged


def test_a_traceback_names_its_source_files_while_the_link_token_is_marked(
    configured_log, db
):
    subscriber = factories.subscriber()
    token = manage_token(subscriber)
    log = logging.getLogger("subscriptions.views")

    try:
        manage_token(None)
    except Exception:
        log.exception(
            "Failed on /subscriptions/%s/ and %s",
            token,
            f"/unsubscribe/{token}/",
        )

    logged = configured_log.getvalue()
    assert "Failed on /subscriptions/[token]/ and /unsubscribe/[token]/" in logged
    assert token not in logged
    assert re.search(r'File "[^"]*/subscriptions/tokens\.py", line \d+', logged)
    assert re.search(r'File "[^"]*/tests/subscriptions/test_privacy\.py"', logged)
    assert '[token]", line' not in logged


def test_a_worker_keeps_the_redacting_handlers_of_the_logging_setting():
    result = subprocess.run(
        [sys.executable, "-c", WORKER_LOGGING],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"DJANGO_SETTINGS_MODULE": "herald.settings.test", "PATH": "/usr/bin"},
        check=True,
    )

    assert result.stdout.strip().splitlines()[-1] == "RedactSubscriberLinks"


def test_erasing_a_subscriber_clears_provider_errors_that_may_quote_the_address(
    warning_index, django_capture_on_commit_callbacks
):
    subscriber = factories.subscriber()
    other = factories.subscriber()
    with django_capture_on_commit_callbacks(execute=True):
        factories.warning(categories=("toys-electric",))
    Delivery.objects.update(
        status="failed",
        error_code="550",
        error_message="550 5.1.1 <someone@example.com>: Recipient address rejected",
    )

    erase_subscriber(subscriber.pk)

    erased = Delivery.objects.filter(subscriber=subscriber)
    kept = Delivery.objects.filter(subscriber=other)
    assert erased.count() == 2
    assert set(erased.values_list("error_code", "error_message")) == {("550", "")}
    assert all(kept.values_list("error_message", flat=True))
