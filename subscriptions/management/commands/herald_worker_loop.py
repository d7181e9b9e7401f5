"""The embedded default's worker: without Redis and Celery beat, this loop
runs every periodic task of the beat schedule in-process, each at its own
interval, as beat would.

Tasks are found by name in the Celery app's registry, so the loop knows no
app's tasks: an entry added to CELERY_BEAT_SCHEDULE runs here too."""

import logging
import time

from celery import current_app
from celery.schedules import maybe_schedule
from django.core.management.base import BaseCommand

logger = logging.getLogger(__name__)


class BeatSchedule:
    """The entries of the Celery app's beat schedule (read afresh on every
    check), and when each last ran in this process."""

    def __init__(self, app=None):
        self.app = app or current_app._get_current_object()
        # Every installed app's tasks module, as a worker imports them.
        self.app.autodiscover_tasks(force=True)
        self.last_run = {}

    def run_due(self):
        """Run each entry that is due (all of them the first time); return
        the seconds until the next one is."""
        waits = []
        # One moment for the whole pass, so that entries of one interval
        # stay together however long each task takes.
        now = self.app.now()
        for name, entry in (self.app.conf.beat_schedule or {}).items():
            schedule = maybe_schedule(entry["schedule"], app=self.app)
            last = self.last_run.get(name)
            if last is None or schedule.is_due(last)[0]:
                self._run(name, entry)
                self.last_run[name] = last = now
            waits.append(schedule.is_due(last)[1])
        return min(waits, default=60.0)

    def _run(self, name, entry):
        task = self.app.tasks.get(entry["task"])
        if task is None:
            logger.error("Beat entry %s names the unknown task %s", name, entry["task"])
            return
        try:
            task.apply(args=entry.get("args", ()), kwargs=entry.get("kwargs", {}))
        except Exception:
            logger.exception(
                "Periodic task %s failed; trying again when next due", task.name
            )


class Command(BaseCommand):
    help = "Run every periodic task of the beat schedule, each at its interval."

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval",
            type=float,
            default=60.0,
            help="The longest pause, in seconds, between two checks.",
        )
        parser.add_argument(
            "--once", action="store_true", help="Run every task once and stop."
        )

    def handle(self, *args, interval, once, **options):
        schedule = BeatSchedule()
        logger.info(
            "Worker loop started: %s periodic tasks",
            len(schedule.app.conf.beat_schedule or {}),
        )
        while True:
            wait = schedule.run_due()
            if once:
                return
            time.sleep(min(max(wait, 1.0), interval))
