"""The delivery pipeline on SQLite with tasks run in-process."""

from datetime import timedelta

import pytest
from django.utils import timezone

from subscriptions import queries, queues, tasks
from subscriptions.channels.sms import SmsSendError
from subscriptions.models import Delivery, SmsOptOut
from tests import factories


def _publish_to(subscriber_count, capture, **fields):
    people = [factories.subscriber(email=False) for _ in range(subscriber_count)]
    with capture(execute=True):
        page = factories.warning(**fields)
    return page, people


def test_a_send_task_run_twice_sends_each_message_once(
    warning_index, scripted_sms, django_capture_on_commit_callbacks
):
    page, people = _publish_to(3, django_capture_on_commit_callbacks)
    ids = list(Delivery.objects.values_list("pk", flat=True))

    tasks.send_deliveries(ids)

    assert len(scripted_sms.SENT) == 3
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}


def test_only_one_of_two_attempts_can_claim_a_delivery(warning_index, scripted_sms):
    factories.subscriber(email=False)
    page = factories.warning()
    (row_id, _digest), *_ = queries.write_deliveries(page.notices.get())

    first = queries.claim(row_id, handing=True)
    second = queries.claim(row_id)

    delivery = Delivery.objects.get(pk=row_id)
    assert (first, second) == (True, False)
    assert delivery.attempts == 1
    assert delivery.sent_at == delivery.claimed_at is not None


def test_each_sms_carries_the_status_callback_url(
    warning_index, scripted_sms, django_capture_on_commit_callbacks
):
    _publish_to(1, django_capture_on_commit_callbacks)

    ((_to, body, callback),) = scripted_sms.SENT

    assert callback == "http://testserver/webhooks/twilio/status"
    assert body.startswith("【产品安全预警】")


def test_error_21610_records_an_opt_out_and_sends_nothing_more(
    warning_index, scripted_sms, django_capture_on_commit_callbacks
):
    scripted_sms.SCRIPT.append(
        SmsSendError("opted out", code=21610, permanent=True, opted_out=True)
    )

    page, (person,) = _publish_to(1, django_capture_on_commit_callbacks)

    delivery = Delivery.objects.get(subscriber=person)
    assert (delivery.status, delivery.error_code) == ("suppressed", "21610")
    assert SmsOptOut.objects.filter(phone=person.phone, sender="MGtest").exists()
    assert not scripted_sms.SENT


@pytest.mark.parametrize("code", [21211, 21614])
def test_an_invalid_number_is_marked_undeliverable(
    code, warning_index, scripted_sms, django_capture_on_commit_callbacks
):
    scripted_sms.SCRIPT.append(
        SmsSendError("invalid", code=code, permanent=True, invalid_number=True)
    )

    page, (person,) = _publish_to(1, django_capture_on_commit_callbacks)

    delivery = Delivery.objects.get(subscriber=person)
    assert (delivery.status, delivery.error_code) == ("undeliverable", str(code))


def test_a_busy_provider_is_retried_and_the_message_then_sent(
    warning_index, scripted_sms, django_capture_on_commit_callbacks
):
    scripted_sms.SCRIPT.extend(
        [SmsSendError("slow down", code=20429), SmsSendError("server", code=503)]
    )

    page, (person,) = _publish_to(1, django_capture_on_commit_callbacks)

    delivery = Delivery.objects.get(subscriber=person)
    assert (delivery.status, delivery.attempts) == ("sent", 3)
    assert len(scripted_sms.SENT) == 1


def test_retries_are_bounded_and_then_fail_visibly(
    warning_index, scripted_sms, settings, django_capture_on_commit_callbacks
):
    settings.HERALD_SEND_MAX_RETRIES = 2
    scripted_sms.SCRIPT.extend([SmsSendError("timeout", code="network")] * 5)

    page, (person,) = _publish_to(1, django_capture_on_commit_callbacks)

    delivery = Delivery.objects.get(subscriber=person)
    assert delivery.status == "failed"
    assert delivery.attempts == 3
    assert delivery.error_message.startswith("gave up after 3 attempts")


