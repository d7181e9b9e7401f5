"""The delivery pipeline: match a notice, then send its deliveries in chunks.

Every task takes ids, loads the records, checks their state and does one
thing, so a task run twice sends nothing twice:

- `dispatch_notice` writes the deliveries of a notice slice by slice (one
  INSERT ... SELECT per channel and slice) and queues each slice's new rows
  in chunks as soon as they are committed;
- `send_deliveries` sends the still-queued deliveries of a chunk, each one
  claimed by an atomic UPDATE just before it leaves (`queries.claim`);
- `sweep_pending_notices` (every minute) dispatches notices left pending,
  queues again deliveries whose send task was lost, and settles deliveries
  handed over by a worker that died before recording them.
"""

import logging
import random
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import connection
from django.utils import timezone

from alerts.models import Notice

from . import queries, queues, throttle
from .channels import ClaimLost
from .channels.email import EmailSendError, open_connection, send_email
from .channels.sms import SmsSendError, sms_provider
from .messages import absolute, list_id, render_email, render_sms, subscriber_links
from .models import Channel, DeliveryStatus, SmsOptOut

logger = logging.getLogger(__name__)


def _setting(name, default):
    return getattr(settings, name, default)


@shared_task
def dispatch_notice(notice_id):
    """Write the deliveries of a notice and queue them for sending."""
    notice = Notice.objects.select_related("warning").filter(pk=notice_id).first()
    if notice is None or notice.dispatch_status != Notice.DispatchStatus.PENDING:
        return 0

    queue = queues.for_level(notice.level)
    if notice.deliveries.exists():
        # An earlier dispatch died part way: queue again what it wrote but
        # never sent. Chunks queued twice are harmless (each send is claimed).
        queue_chunks(queries.queued_delivery_ids(notice.pk), queue)
    written = 0
    for subscriber_range in queries.subscriber_slices():
        rows = queries.write_deliveries(notice, subscriber_range)
        written += len(rows)
        queue_chunks([pk for pk, digest in rows if not digest], queue)

    Notice.objects.filter(
        pk=notice.pk, dispatch_status=Notice.DispatchStatus.PENDING
    ).update(dispatch_status=Notice.DispatchStatus.MATCHED, matched_at=timezone.now())
    logger.info(
        "Notice %s matched: %s deliveries written",
        notice.pk,
        written,
        extra={"notice_id": notice.pk},
    )
    return written


def queue_chunks(ids, queue):
    size = settings.HERALD_SEND_CHUNK_SIZE
    for start in range(0, len(ids), size):
        send_deliveries.apply_async(
            args=[ids[start : start + size]], kwargs={"queue": queue}, queue=queue
        )
    return len(ids)


def queue_sends(notice):
    """Queue every delivery of a notice still waiting to be sent."""
    return queue_chunks(
        queries.queued_delivery_ids(notice.pk), queues.for_level(notice.level)
    )


@shared_task
def sweep_pending_notices():
    """Dispatch any notice left pending (broker down at publish, worker lost),
    queue again deliveries whose send task was lost, and settle deliveries a
    dead worker handed over without recording."""
    pending = list(Notice.objects.pending_dispatch().values_list("pk", flat=True))
    for notice_id in pending:
        dispatch_notice.apply_async(args=[notice_id], queue=queues.DISPATCH)

    now = timezone.now()
    claim_timeout = _setting("HERALD_SEND_CLAIM_TIMEOUT", 120)
    settled, released = queries.settle_abandoned_claims(
        now - timedelta(seconds=claim_timeout)
    )
    for level, ids in released.items():
        queue_chunks(ids, queues.for_level(level))
        logger.warning(
            "Queued %s deliveries again: a dead worker had taken them", len(ids)
        )
    if settled:
        logger.warning(
            "%s deliveries were handed over by a worker that died before "
            "recording them; recorded as sent",
            settled,
        )
    stale_after = _setting("HERALD_SEND_STALE_SECONDS", 900)
    stale = queries.stale_queued_deliveries(now - timedelta(seconds=stale_after))
    for level, ids in stale.items():
        queue_chunks(ids, queues.for_level(level))
        logger.warning("Queued %s deliveries again: their send task was lost", len(ids))
    return len(pending)


