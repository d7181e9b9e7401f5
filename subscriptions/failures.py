"""What a failed send leads to, for a notice's messages and for digests
alike: a number that opted out is recorded and never written to again from
this sender; a number the provider calls invalid goes on the suppression
list; a message refused for good fails; anything else may be tried again, at
most HERALD_SEND_MAX_RETRIES times after the first try, and then fails."""

import logging
import random
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from . import queries
from .models import Channel, DeliveryStatus, SmsOptOut, Suppression

logger = logging.getLogger(__name__)


def retry_countdown(attempt, jitter=None):
    """Exponential back-off with jitter: base * 2^attempt, capped, +-20 %
    (`jitter` names the factor, by default drawn at random)."""
    base = getattr(settings, "HERALD_SEND_RETRY_BASE_SECONDS", 5)
    cap = getattr(settings, "HERALD_SEND_RETRY_MAX_SECONDS", 600)
    if jitter is None:
        jitter = random.uniform(0.8, 1.2)
    return min(base * 2**attempt, cap) * jitter


def record_failure(attempts, channel, address, error, sms_sender="", retry_at=None):
    """Record the failed send of one message, which carried the deliveries
    of `attempts` ({delivery id: tries made, this one included}; a digest
    carries several). Those a retry may mend are given back, digests to wait
    until `retry_at` (a callable of the tries made); returns them, as
    {delivery id: tries made}."""
    ids = sorted(attempts)
    code = str(getattr(error, "code", "") or "network")[:32]
    # Kept whole: `queries` scrubs the addresses out, then cuts it to size.
    message = str(error) or type(error).__name__
    extra = {"delivery_ids": ids}

    if getattr(error, "opted_out", False):
        SmsOptOut.objects.get_or_create(phone=address, sender=sms_sender)
        _advance(ids, DeliveryStatus.SUPPRESSED, code, "the number has opted out")
        logger.info("%s suppressed: opted out", _what(channel, ids), extra=extra)
        return {}
    if getattr(error, "invalid_number", False):
        # Dead for every later notice too: matching skips suppressed numbers.
        Suppression.objects.get_or_create(
            channel=Channel.SMS,
            address=address,
            defaults={"reason": f"the provider called it invalid ({code})"},
        )
        _advance(ids, DeliveryStatus.UNDELIVERABLE, code, message)
        logger.error(
            "%s undeliverable: invalid number (%s)",
            _what(channel, ids),
            code,
            extra=extra,
        )
        return {}
    if getattr(error, "permanent", False):
        _advance(ids, DeliveryStatus.FAILED, code, message)
        logger.error("%s failed: %s", _what(channel, ids), code, extra=extra)
        return {}

    limit = settings.HERALD_SEND_MAX_RETRIES
    spent = [pk for pk in ids if attempts[pk] > limit]
    for pk in spent:
        queries.advance(
            pk,
            DeliveryStatus.FAILED,
            error_code=code,
            error_message=f"gave up after {attempts[pk]} attempts: {message}",
        )
    if spent:
        logger.error(
            "Gave up on %s after %s attempts: %s",
            _what(channel, spent),
            max(attempts[pk] for pk in spent),
            code,
            extra={"delivery_ids": spent},
        )
    retry = {pk: attempts[pk] for pk in ids if attempts[pk] <= limit}
    now = timezone.now()
    for pk, tries in retry.items():
        if retry_at:
            queries.release(pk, code, message, retry_at=retry_at(tries))
            continue
        # Not due before the shortest back-off its retry can get: the rest
        # of its chunk may take minutes to send, and the sweeper would
        # otherwise queue it again at once, with no back-off at all.
        earliest = retry_countdown(tries - 1, jitter=0.8)
        queries.release(pk, code, message, due=now + timedelta(seconds=earliest))
    if retry:
        logger.warning(
            "%s will be retried: %s",
            _what(channel, list(retry)),
            code,
            extra={"delivery_ids": sorted(retry)},
        )
    return retry


def _advance(ids, status, code, message):
    for pk in ids:
        queries.advance(pk, status, error_code=code, error_message=message)


def _what(channel, ids):
    name = "Email" if channel == Channel.EMAIL else "SMS"
    if len(ids) == 1:
        return f"{name} delivery {ids[0]}"
    return f"{name} digest of {len(ids)} deliveries"