def test_the_back_off_grows_exponentially_with_jitter_and_a_cap(settings):
    settings.HERALD_SEND_RETRY_BASE_SECONDS = 5
    settings.HERALD_SEND_RETRY_MAX_SECONDS = 60

    countdowns = [tasks.retry_countdown(attempt) for attempt in range(6)]

    assert 4 <= countdowns[0] <= 6
    assert 8 <= countdowns[1] <= 12
    assert all(c <= 72 for c in countdowns)
    assert len({round(tasks.retry_countdown(1), 6) for _ in range(5)}) > 1


def test_the_sweeper_records_as_sent_a_message_a_dead_worker_handed_over(
    warning_index, scripted_sms, settings
):
    factories.subscriber(email=False)
    page = factories.warning()
    (row_id, _digest), *_ = queries.write_deliveries(page.notices.get())
    queries.claim(row_id)
    queries.mark_handed(row_id)
    Delivery.objects.filter(pk=row_id).update(
        claimed_at=timezone.now() - timezone.timedelta(minutes=10)
    )

    tasks.sweep_pending_notices()

    delivery = Delivery.objects.get(pk=row_id)
    assert (delivery.status, delivery.error_code) == ("sent", "worker_lost")
    assert not scripted_sms.SENT


def test_the_sweeper_sends_a_delivery_a_dead_worker_took_but_never_handed_over(
    warning_index, scripted_sms, settings
):
    factories.subscriber(email=False)
    page = factories.warning()
    (row_id, _digest), *_ = queries.write_deliveries(page.notices.get())
    queries.claim(row_id)
    Delivery.objects.filter(pk=row_id).update(
        claimed_at=timezone.now() - timezone.timedelta(minutes=10)
    )

    tasks.sweep_pending_notices()

    delivery = Delivery.objects.get(pk=row_id)
    assert (delivery.status, delivery.error_code) == ("sent", "")
    assert len(scripted_sms.SENT) == 1


def test_the_sweeper_queues_again_a_delivery_whose_send_task_was_lost(
    warning_index, scripted_sms, settings
):
    row_id = factories.sms_delivery()
    Delivery.objects.filter(pk=row_id).update(
        enqueued_at=timezone.now() - timezone.timedelta(hours=1)
    )

    tasks.sweep_pending_notices()

    assert Delivery.objects.get(pk=row_id).status == "sent"
    assert len(scripted_sms.SENT) == 1


def test_a_pending_notice_is_dispatched_by_the_sweeper(warning_index, scripted_sms):
    factories.subscriber(email=False)
    page = factories.warning()  # on-commit callbacks never run: broker "down"

    tasks.sweep_pending_notices()

    assert page.notices.get().dispatch_status == "matched"
    assert len(scripted_sms.SENT) == 1


def test_level_one_and_two_go_to_the_urgent_queue():
    assert [queues.for_level(level) for level in (1, 2, 3, 4)] == [
        queues.URGENT,
        queues.URGENT,
        queues.ROUTINE,
        queues.ROUTINE,
    ]


