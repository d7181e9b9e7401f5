"""What the sweeper learns from Redis of the send tasks waiting in a queue:
the real transport, its priority lists, and a broker that cannot answer."""

import socket
import threading
import time

import pytest
from celery import current_app

from subscriptions import queues, tasks

pytestmark = pytest.mark.integration


@pytest.fixture
def broker(clean_redis, monkeypatch):
    """The real Redis broker, with tasks going to it (not run in-process)."""
    monkeypatch.setattr(current_app.conf, "task_always_eager", False)
    monkeypatch.setattr(current_app.conf, "broker_url", clean_redis)
    return clean_redis


@pytest.fixture
def silent_broker(monkeypatch):
    """A server that takes connections and never answers, as a Redis that
    hangs or a peer lost behind a firewall does."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted = []

    def accept():
        while True:
            try:
                accepted.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    monkeypatch.setattr(current_app.conf, "task_always_eager", False)
    monkeypatch.setattr(
        current_app.conf,
        "broker_url",
        f"redis://127.0.0.1:{server.getsockname()[1]}/0",
    )
    yield
    server.close()
    for client in accepted:
        client.close()


def _ask(name, seconds=30):
    """waiting(name), run aside so that a hang fails the test instead of
    stopping it; returns (answer, seconds taken)."""
    answers = []

    def ask():
        started = time.monotonic()
        answers.append((queues.waiting(name), time.monotonic() - started))

    thread = threading.Thread(target=ask, daemon=True)
    thread.start()
    thread.join(seconds)
    assert answers, f"waiting() had not answered after {seconds} s"
    return answers[0]


def test_a_queue_that_never_held_a_message_has_none_waiting(broker):
    assert _ask(queues.URGENT)[0] == 0


def test_messages_sent_at_every_priority_are_all_counted(broker):
    # With queue_order_strategy "priority" each priority is a list of its own.
    for priority in (None, 0, 3, 6, 9):
        options = {} if priority is None else {"priority": priority}
        tasks.send_deliveries.apply_async(args=[[1]], queue=queues.URGENT, **options)

    assert _ask(queues.URGENT)[0] == 5
    assert _ask(queues.ROUTINE)[0] == 0


def test_a_broker_that_refuses_connections_cannot_say_and_says_so_quickly(
    monkeypatch,
):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    monkeypatch.setattr(current_app.conf, "task_always_eager", False)
    monkeypatch.setattr(
        current_app.conf, "broker_url", f"redis://127.0.0.1:{closed_port}/0"
    )

    answer, seconds = _ask(queues.URGENT)

    assert answer is None
    assert seconds < 5


def test_a_broker_that_never_answers_cannot_say_and_says_so_quickly(silent_broker):
    answer, seconds = _ask(queues.URGENT)

    assert answer is None
    assert seconds < 5