@shared_task
def send_deliveries(delivery_ids, attempt=0, queue=queues.ROUTINE):
    """Send each delivery of the chunk that is still queued. Those that fail
    for a reason a retry can mend are sent again later, with back-off, at
    most HERALD_SEND_MAX_RETRIES times."""
    deliveries = list(queries.deliveries_to_send(delivery_ids))
    if not deliveries:
        return 0

    # One notice object per notice, so what is worked out once for a notice
    # (its public URL) serves every message of the chunk.
    shared = {}
    for delivery in deliveries:
        delivery.notice = shared.setdefault(delivery.notice_id, delivery.notice)
    _relax_commit_durability()
    chunk = _Chunk()
    try:
        for delivery in deliveries:
            if delivery.channel == Channel.EMAIL:
                chunk.send_email(delivery)
            else:
                chunk.send_sms(delivery)
    finally:
        chunk.close()

    if chunk.retry:
        _retry_later(chunk.retry, attempt, queue)
    return chunk.sent_count


def _relax_commit_durability():
    """Each claim is committed on its own. On PostgreSQL these commits need
    not wait for the disk: what they guard against is a worker dying, and the
    server keeps a commit it acknowledged whatever happens to the worker."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO off")


class _Chunk:
    """The connections and the results of one chunk of sends."""

    def __init__(self):
        self.email_connection = None
        self.sms = None
        self.sent_emails = []
        self.sent_count = 0
        self.retry = {}

    def close(self):
        if self.email_connection is not None:
            try:
                self.email_connection.close()
            except Exception:
                logger.warning("Could not close the SMTP connection cleanly")
        queries.mark_sent(self.sent_emails)

    def send_email(self, delivery):
        subscriber = delivery.subscriber
        subject, text, html = render_email(delivery.notice, subscriber)
        if not queries.claim(delivery.pk):
            return  # another attempt has it
        claimed = [True]

        def hand_off():
            return queries.mark_handed(delivery.pk, wait=False)

        try:
            if self.email_connection is None:
                self.email_connection = open_connection()
            throttle.wait_for_slot(Channel.EMAIL)
            send_email(
                self.email_connection,
                subscriber.email,
                subject,
                text,
                html,
                unsubscribe_url=subscriber_links(subscriber)["unsubscribe_url"],
                list_id=list_id(),
                hand_off=hand_off,
            )
        except ClaimLost:
            return
        except (EmailSendError, OSError) as error:
            code = getattr(error, "code", "network")
            permanent = getattr(error, "permanent", False)
            if not isinstance(error, EmailSendError):
                self.email_connection = None  # could not connect; try again later
            self._failed(delivery, "Email", code, str(error), permanent, claimed)
            return
        self.sent_emails.append(delivery.pk)
        self.sent_count += 1
        logger.info(
            "Email delivery %s sent", delivery.pk, extra={"delivery_id": delivery.pk}
        )

    def send_sms(self, delivery):
        subscriber = delivery.subscriber
        body = render_sms(delivery.notice, subscriber)
        self.sms = self.sms or sms_provider()
        claimed = []

        def hand_off():
            # Claimed and marked as handed over in one statement, right
            # before the provider is called.
            claimed.append(queries.claim(delivery.pk, handing=True))
            return claimed[-1]

        throttle.wait_for_slot(Channel.SMS)
        try:
            sid = self.sms.send(
                subscriber.phone,
                body,
                status_callback=absolute("/webhooks/twilio/status"),
                hand_off=hand_off,
            )
        except ClaimLost:
            return
        except SmsSendError as error:
            if error.opted_out:
                SmsOptOut.objects.get_or_create(
                    phone=subscriber.phone, sender=self.sms.sender()
                )
                queries.advance(
                    delivery.pk,
                    DeliveryStatus.SUPPRESSED,
                    error_code=error.code,
                    error_message="the number has opted out",
                )
                logger.info(
                    "SMS delivery %s suppressed: the number opted out",
                    delivery.pk,
                    extra={"delivery_id": delivery.pk},
                )
                return
            status = (
                DeliveryStatus.UNDELIVERABLE
                if error.invalid_number
                else DeliveryStatus.FAILED
            )
            self._failed(
                delivery,
                "SMS",
                error.code,
                str(error),
                error.permanent,
                claimed,
                status,
            )
            return
        queries.record_sent(delivery.pk, sid)
        self.sent_count += 1
        logger.info(
            "SMS delivery %s sent", delivery.pk, extra={"delivery_id": delivery.pk}
        )

    def _failed(
        self,
        delivery,
        channel,
        code,
        message,
        permanent,
        claimed,
        status=DeliveryStatus.FAILED,
    ):
        if permanent:
            queries.advance(
                delivery.pk,
                status,
                error_code=str(code)[:32],
                error_message=message[:500],
            )
            logger.error(
                "%s delivery %s failed: %s",
                channel,
                delivery.pk,
                code,
                extra={"delivery_id": delivery.pk},
            )
            return
        queries.release(delivery.pk, code, message, claimed=any(claimed))
        self.retry[delivery.pk] = (str(code)[:32], message[:500])
        logger.warning(
            "%s delivery %s will be retried: %s",
            channel,
            delivery.pk,
            code,
            extra={"delivery_id": delivery.pk},
        )


def retry_countdown(attempt):
    """Exponential back-off with jitter: base * 2^attempt, capped, +-20 %."""
    base = _setting("HERALD_SEND_RETRY_BASE_SECONDS", 5)
    cap = _setting("HERALD_SEND_RETRY_MAX_SECONDS", 600)
    return min(base * 2**attempt, cap) * random.uniform(0.8, 1.2)


def _retry_later(failures, attempt, queue):
    ids = sorted(failures)
    if attempt >= settings.HERALD_SEND_MAX_RETRIES:
        for delivery_id in ids:
            code, message = failures[delivery_id]
            queries.advance(
                delivery_id,
                DeliveryStatus.FAILED,
                error_code=code,
                error_message=f"gave up after {attempt + 1} attempts: {message}"[:500],
            )
        logger.error(
            "Gave up on %s deliveries after %s attempts",
            len(ids),
            attempt + 1,
            extra={"delivery_ids": ids},
        )
        return
    countdown = retry_countdown(attempt)
    logger.warning("Retrying %s deliveries in %.1f s", len(ids), countdown)
    queries.mark_enqueued(ids)
    send_deliveries.apply_async(
        args=[ids],
        kwargs={"attempt": attempt + 1, "queue": queue},
        countdown=countdown,
        queue=queue,
    )


@shared_task
def retry_failed_deliveries(notice_id):
    """Staff asked to try the failed deliveries of a notice again."""
    from .models import Delivery

    ids = list(
        Delivery.objects.filter(
            notice_id=notice_id, status=DeliveryStatus.FAILED
        ).values_list("pk", flat=True)
    )
    if not ids:
        return 0
    notice = Notice.objects.get(pk=notice_id)
    requeued = queries.requeue_failed(ids)
    queue_chunks(ids, queues.for_level(notice.level))
    logger.info(
        "Staff retry: %s failed deliveries of notice %s queued again",
        requeued,
        notice_id,
        extra={"notice_id": notice_id},
    )
    return requeued


@shared_task
def send_due_digests():
    """Send every daily digest now due (run every minute by beat); a digest
    already sent is never sent again."""
    from . import digests

    sent = 0
    for subscriber_id, channel, cutoff in digests.due_digests():
        sent += bool(digests.send_digest(subscriber_id, channel, cutoff))
    return sent


@shared_task
def check_unsent_urgent_notices():
    """Raise a warning on the admin dashboard for each level I or II notice
    of the last day that has matching subscribers but sent nothing within
    HERALD_URGENT_UNSENT_MINUTES of issue; clear it once messages go out."""
    from .models import Delivery, UrgentNoticeAlarm

    now = timezone.now()
    late = now - timedelta(minutes=_setting("HERALD_URGENT_UNSENT_MINUTES", 5))
    urgent = Notice.objects.filter(
        level__lte=2, issued_at__lte=late, issued_at__gte=now - timedelta(days=1)
    ).select_related("warning")
    raised = 0
    for notice in urgent:
        sent = Delivery.objects.filter(notice=notice, sent_at__isnull=False).exists()
        if sent:
            UrgentNoticeAlarm.objects.filter(
                notice=notice, cleared_at__isnull=True
            ).update(cleared_at=now)
            continue
        matching = queries.matching_count(notice)
        if not matching:
            continue
        alarm, created = UrgentNoticeAlarm.objects.update_or_create(
            notice=notice, defaults={"matching": matching, "cleared_at": None}
        )
        raised += 1
        if created:
            logger.error(
                "Level %s notice %s has %s matching subscribers and nothing sent",
                notice.level,
                notice.pk,
                matching,
                extra={"notice_id": notice.pk},
            )
    return raised
