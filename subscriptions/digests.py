"""Daily digests: one message a day per subscriber and channel, gathering the
level III and IV notices held for them, at their local digest time (their
own `digest_time`, or HERALD_DIGEST_TIME in HERALD_DIGEST_TIMEZONE, by
default 08:00 Asia/Shanghai).

A digest's deliveries are claimed before the message leaves and recorded
sent together, so a rerun of the digest sends nothing twice; a try that
failed for a reason a retry can mend waits out the same back-off, and meets
the same bound, as a single notice's message.
"""

import logging
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Min, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from . import failures, queries, throttle
from .channels.email import EmailSendError, send_email
from .channels.senders import Senders
from .channels.sms import SmsSendError
from .messages import absolute, list_id, notice_context, subscriber_links
from .models import Channel, Delivery, DeliveryStatus

logger = logging.getLogger(__name__)


def default_digest_time():
    text = getattr(settings, "HERALD_DIGEST_TIME", "08:00")
    try:
        hour, minute = (int(part) for part in text.split(":"))
        return time(hour, minute)
    except ValueError as error:
        raise ValueError(
            f"HERALD_DIGEST_TIME must be HH:MM, like 08:00, not {text!r}"
        ) from error


def last_digest_moment(now, digest_time):
    """The latest moment at or before `now` when this digest was due."""
    zone = ZoneInfo(getattr(settings, "HERALD_DIGEST_TIMEZONE", "Asia/Shanghai"))
    local = now.astimezone(zone)
    moment = datetime.combine(local.date(), digest_time, tzinfo=zone)
    if moment > local:
        moment -= timedelta(days=1)
    return moment


def due_digests(now=None):
    """(subscriber id, channel, cutoff) of each digest due now: deliveries
    held before the subscriber's last digest moment, not yet sent, and not
    waiting out the back-off of a failed try."""
    now = now or timezone.now()
    default = default_digest_time()
    held = (
        _waiting(now)
        .values("subscriber_id", "channel", "subscriber__digest_time")
        .annotate(first_queued=Min("queued_at"))
        .order_by("subscriber_id", "channel")
    )
    due = []
    for group in held:
        cutoff = last_digest_moment(now, group["subscriber__digest_time"] or default)
        if group["first_queued"] <= cutoff:
            due.append((group["subscriber_id"], group["channel"], cutoff))
    return due


def _waiting(now):
    return Delivery.objects.filter(
        Q(retry_at__isnull=True) | Q(retry_at__lte=now),
        status=DeliveryStatus.QUEUED,
        digest=True,
        claimed_at__isnull=True,
    )


def send_digest(subscriber_id, channel, cutoff, run=None):
    """Send one digest; returns how many notices it carried (0 if none).

    As for a single notice: the deliveries are checked against the
    subscriber's current choices (someone who left since gets nothing),
    claimed, given their slot of the rate limit, marked as handed over just
    before the message leaves (so a worker lost after that never sends the
    digest twice), and recorded with the provider's message id."""
    own_run = run is None
    run = run or Senders()
    try:
        return _send_digest(subscriber_id, channel, cutoff, run)
    finally:
        if own_run:
            run.close()


def _send_digest(subscriber_id, channel, cutoff, run):
    now = timezone.now()
    sms_sender = run.sms_sender() if channel == Channel.SMS else ""
    ids = list(
        _waiting(now)
        .filter(subscriber_id=subscriber_id, channel=channel, queued_at__lte=cutoff)
        .values_list("pk", flat=True)
    )
    if not ids:
        return 0
    queries.suppress_unreachable(ids, sms_sender or None)
    candidates = (
        Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.QUEUED)
        .select_related("subscriber", "notice", "notice__warning")
        .order_by("notice__issued_at", "pk")
    )
    # Each claimed on its own: the digest carries what this attempt took.
    rows = [row for row in candidates if queries.claim(row.pk)]
    if not rows:
        return 0

    subscriber = rows[0].subscriber
    ids = [row.pk for row in rows]
    context = {
        "notices": [notice_context(row.notice, subscriber) for row in rows],
        "count": len(rows),
        **subscriber_links(subscriber),
    }
    throttle.wait_for_slot(channel)
    handed = []

    def hand_off():
        handed.append(queries.mark_digest_handed(ids))
        return True

    address = subscriber.email if channel == Channel.EMAIL else subscriber.phone
    try:
        with translation.override(subscriber.language):
            if channel == Channel.EMAIL:
                provider_id = _send_email_digest(subscriber, context, run, hand_off)
            else:
                provider_id = _send_sms_digest(subscriber, context, run, hand_off)
    except (EmailSendError, SmsSendError) as error:
        if getattr(error, "connection_lost", False):
            run.smtp.drop()
            if handed:
                _assumed_sent(ids, subscriber_id)
                return len(ids)
        failures.record_failure(
            {row.pk: row.attempts + 1 for row in rows},
            channel,
            address,
            error,
            sms_sender=sms_sender,
            retry_at=lambda tries: (
                now + timedelta(seconds=failures.retry_countdown(tries - 1))
            ),
        )
        return 0
    queries.mark_sent(ids, provider_id)
    logger.info(
        "Digest of %s notices sent to subscriber %s",
        len(ids),
        subscriber_id,
        extra={"subscriber_id": subscriber_id},
    )
    return len(ids)


def _assumed_sent(ids, subscriber_id):
    # The message was handed over and the answer never came (see
    # tasks._Chunk._assumed_sent): never sent twice.
    Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.QUEUED).update(
        status=DeliveryStatus.SENT,
        error_code="reply_lost",
        error_message="connection lost after the message was handed over; assumed sent",
    )
    logger.warning(
        "Digest for subscriber %s: connection lost after the hand-over; assumed sent",
        subscriber_id,
        extra={"subscriber_id": subscriber_id},
    )


def _send_email_digest(subscriber, context, run, hand_off):
    subject = " ".join(
        render_to_string("subscriptions/email/digest_subject.txt", context).split()
    )
    text = render_to_string("subscriptions/email/digest.txt", context)
    html = render_to_string("subscriptions/email/digest.html", context)
    send_email(
        run.smtp.get(),
        subscriber.email,
        subject,
        text,
        html,
        unsubscribe_url=context["unsubscribe_url"],
        list_id=list_id(),
        hand_off=hand_off,
    )
    return ""


def _send_sms_digest(subscriber, context, run, hand_off):
    body = render_to_string("subscriptions/sms/digest.txt", context)
    return run.sms.send(
        subscriber.phone,
        settings.HERALD_SMS_SIGNATURE + " ".join(body.split()),
        status_callback=absolute("/webhooks/twilio/status"),
        hand_off=hand_off,
    )
