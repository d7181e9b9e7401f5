"""The embedded default's worker: without Redis and Celery beat, this loop
publishes scheduled pages and sweeps pending notices every minute."""

import logging
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand

from subscriptions.tasks import sweep_pending_notices

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Run scheduled publishing and the notice sweeper every minute."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=60.0)
        parser.add_argument("--once", action="store_true")

    def handle(self, *args, interval, once, **options):
        logger.info("Worker loop started: every %.0f s", interval)
        while True:
            try:
                call_command("publish_scheduled", verbosity=0)
                sweep_pending_notices()
            except Exception:
                logger.exception("Worker loop step failed; trying again next time")
            if once:
                return
            time.sleep(interval)
