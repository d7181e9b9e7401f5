"""The delivery pipeline: match a notice, then send its deliveries in chunks.

Every task takes ids, loads the records, checks their state and does one
thing, so a task run twice sends nothing twice:

- `dispatch_notice` writes the deliveries of a notice slice by slice (one
  INSERT ... SELECT per channel and slice), queues a first wave of them in
  chunks at once and the others when every row is written; one dispatch of
  a notice runs at a time (`queries.dispatch_lock`);
- `send_deliveries` sends the still-queued deliveries of a chunk whose
  subscribers can still be written to, each one claimed by an atomic UPDATE
  (`queries.claim`), then given its slot of the provider's rate limit, then
  marked as handed over just before it leaves (an SMS with no rate to wait
  for is claimed and marked in one statement);
- `sweep_pending_notices` (every minute) dispatches notices left pending,
  queues again deliveries whose send task was lost, settles deliveries
  handed over by a worker that died before recording them, and applies
  status callbacks that came before their message's id was stored.
"""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import connection
from django.utils import timezone

from alerts.models import Notice

from . import failures, queries, queues, throttle
from .channels import ClaimLost
from .channels.email import EmailSendError, send_email
from .channels.senders import Senders
from .channels.sms import SmsSendError
from .failures import retry_countdown
from .messages import absolute, list_id, render_email, render_sms, subscriber_links
from .models import Channel, DeliveryStatus

logger = logging.getLogger(__name__)


def _setting(name, default):
    return getattr(settings, name, default)


@shared_task
def dispatch_notice(notice_id, wait=False):
    """Write the deliveries of a notice and queue them for sending.

    One dispatch of a notice runs at a time: one that finds another running
    (the sweeper found the notice still pending) returns at once, or with
    `wait` waits for it to end. A dispatch that dies lets go with its
    database session, and the next sweep takes the notice up again."""
    if not Notice.objects.pending_dispatch().filter(pk=notice_id).exists():
        return 0
    with queries.dispatch_lock(notice_id, wait=wait) as taken:
        if not taken:
            logger.info(
                "Notice %s is being dispatched already",
                notice_id,
                extra={"notice_id": notice_id},
            )
            return 0
        return _dispatch(notice_id)


def _dispatch(notice_id):
    notice = Notice.objects.select_related("warning").filter(pk=notice_id).first()
    if notice is None or notice.dispatch_status != Notice.DispatchStatus.PENDING:
        return 0

    # A level change or lifting goes to everyone told of the warning: the
    # notices before it are matched first (a broker down at their issue, or
    # a fan-out still being written, may have left them pending).
    earlier = Notice.objects.pending_dispatch().filter(
        warning_id=notice.warning_id, sequence__lt=notice.sequence
    )
    for earlier_id in earlier.order_by("sequence").values_list("pk", flat=True):
        dispatch_notice(earlier_id, wait=True)

    queue = queues.for_level(notice.level)
    sent_ahead = set()
    if notice.deliveries.exists():
        # An earlier dispatch died part way: queue again what it wrote but
        # never sent. Chunks queued twice are harmless (each send is claimed).
        sent_ahead.update(queries.queued_delivery_ids(notice.pk))
        queue_chunks(sorted(sent_ahead), queue)
    # The first messages are queued as soon as they are written, so that
    # the first subscribers hear within a second; once a slice would take
    # the first wave past HERALD_DISPATCH_FIRST_WAVE messages, the rest wait
    # until every row is written. On a busy machine the sends would otherwise
    # slow the writing, and until its rows are written a notice is not safe
    # from a lost worker: the sweeper can only send again what was written.
    wave = _setting("HERALD_DISPATCH_FIRST_WAVE", 2000)
    written = queued = 0
    holding = False
    for subscriber_range in queries.subscriber_slices():
        rows = queries.write_deliveries(notice, subscriber_range)
        written += len(rows)
        ids = [pk for pk, digest in rows if not digest]
        if not holding and (queued == 0 or queued + len(ids) <= wave):
            queued += queue_chunks(ids, queue)
            sent_ahead.update(ids)
        else:
            holding = True
    written_at = timezone.now()
    # The rest is read back, not taken from the rows this dispatch wrote:
    # another dispatch of the notice may have run alongside (the sweeper
    # found it pending) and died holding rows this one could not write.
    held = [pk for pk in queries.queued_delivery_ids(notice.pk) if pk not in sent_ahead]
    queue_chunks(held, queue)

    Notice.objects.filter(
        pk=notice.pk, dispatch_status=Notice.DispatchStatus.PENDING
    ).update(dispatch_status=Notice.DispatchStatus.MATCHED, matched_at=written_at)
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
    queries.apply_early_statuses(now - timedelta(days=1))
    _queue_lost_sends(now)
    return len(pending)


def _queue_lost_sends(now):
    """Queue again the deliveries whose send task was lost. A task still in
    its queue may wait there long behind a rate-limited fan-out, so a task
    counts as lost after HERALD_SEND_STALE_SECONDS; but once nothing waits
    in its queue, it was either taken by a worker that died or is being sent
    right now, and after HERALD_SEND_LOST_SECONDS it is queued again (a
    delivery being sent is claimed first, so nobody gets it twice)."""
    stale_after = _setting("HERALD_SEND_STALE_SECONDS", 900)
    lost_after = _setting("HERALD_SEND_LOST_SECONDS", 60)
    idle_levels = [
        level
        for queue in (queues.URGENT, queues.ROUTINE)
        if queues.waiting(queue) == 0
        for level in queues.levels_of(queue)
    ]
    lost = queries.stale_queued_deliveries(
        now - timedelta(seconds=stale_after),
        idle_levels=idle_levels,
        idle_older_than=now - timedelta(seconds=lost_after),
    )
    for level, ids in lost.items():
        queue_chunks(ids, queues.for_level(level))
        logger.warning("Queued %s deliveries again: their send task was lost", len(ids))