def test_make_worker_listens_to_every_queue():
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    command = subprocess.run(
        ["make", "-n", "-s", "-o", "install", "worker"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    listened = command.split(" -Q ")[1].split()[0].split(",")

    assert set(listened) == set(queues.ALL)
    assert listened[0] == queues.VERIFICATION


def test_every_task_is_routed_to_a_known_queue():
    from herald.celery import app

    names = [name for name in app.tasks if name.startswith("subscriptions.")]

    for name in names:
        route = queues.route_task(name, (), {}, {})
        assert route is None or route["queue"] in queues.ALL, name


def test_a_sweeper_requeue_does_not_restart_the_count_of_retries(
    warning_index, scripted_sms, settings
):
    settings.HERALD_SEND_MAX_RETRIES = 2
    scripted_sms.SCRIPT.extend([SmsSendError("timeout", code="network")] * 5)
    row_id = factories.sms_delivery()
    Delivery.objects.filter(pk=row_id).update(attempts=2)
    queries.mark_enqueued([row_id])
    Delivery.objects.filter(pk=row_id).update(
        enqueued_at=timezone.now() - timezone.timedelta(hours=1)
    )

    tasks.sweep_pending_notices()

    delivery = Delivery.objects.get(pk=row_id)
    assert (delivery.status, delivery.attempts) == ("failed", 3)
    assert delivery.error_message.startswith("gave up after 3 attempts")
    assert len(scripted_sms.SCRIPT) == 4


class WorkerKilled(BaseException):
    """A SIGKILL: nothing after it runs, no handler sees it."""


def test_a_dispatch_killed_while_a_second_one_runs_leaves_nobody_unsent(
    warning_index, scripted_sms, settings, monkeypatch
):
    # Given a notice written in slices of one subscriber, only the first of
    # which leaves at once, and two dispatches of it at work together: the
    # sweeper found the notice pending while its first dispatch was running.
    settings.HERALD_DISPATCH_FIRST_SLICE = 1
    settings.HERALD_DISPATCH_SLICE = 1
    settings.HERALD_DISPATCH_FIRST_WAVE = 1
    people = [factories.subscriber(email=False) for _ in range(4)]
    notice = factories.warning(level=1).notices.get()
    slices = len(queries.subscriber_slices())
    write, queue = queries.write_deliveries, tasks.send_deliveries.apply_async
    first = {"running": False, "slices_written": 0}

    def write_slice(notice, subscriber_range=None):
        if not first["running"] and not first["slices_written"]:
            # The sweeper's dispatch has begun; meanwhile the first one
            # writes every row and is killed before it queued what it held.
            first["running"] = True
            with pytest.raises(WorkerKilled):
                tasks.dispatch_notice(notice.pk)
            first["running"] = False
        elif first["running"]:
            first["slices_written"] += 1
        return write(notice, subscriber_range)

    def queue_chunk(*args, **kwargs):
        if first["running"] and first["slices_written"] == slices:
            raise WorkerKilled
        return queue(*args, **kwargs)

    monkeypatch.setattr(queries, "write_deliveries", write_slice)
    monkeypatch.setattr(tasks.send_deliveries, "apply_async", queue_chunk)

    # When the sweeper's dispatch ends, and the sweeper runs a minute on.
    tasks.dispatch_notice(notice.pk)
    tasks.sweep_pending_notices()

    # Then everyone has had their message, once.
    assert first["slices_written"] == slices
    assert sorted(to for to, _body, _callback in scripted_sms.SENT) == sorted(
        person.phone for person in people
    )
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}


def test_a_level_change_issued_while_the_broker_was_down_reaches_everyone_told(
    warning_index, scripted_sms
):
    # Given a level I warning and its change to level III, both issued while
    # the broker was down (their on-commit dispatch never ran), and a reader
    # who wants level I only.
    only_level_one = factories.subscriber(email=False, max_level=1)
    page = factories.warning(level=1)
    factories.change_level(page, 3)

    # When the broker is back and the sweeper dispatches both.
    tasks.sweep_pending_notices()

    # Then the reader, told of the warning, is told of its change too.
    told = Delivery.objects.filter(subscriber=only_level_one)
    assert sorted(told.values_list("notice__kind", "status")) == [
        ("adjustment", "sent"),
        ("publication", "sent"),
    ]
    assert len(scripted_sms.SENT) == 2


def _written_not_queued(level=1):
    """A matched notice whose send tasks were lost: its rows are written
    and marked queued, and no task carries them."""
    from alerts.models import Notice

    factories.subscriber(email=False)
    notice = factories.warning(level=level).notices.get()
    queries.write_deliveries(notice)
    Notice.objects.filter(pk=notice.pk).update(
        dispatch_status=Notice.DispatchStatus.MATCHED
    )
    return notice


def test_a_send_task_taken_by_a_worker_that_died_is_queued_again_within_minutes(
    warning_index, monkeypatch, freezer_minutes, queued_chunks
):
    # The worker that took the chunk died: nothing waits in the queue, and
    # the message is still queued two minutes on.
    _written_not_queued()
    monkeypatch.setattr(queues, "waiting", lambda name: 0)
    freezer_minutes(2)

    tasks.sweep_pending_notices()

    assert queued_chunks == [list(Delivery.objects.values_list("pk", flat=True))]
    # Queued again now: the next sweep leaves it to the task just queued.
    tasks.sweep_pending_notices()
    assert len(queued_chunks) == 1


def test_a_send_task_still_waiting_in_its_queue_is_left_there(
    warning_index, monkeypatch, freezer_minutes, queued_chunks
):
    # A big fan-out at a provider's rate keeps tasks waiting for minutes:
    # while the queue holds messages, the task is not lost, until it is
    # stale (HERALD_SEND_STALE_SECONDS).
    _written_not_queued()
    monkeypatch.setattr(queues, "waiting", lambda name: 40)
    freezer_minutes(2)

    tasks.sweep_pending_notices()
    assert queued_chunks == []

    freezer_minutes(15)
    tasks.sweep_pending_notices()
    assert len(queued_chunks) == 1


def test_a_broker_that_cannot_say_what_waits_leaves_tasks_to_the_stale_rule(
    warning_index, monkeypatch, freezer_minutes, queued_chunks
):
    _written_not_queued()
    monkeypatch.setattr(queues, "waiting", lambda name: None)
    freezer_minutes(2)

    tasks.sweep_pending_notices()

    assert queued_chunks == []


def test_a_retry_waiting_out_its_back_off_is_not_queued_again_early(
    warning_index, settings, monkeypatch, freezer_minutes, queued_chunks
):
    # A retry ten minutes away is held by a worker, not in the queue: the
    # sweeper counts from when it is due, not from when it was queued.
    settings.HERALD_SEND_RETRY_BASE_SECONDS = 600
    settings.HERALD_SEND_RETRY_MAX_SECONDS = 600
    _written_not_queued()
    (delivery_id,) = Delivery.objects.values_list("pk", flat=True)
    monkeypatch.setattr(queues, "waiting", lambda name: 0)
    tasks._retry_later({delivery_id: 1}, queues.URGENT)
    assert len(queued_chunks) == 1

    freezer_minutes(5)
    tasks.sweep_pending_notices()
    assert len(queued_chunks) == 1

    freezer_minutes(12)
    tasks.sweep_pending_notices()
    assert len(queued_chunks) == 2


def test_a_message_that_failed_waits_out_its_back_off_while_its_chunk_goes_on(
    warning_index, settings, scripted_sms, monkeypatch, freezer_minutes, queued_chunks
):
    # Ten minutes of back-off for the first message, whose provider was
    # busy; the second takes minutes to leave (a provider's rate shared by
    # many workers), and a sweep comes meanwhile, with nothing in the queue.
    settings.HERALD_SEND_RETRY_BASE_SECONDS = 600
    settings.HERALD_SEND_RETRY_MAX_SECONDS = 600
    factories.subscriber(email=False)
    notice = _written_not_queued()
    first, second = Delivery.objects.filter(notice=notice).order_by("pk")
    monkeypatch.setattr(queues, "waiting", lambda name: 0)
    scripted_sms.SCRIPT.append(SmsSendError("busy", code="503"))
    sweeps = []
    send = scripted_sms.ScriptedSmsProvider.send

    def slow_send(provider, to, body, **kwargs):
        if to == second.subscriber.phone:
            freezer_minutes(3)
            tasks.sweep_pending_notices()
            sweeps.extend(queued_chunks)
        return send(provider, to, body, **kwargs)

    monkeypatch.setattr(scripted_sms.ScriptedSmsProvider, "send", slow_send)

    tasks.send_deliveries([first.pk, second.pk], queue=queues.URGENT)

    # The sweep may queue the second again (it is claimed before it leaves),
    # but the first only comes back with its back-off.
    assert all(first.pk not in chunk for chunk in sweeps)
    assert queued_chunks[-1] == [first.pk]
    first.refresh_from_db()
    assert first.enqueued_at > timezone.now() + timedelta(minutes=7)
