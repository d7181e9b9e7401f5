"""Daily digests: one message a day per subscriber and channel, gathering the
level III and IV notices held for them, at their local digest time (their
own `digest_time`, or HERALD_DIGEST_TIME in HERALD_DIGEST_TIMEZONE, by
default 08:00 Asia/Shanghai).

A digest's deliveries are claimed together just before the message leaves
and recorded sent together, so a rerun of the digest sends nothing twice.
"""

import logging
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import F, Min
from django.template.loader import render_to_string
from django.utils import timezone, translation

from . import queries, throttle
from .channels import ClaimLost
from .channels.email import EmailSendError, open_connection, send_email
from .channels.sms import SmsSendError, sms_provider
from .messages import absolute, list_id, notice_context, subscriber_links
from .models import Channel, Delivery, DeliveryStatus, Subscriber

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
    held before the subscriber's last digest moment and not yet sent."""
    now = now or timezone.now()
    default = default_digest_time()
    held = (
        Delivery.objects.filter(
            status=DeliveryStatus.QUEUED, digest=True, claimed_at__isnull=True
        )
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


def send_digest(subscriber_id, channel, cutoff, connection=None):
    """Send one digest; returns how many notices it carried (0 if none)."""
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    rows = list(
        Delivery.objects.filter(
            subscriber_id=subscriber_id,
            channel=channel,
            digest=True,
            status=DeliveryStatus.QUEUED,
            claimed_at__isnull=True,
            queued_at__lte=cutoff,
        )
        .select_related("notice", "notice__warning")
        .order_by("notice__issued_at")
    )
    if subscriber is None or not rows:
        return 0

    ids = [row.pk for row in rows]

    def hand_off():
        return Delivery.objects.filter(
            pk__in=ids, status=DeliveryStatus.QUEUED, claimed_at__isnull=True
        ).update(claimed_at=timezone.now(), attempts=F("attempts") + 1) == len(ids)

    context = {
        "notices": [notice_context(row.notice, subscriber) for row in rows],
        "count": len(rows),
        **subscriber_links(subscriber),
    }
    throttle.wait_for_slot(channel)
    try:
        with translation.override(subscriber.language):
            if channel == Channel.EMAIL:
                _send_email_digest(subscriber, context, connection, hand_off)
            else:
                _send_sms_digest(subscriber, context, hand_off)
    except ClaimLost:
        return 0
    except (EmailSendError, SmsSendError, OSError) as error:
        permanent = getattr(error, "permanent", False)
        for row_id in ids:
            if permanent:
                queries.advance(
                    row_id,
                    DeliveryStatus.FAILED,
                    error_code=str(getattr(error, "code", ""))[:32],
                    error_message=str(error)[:500],
                )
            else:
                queries.release(row_id, getattr(error, "code", "network"), str(error))
        logger.warning(
            "Digest for subscriber %s not sent: %s",
            subscriber_id,
            getattr(error, "code", "network"),
            extra={"subscriber_id": subscriber_id},
        )
        return 0
    Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.QUEUED).update(
        status=DeliveryStatus.SENT, sent_at=timezone.now()
    )
    logger.info(
        "Digest of %s notices sent to subscriber %s",
        len(ids),
        subscriber_id,
        extra={"subscriber_id": subscriber_id},
    )
    return len(ids)


def _send_email_digest(subscriber, context, connection, hand_off):
    subject = " ".join(
        render_to_string("subscriptions/email/digest_subject.txt", context).split()
    )
    text = render_to_string("subscriptions/email/digest.txt", context)
    html = render_to_string("subscriptions/email/digest.html", context)
    own = connection is None
    connection = connection or open_connection()
    try:
        send_email(
            connection,
            subscriber.email,
            subject,
            text,
            html,
            unsubscribe_url=context["unsubscribe_url"],
            list_id=list_id(),
            hand_off=hand_off,
        )
    finally:
        if own:
            connection.close()


def _send_sms_digest(subscriber, context, hand_off):
    body = render_to_string("subscriptions/sms/digest.txt", context)
    provider = sms_provider()
    provider.send(
        subscriber.phone,
        settings.HERALD_SMS_SIGNATURE + " ".join(body.split()),
        status_callback=absolute("/webhooks/twilio/status"),
        hand_off=hand_off,
    )