@shared_task
def send_deliveries(delivery_ids, attempt=0, queue=queues.ROUTINE):
    """Send each delivery of the chunk that is still queued and whose
    subscriber can still be written to. Those that fail for a reason a retry
    can mend are sent again later, with back-off. Each delivery's own count
    of attempts bounds its retries (HERALD_SEND_MAX_RETRIES), however often
    the sweeper queues it again; `attempt` is still accepted from tasks
    already in the queue, but no longer read."""
    chunk = _Chunk()
    deliveries = queries.deliveries_to_send(delivery_ids, chunk.sms_sender())
    if not deliveries:
        return 0

    # One notice object per notice, so what is worked out once for a notice
    # (its public URL) serves every message of the chunk.
    shared = {}
    for delivery in deliveries:
        delivery.notice = shared.setdefault(delivery.notice_id, delivery.notice)
    _relax_commit_durability()
    try:
        for delivery in deliveries:
            if delivery.channel == Channel.EMAIL:
                chunk.send_email(delivery)
            else:
                chunk.send_sms(delivery)
    finally:
        chunk.close()

    if chunk.retry:
        _retry_later(chunk.retry, queue)
    return chunk.sent_count


def _relax_commit_durability():
    """Each claim is committed on its own. On PostgreSQL these commits need
    not wait for the disk: what they guard against is a worker dying, and the
    server keeps a commit it acknowledged whatever happens to the worker."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO off")


class _Chunk(Senders):
    """The connections and the results of one chunk of sends.

    Each message is claimed first, then waits for its slot of the provider's
    rate limit, then is handed over: a message another attempt already took
    never holds a slot that someone else's message could have used. An SMS
    with no rate limit set has no slot to hold, and is claimed and marked as
    handed over in one statement."""

    def __init__(self):
        super().__init__()
        self.sent_emails = []
        self.sent_count = 0
        self.retry = {}

    def close(self):
        super().close()
        queries.mark_sent(self.sent_emails)

    def send_email(self, delivery):
        subscriber = delivery.subscriber
        subject, text, html = render_email(delivery.notice, subscriber)
        if not queries.claim(delivery.pk):
            return  # another attempt has it
        handed = []

        def hand_off():
            handed.append(True)
            return queries.mark_handed(delivery.pk, wait=False)

        try:
            email_connection = self.smtp.get()
            throttle.wait_for_slot(Channel.EMAIL)
            send_email(
                email_connection,
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
        except EmailSendError as error:
            if error.connection_lost:
                self.smtp.drop()
                if handed:
                    self._assumed_sent(delivery)
                    return
            self._failed(delivery, Channel.EMAIL, subscriber.email, error)
            return
        self.sent_emails.append(delivery.pk)
        self.sent_count += 1
        logger.info(
            "Email delivery %s sent", delivery.pk, extra={"delivery_id": delivery.pk}
        )

    def _assumed_sent(self, delivery):
        # The final dot was written and the answer never came: the server
        # may well have taken the message. As for a worker lost at that
        # point (see queries.settle_abandoned_claims), nobody gets it twice.
        queries.advance(
            delivery.pk,
            DeliveryStatus.SENT,
            error_code="reply_lost",
            error_message="connection lost after the message was handed over; "
            "assumed sent",
        )
        self.sent_count += 1
        logger.warning(
            "Email delivery %s: connection lost after the hand-over; assumed sent",
            delivery.pk,
            extra={"delivery_id": delivery.pk},
        )

    def send_sms(self, delivery):
        subscriber = delivery.subscriber
        body = render_sms(delivery.notice, subscriber)
        if throttle.rate_for(Channel.SMS) > 0:
            if not queries.claim(delivery.pk):
                return  # another attempt has it, and it takes no slot
            throttle.wait_for_slot(Channel.SMS)

            def hand_off():
                return queries.mark_handed(delivery.pk)

        else:
            # No rate to wait for: claim and hand-off mark in one statement
            # right before the provider is called, one write per message.
            def hand_off():
                return queries.claim(delivery.pk, handing=True)

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
            self._failed(delivery, Channel.SMS, subscriber.phone, error)
            return
        queries.record_sent(delivery.pk, sid)
        self.sent_count += 1
        logger.info(
            "SMS delivery %s sent", delivery.pk, extra={"delivery_id": delivery.pk}
        )

    def _failed(self, delivery, channel, address, error):
        # The claim counted this try: attempts as loaded, plus one.
        retry = failures.record_failure(
            {delivery.pk: delivery.attempts + 1},
            channel,
            address,
            error,
            sms_sender=self.sms_sender() if channel == Channel.SMS else "",
        )
        self.retry.update(retry)


def _retry_later(retry, queue):
    """Queue the chunk's deliveries that a retry may mend, after the back-off
    of the most tried of them."""
    ids = sorted(retry)
    countdown = retry_countdown(max(retry.values()) - 1)
    logger.warning("Retrying %s deliveries in %.1f s", len(ids), countdown)
    queries.mark_enqueued(ids, due=timezone.now() + timedelta(seconds=countdown))
    send_deliveries.apply_async(
        args=[ids], kwargs={"queue": queue}, countdown=countdown, queue=queue
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
    run = Senders()
    try:
        for subscriber_id, channel, cutoff in digests.due_digests():
            sent += bool(digests.send_digest(subscriber_id, channel, cutoff, run))
    finally:
        run.close()
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
