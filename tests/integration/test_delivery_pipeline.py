"""The delivery pipeline end to end, on PostgreSQL and Redis with real Celery
workers, a real SMTP server and the Twilio API mock; then its faults."""

import json
import os
import shutil
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone
from twilio.request_validator import RequestValidator

from subscriptions import tasks
from subscriptions.models import Delivery, Subscriber
from tests import factories
from tests.conftest import need

from .conftest import (
    ROOT,
    TWILIO_SID,
    TWILIO_TOKEN,
    free_port,
    wait_for_port,
    wait_until,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def statuses(**filters):
    return sorted(Delivery.objects.filter(**filters).values_list("status", flat=True))


def signed_callback(client, params):
    url = "http://testserver/webhooks/twilio/status"
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(url, params)
    return client.post(
        "/webhooks/twilio/status", params, headers={"X-Twilio-Signature": signature}
    )


def many_subscribers(count, prefix="reader"):
    """`count` confirmed email subscribers of toys, written in bulk."""
    from alerts.models import ProductCategory

    now = timezone.now()
    people = Subscriber.objects.bulk_create(
        Subscriber(
            email=f"{prefix}{number}@example.com",
            email_confirmed_at=now,
            sms_active=False,
        )
        for number in range(count)
    )
    toys = ProductCategory.objects.get(code="toys")
    through = Subscriber.categories.through
    through.objects.bulk_create(
        through(subscriber_id=person.pk, productcategory_id=toys.pk)
        for person in people
    )
    return people


def test_a_published_warning_reaches_email_and_sms_through_a_real_worker(
    email_and_sms_worker_env, smtp_sink, warning_index, client
):
    email_and_sms_worker_env.start()
    person = factories.subscriber(categories=("toys",), language="en")

    page = factories.warning(level=1, title_en="Electric toy batteries\noverheat")

    done = wait_until(lambda: statuses(subscriber=person) == ["sent", "sent"], 60)
    assert done, statuses(subscriber=person)
    ((rcpt, message),) = smtp_sink.parsed()
    assert rcpt == person.email
    assert message.get_content_type() == "multipart/alternative"
    assert message["List-Unsubscribe"].startswith("<http://testserver/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    sms = Delivery.objects.get(subscriber=person, channel="sms")
    assert sms.provider_id.startswith("SM")
    assert page.notices.get().dispatch_status == "matched"

    # Twilio then calls back, out of order, and once with a forged signature.
    params = {"MessageSid": sms.provider_id, "AccountSid": TWILIO_SID}
    forged = client.post(
        "/webhooks/twilio/status",
        {**params, "MessageStatus": "failed"},
        headers={"X-Twilio-Signature": "forged"},
    )
    delivered = signed_callback(client, {**params, "MessageStatus": "delivered"})
    late_sent = signed_callback(client, {**params, "MessageStatus": "sent"})

    sms.refresh_from_db()
    assert (forged.status_code, delivered.status_code, late_sent.status_code) == (
        403,
        204,
        204,
    )
    assert sms.status == "delivered"


def test_a_worker_killed_mid_fan_out_leaves_everyone_with_exactly_one_message(
    workers, smtp_sink, warning_index, settings
):
    # Shortened from a minute and two: the chunks the dead worker had taken
    # are found once its queue is empty (the 15-minute rule for tasks still
    # waiting in a queue stays as it is), and the message it was handing
    # over once its claim is old.
    settings.HERALD_SEND_LOST_SECONDS = 3
    settings.HERALD_SEND_CLAIM_TIMEOUT = 3
    settings.HERALD_SEND_CHUNK_SIZE = 50
    workers.env.update(
        {
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_sink.port),
            "HERALD_SEND_CHUNK_SIZE": "50",
        }
    )
    people = many_subscribers(2000)
    first = workers.start()

    page = factories.warning(level=3)
    assert wait_until(lambda: smtp_sink.count() >= 300, 120), smtp_sink.count()
    workers.kill(first)
    killed_at = smtp_sink.count()
    workers.start()

    # The sweeper (every minute in production) finds the chunks the dead
    # worker had taken and the message it was handing over.
    everyone = wait_until(
        lambda: (
            smtp_sink.count() >= 2000
            and not Delivery.objects.filter(status="queued").exists()
        ),
        180,
        every=1,
        step=tasks.sweep_pending_notices,
    )

    received = smtp_sink.per_recipient()
    assert everyone, (killed_at, smtp_sink.count())
    assert killed_at < 2000
    assert set(received) == {person.email for person in people}
    assert set(received.values()) == {1}
    assert statuses(notice__warning=page) == ["sent"] * 2000


SWEEP = 5
SWEEP_MARGIN = 10


def test_a_notice_published_while_redis_is_down_is_delivered_by_the_sweeper(
    workers, smtp_sink, warning_index, tmp_path
):
    need(shutil.which("redis-server") is not None, "redis-server is not installed")
    port = free_port()
    redis_url = f"redis://127.0.0.1:{port}/0"
    person = factories.subscriber(categories=("toys",), phone=None)
    workers.env.update({"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp_sink.port)})

    # Redis is down: the web process publishes, the notice stays pending.
    publish = subprocess.run(
        [
            str(ROOT / ".venv" / "bin" / "python"),
            "-c",
            "import django; django.setup(); from tests import factories; "
            "factories.warning(level=2)",
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "DATABASE_URL": workers.database_url,
            "REDIS_URL": redis_url,
        },
        capture_output=True,
        timeout=120,
    )
    assert publish.returncode == 0, publish.stderr.decode()[-2000:]
    assert b"the sweeper will dispatch it" in publish.stderr
    assert Delivery.objects.count() == 0

    # Redis comes back, with a worker and its beat running the sweeper.
    redis = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
    )
    try:
        assert wait_for_port(port, 20, redis)
        workers.start(redis_url=redis_url, beat=True, HERALD_SWEEP_SECONDS=SWEEP)
        ready_at = time.monotonic()

        done = wait_until(lambda: statuses(subscriber=person) == ["sent"], 60)
        took = time.monotonic() - ready_at
    finally:
        workers.stop_all()
        redis.terminate()
        redis.wait(timeout=20)

    # The first sweep comes one interval after beat starts; dispatching and
    # sending one message then takes far less than the margin.
    assert done
    assert took <= SWEEP + SWEEP_MARGIN, took
    assert list(smtp_sink.per_recipient().values()) == [1]


def test_an_smtp_server_refusing_then_accepting_gets_every_message_once(
    workers, smtp_sink, warning_index
):
    workers.env.update({"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp_sink.port)})
    people = [factories.subscriber(categories=("toys",), phone=None) for _ in range(3)]
    smtp_sink.refuse_next = 4
    workers.start()

    page = factories.warning(level=2)

    done = wait_until(lambda: statuses(notice__warning=page) == ["sent"] * 3, 60)
    assert done, statuses(notice__warning=page)
    assert smtp_sink.refused == 4
    assert smtp_sink.per_recipient() == {person.email: 1 for person in people}
    assert max(Delivery.objects.values_list("attempts", flat=True)) >= 2


class _BusyThenAcceptingTwilio(BaseHTTPRequestHandler):
    """Twilio's Messages endpoint: 429 to the first request, 201 after."""

    requests = []

    def do_POST(self):  # noqa: N802 (the http.server interface)
        length = int(self.headers.get("Content-Length", 0))
        self.requests.append(self.rfile.read(length).decode())
        if len(self.requests) == 1:
            status = 429
            body = {"code": 20429, "message": "Too Many Requests", "status": 429}
        else:
            status = 201
            body = {
                "sid": f"SM{len(self.requests):032x}",
                "status": "queued",
                "account_sid": TWILIO_SID,
            }
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


def test_twilio_answering_429_then_201_sends_the_sms_once(workers, warning_index):
    _BusyThenAcceptingTwilio.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), _BusyThenAcceptingTwilio)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    person = factories.subscriber(categories=("toys",), email=False)
    workers.env.update(
        {
            "TWILIO_ACCOUNT_SID": TWILIO_SID,
            "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
            "TWILIO_MESSAGING_SERVICE_SID": "MG" + "1" * 32,
            "TWILIO_API_BASE_URL": f"http://127.0.0.1:{server.server_port}",
        }
    )
    try:
        workers.start()
        factories.warning(level=2)
        done = wait_until(lambda: statuses(subscriber=person) == ["sent"], 60)
    finally:
        server.shutdown()

    delivery = Delivery.objects.get(subscriber=person)
    assert done
    assert len(_BusyThenAcceptingTwilio.requests) == 2
    assert "MessagingServiceSid=MG" in _BusyThenAcceptingTwilio.requests[1]
    assert "StatusCallback=http" in _BusyThenAcceptingTwilio.requests[1]
    assert (delivery.attempts, delivery.provider_id) == (2, f"SM{2:032x}")


def test_level_one_messages_leave_before_level_three_ones_queued_earlier(
    workers, smtp_sink, warning_index, settings
):
    settings.HERALD_SEND_CHUNK_SIZE = 5
    workers.env.update(
        {
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_sink.port),
            "HERALD_SEND_CHUNK_SIZE": "5",
        }
    )
    many_subscribers(40)
    routine = factories.warning(level=3).notices.get()
    urgent = factories.warning(level=1).notices.get()
    # Every chunk of both is in the broker, the routine ones first, before
    # any worker runs.
    tasks.dispatch_notice(routine.pk)
    tasks.dispatch_notice(urgent.pk)

    # One process taking one task at a time: the order it takes them in is
    # the order they leave in.
    workers.start(concurrency=1)
    done = wait_until(lambda: smtp_sink.count() >= 80, 120)

    def sent_at(notice):
        return list(
            Delivery.objects.filter(notice=notice).values_list("sent_at", flat=True)
        )

    assert done, smtp_sink.count()
    assert statuses(notice=urgent) == ["sent"] * 40
    assert max(sent_at(urgent)) < min(sent_at(routine))
