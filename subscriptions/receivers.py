"""Listens to alerts' signals: a notice issued is dispatched to subscribers."""

import logging

from django.dispatch import receiver

from alerts.signals import notice_issued

from . import queues
from .tasks import dispatch_notice

logger = logging.getLogger(__name__)


@receiver(notice_issued)
def _dispatch_issued_notice(sender, notice_id, **kwargs):
    try:
        dispatch_notice.apply_async(args=[notice_id], queue=queues.DISPATCH)
    except Exception:
        # The notice stays pending; the sweeper dispatches it within a minute.
        logger.exception(
            "Could not queue notice %s; the sweeper will dispatch it",
            notice_id,
            extra={"notice_id": notice_id},
        )
