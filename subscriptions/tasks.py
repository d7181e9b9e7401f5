"""The delivery pipeline: match a notice, then send its deliveries in chunks.

Every task takes ids, loads the records, checks their state and does one
thing, so a task run twice sends nothing twice."""

import logging
import random

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from alerts.models import Notice

from . import queries, queues
from .channels.email import EmailSendError, open_connection, send_email
from .channels.sms import SmsSendError, sms_provider
from .messages import absolute, render_email, render_sms, subscriber_links
from .models import Channel, DeliveryStatus, SmsOptOut

logger = logging.getLogger(__name__)


@shared_task
def dispatch_notice(notice_id):
    """Write the deliveries of a notice and queue them for sending."""
    with transaction.atomic():
        notice = (
            Notice.objects.select_for_update()
            .select_related("warning")
            .filter(pk=notice_id)
            .first()
        )
        if notice is None or notice.dispatch_status != Notice.DispatchStatus.PENDING:
            return 0
        written = queries.write_deliveries(notice)
        notice.dispatch_status = Notice.DispatchStatus.MATCHED
        notice.matched_at = timezone.now()
        notice.save(update_fields=["dispatch_status", "matched_at"])

    queue_sends(notice)
    logger.info(
        "Notice %s matched: %s deliveries written",
        notice.pk,
        written,
        extra={"notice_id": notice.pk},
    )
    return written


def queue_sends(notice):
    ids = queries.queued_delivery_ids(notice.pk)
    size = settings.HERALD_SEND_CHUNK_SIZE
    queue = queues.for_level(notice.level)
    for start in range(0, len(ids), size):
        send_deliveries.apply_async(
            args=[ids[start : start + size]], kwargs={"queue": queue}, queue=queue
        )
    return len(ids)


@shared_task
def sweep_pending_notices():
    """Dispatch any notice left pending (broker down at publish, worker lost)."""
    pending = list(Notice.objects.pending_dispatch().values_list("pk", flat=True))
    for notice_id in pending:
        dispatch_notice.apply_async(args=[notice_id], queue=queues.DISPATCH)
    return len(pending)


@shared_task
def send_deliveries(delivery_ids, attempt=0, queue=queues.ROUTINE):
    """Send each delivery of the chunk that is still queued. Those that fail
    for a reason a retry can mend are sent again later, with back-off, at
    most HERALD_SEND_MAX_RETRIES times."""
    deliveries = list(queries.deliveries_to_send(delivery_ids))
    if not deliveries:
        return 0

    retry_ids = []
    email_connection = None
    sms = None
    try:
        for delivery in deliveries:
            if delivery.channel == Channel.EMAIL:
                if email_connection is None:
                    email_connection = open_connection()
                ok = _send_email(email_connection, delivery)
            else:
                sms = sms or sms_provider()
                ok = _send_sms(sms, delivery)
            if ok is None:
                retry_ids.append(delivery.pk)
    finally:
        if email_connection is not None:
            email_connection.close()

    if retry_ids:
        _retry_later(retry_ids, attempt, queue)
    return len(deliveries) - len(retry_ids)


def _retry_later(ids, attempt, queue):
    if attempt >= settings.HERALD_SEND_MAX_RETRIES:
        for delivery_id in ids:
            queries.advance(
                delivery_id,
                DeliveryStatus.FAILED,
                error_message="gave up after retries",
            )
        logger.error("Gave up on %s deliveries after %s retries", len(ids), attempt)
        return
    countdown = min(2**attempt * 5, 600) * random.uniform(0.8, 1.2)
    logger.warning("Retrying %s deliveries in %.0f s", len(ids), countdown)
    send_deliveries.apply_async(
        args=[ids],
        kwargs={"attempt": attempt + 1, "queue": queue},
        countdown=countdown,
        queue=queue,
    )


def _record_attempt(delivery):
    from .models import Delivery

    Delivery.objects.filter(pk=delivery.pk).update(attempts=delivery.attempts + 1)


def _send_email(connection, delivery):
    """True when sent, False when failed for good, None to retry."""
    subscriber = delivery.subscriber
    subject, text, html = render_email(delivery.notice, subscriber)
    _record_attempt(delivery)
    try:
        send_email(
            connection,
            subscriber.email,
            subject,
            text,
            html,
            unsubscribe_url=subscriber_links(subscriber)["unsubscribe_url"],
            list_id=f"Herald <notices.{settings.HERALD_BASE_URL.split('//')[-1]}>",
        )
    except EmailSendError as error:
        if error.permanent:
            queries.advance(
                delivery.pk,
                DeliveryStatus.FAILED,
                error_code=error.code,
                error_message=str(error)[:500],
            )
            logger.error(
                "Email delivery %s failed: %s",
                delivery.pk,
                error.code,
                extra={"delivery_id": delivery.pk},
            )
            return False
        logger.warning(
            "Email delivery %s will be retried: %s",
            delivery.pk,
            error.code,
            extra={"delivery_id": delivery.pk},
        )
        return None
    queries.advance(delivery.pk, DeliveryStatus.SENT)
    logger.info(
        "Email delivery %s sent", delivery.pk, extra={"delivery_id": delivery.pk}
    )
    return True


def _send_sms(provider, delivery):
    subscriber = delivery.subscriber
    body = render_sms(delivery.notice, subscriber)
    _record_attempt(delivery)
    try:
        sid = provider.send(
            subscriber.phone,
            body,
            status_callback=absolute("/webhooks/twilio/status"),
        )
    except SmsSendError as error:
        if error.opted_out:
            SmsOptOut.objects.get_or_create(
                phone=subscriber.phone, sender=provider.sender()
            )
            queries.advance(
                delivery.pk,
                DeliveryStatus.SUPPRESSED,
                error_code=error.code,
                error_message="the number has opted out",
            )
            return False
        if error.permanent:
            status = (
                DeliveryStatus.UNDELIVERABLE
                if error.invalid_number
                else DeliveryStatus.FAILED
            )
            queries.advance(
                delivery.pk,
                status,
                error_code=error.code,
                error_message=str(error)[:500],
            )
            logger.error(
                "SMS delivery %s failed: %s",
                delivery.pk,
                error.code,
                extra={"delivery_id": delivery.pk},
            )
            return False
        logger.warning(
            "SMS delivery %s will be retried: %s",
            delivery.pk,
            error.code,
            extra={"delivery_id": delivery.pk},
        )
        return None
    queries.advance(delivery.pk, DeliveryStatus.SENT, provider_id=sid)
    logger.info("SMS delivery %s sent", delivery.pk, extra={"delivery_id": delivery.pk})
    return True
