"""Erasing what Herald holds about a person.

A subscriber who asks for it is erased at once; one who left everything is
erased 30 days after leaving, and one who never confirmed any address 30
days after their last request, by a scheduled task. Erasing removes the
addresses, the choices, the codes, list memberships, any copy of a message
in the outbox and the providers' error texts of their deliveries (which may
quote an address); the row stays, emptied, so that the delivery counts
staff see on past notices do not change.

Kept on purpose: SMS opt-outs and the suppression list, which record that a
number or address must not be written to, and which only work while kept."""

import logging
from datetime import timedelta

from celery import shared_task
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import Delivery, OutboxMessage, PhoneVerification, Subscriber, new_key

logger = logging.getLogger(__name__)

RETENTION = timedelta(days=30)


@transaction.atomic
def erase_subscriber(subscriber_id):
    """Empty one subscriber of personal data. Returns False when there was
    nothing left to erase, so running it twice is harmless."""
    subscriber = (
        Subscriber.objects.select_for_update()
        .filter(pk=subscriber_id, erased_at__isnull=True)
        .first()
    )
    if subscriber is None:
        return False

    now = timezone.now()
    addresses = [a for a in (subscriber.email, subscriber.phone) if a]
    OutboxMessage.objects.filter(to__in=addresses).delete()
    # A provider's error may quote the address it refused; the status and
    # the error code stay for the counts.
    Delivery.objects.filter(subscriber=subscriber).exclude(error_message="").update(
        error_message=""
    )
    PhoneVerification.objects.filter(subscriber=subscriber).delete()
    subscriber.lists.clear()
    subscriber.categories.clear()
    subscriber.email = subscriber.phone = None
    subscriber.email_confirmed_at = subscriber.phone_confirmed_at = None
    subscriber.email_active = subscriber.sms_active = False
    subscriber.origins = []
    subscriber.digest_time = None
    subscriber.manage_key = new_key()
    subscriber.left_at = subscriber.left_at or now
    subscriber.erased_at = now
    subscriber.save()
    logger.info(
        "Subscriber %s erased", subscriber.pk, extra={"subscriber_id": subscriber.pk}
    )
    return True


def due_for_erasure(now=None):
    """Ids of subscribers whose personal data is due to go."""
    cutoff = (now or timezone.now()) - RETENTION
    left = Q(left_at__lte=cutoff)
    never_confirmed = Q(
        email_confirmed_at__isnull=True,
        phone_confirmed_at__isnull=True,
        updated_at__lte=cutoff,
        lists__isnull=True,  # port contacts are kept by staff, not confirmed
    )
    return list(
        Subscriber.objects.filter(erased_at__isnull=True)
        .filter(left | never_confirmed)
        .order_by("pk")
        .values_list("pk", flat=True)
        .distinct()
    )


@shared_task
def erase_departed_subscribers():
    """Erase everyone who left more than 30 days ago (hourly, by beat)."""
    ids = due_for_erasure()
    erased = sum(erase_subscriber(subscriber_id) for subscriber_id in ids)
    if erased:
        logger.info("Erased %s departed subscribers", erased)
    return erased
