"""The embedded default's worker loop runs what Celery beat runs in
production: every entry of the beat schedule, each at its own interval."""

from datetime import UTC, datetime, timedelta

import pytest
from celery.signals import task_postrun
from django.core.management import call_command
from freezegun import freeze_time


@pytest.fixture
def tasks_run():
    """Names of the tasks run, in order, as Celery reports them."""
    names = []

    def record(sender=None, **kwargs):
        names.append(sender.name)

    task_postrun.connect(record, weak=False)
    yield names
    task_postrun.disconnect(record)


def test_the_loop_runs_every_task_of_the_beat_schedule(db, settings, tasks_run):
    call_command("herald_worker_loop", "--once")

    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled <= set(tasks_run)
    assert {
        "subscriptions.privacy.erase_departed_subscribers",
        "subscriptions.tasks.send_due_digests",
        "search.tasks.retry_pending_index_updates",
    } <= scheduled


def test_each_task_runs_again_only_when_its_own_interval_has_passed(
    db, settings, tasks_run
):
    from subscriptions.management.commands.herald_worker_loop import BeatSchedule

    settings.CELERY_BEAT_SCHEDULE = {
        "hourly": {
            "task": "subscriptions.privacy.erase_departed_subscribers",
            "schedule": 3600.0,
        },
        "every-minute": {
            "task": "search.tasks.retry_pending_index_updates",
            "schedule": timedelta(seconds=60),
        },
    }
    hourly, every_minute = (
        "subscriptions.privacy.erase_departed_subscribers",
        "search.tasks.retry_pending_index_updates",
    )

    with freeze_time(datetime(2026, 6, 1, 10, 0, tzinfo=UTC)) as clock:
        schedule = BeatSchedule()
        first_wait = schedule.run_due()
        at_start = list(tasks_run)
        for _minute in range(60):
            clock.tick(60)
            schedule.run_due()

    assert sorted(at_start) == sorted([hourly, every_minute])
    assert first_wait == 60
    assert tasks_run.count(every_minute) == 61
    assert tasks_run.count(hourly) == 2


def test_a_failing_task_does_not_stop_the_others(db, settings, tasks_run, caplog):
    settings.CELERY_BEAT_SCHEDULE = {
        "unknown": {"task": "nowhere.tasks.no_such_task", "schedule": 60.0},
        "fine": {
            "task": "search.tasks.retry_pending_index_updates",
            "schedule": 60.0,
        },
    }

    call_command("herald_worker_loop", "--once")

    assert tasks_run == ["search.tasks.retry_pending_index_updates"]
    assert "nowhere.tasks.no_such_task" in caplog.text
