"""Periodic work of the alerts app, run by Celery beat (or the worker loop)."""

import logging
from datetime import timedelta

from celery import shared_task
from django.core.management import call_command
from django.utils import timezone

from .models import BlacklistEntry
from .signals import public_record_changed

logger = logging.getLogger(__name__)

# Removals this many days old are announced again by every run.
ANNOUNCE_DAYS = 7


@shared_task(name="alerts.tasks.publish_scheduled_pages", ignore_result=True)
def publish_scheduled_pages():
    """Publish every revision whose scheduled time has come, and unpublish
    what has expired: Wagtail's own `publish_scheduled`.

    Safe to run twice: a revision that went live is no longer scheduled. Each
    warning that goes live this way issues its notice through the same
    `page_published` signal as a publish by hand.
    """
    call_command("publish_scheduled", verbosity=0)


@shared_task(name="alerts.tasks.announce_blacklist_removals", ignore_result=True)
def announce_blacklist_removals():
    """Tell listeners (search, feeds) that the blacklist entries removed as
    of today, local time, have left the public list.

    A removal dated ahead is saved on an earlier day, when the entry was
    still listed; nothing is saved on the day itself, so no signal says so.
    Safe to run twice: each listener reads the entry as it stands and takes
    it out again, which changes nothing the second time. The last week is
    announced, not just today, so a worker that was down on the day still
    takes the entry out when it comes back.
    """
    today = timezone.localdate()
    removed = BlacklistEntry.objects.filter(
        live=True, removed_on__range=(today - timedelta(days=ANNOUNCE_DAYS), today)
    )
    pks = list(removed.order_by("pk").values_list("pk", flat=True))

    for pk in pks:
        public_record_changed.send(
            BlacklistEntry, model_label="alerts.blacklistentry", pk=pk, live=False
        )

    if pks:
        logger.info(
            "Announced %s blacklist removals due on %s",
            len(pks),
            today,
            extra={"blacklist_entry_ids": pks, "removal_day": today.isoformat()},
        )
