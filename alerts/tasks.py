"""Periodic work of the alerts app, run by Celery beat (or the worker loop)."""

import logging

from celery import shared_task
from django.core.management import call_command

logger = logging.getLogger(__name__)


@shared_task(name="alerts.tasks.publish_scheduled_pages", ignore_result=True)
def publish_scheduled_pages():
    """Publish every revision whose scheduled time has come, and unpublish
    what has expired: Wagtail's own `publish_scheduled`.

    Safe to run twice: a revision that went live is no longer scheduled. Each
    warning that goes live this way issues its notice through the same
    `page_published` signal as a publish by hand.
    """
    call_command("publish_scheduled", verbosity=0)
