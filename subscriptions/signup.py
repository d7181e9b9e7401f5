"""Subscribing, confirming and leaving: the rules of double opt-in."""

import hashlib
import hmac
import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import PhoneVerification, Subscriber, new_key

logger = logging.getLogger(__name__)

CODE_LIFETIME = timedelta(minutes=10)
CODE_MAX_ATTEMPTS = 5
RESEND_INTERVAL = timedelta(minutes=1)


def hash_code(code):
    return hmac.new(
        settings.SECRET_KEY.encode(), code.encode(), hashlib.sha256
    ).hexdigest()


@transaction.atomic
def subscribe(data):
    """Create or update the pending subscriber for an address. Returns the
    subscriber and which confirmations to send (never twice in a minute)."""
    email, phone = data.get("email"), data.get("phone")
    subscriber = None
    if email:
        subscriber = Subscriber.objects.select_for_update().filter(email=email).first()
    if subscriber is None and phone:
        subscriber = Subscriber.objects.select_for_update().filter(phone=phone).first()
    if subscriber is None:
        subscriber = Subscriber(email=email, phone=phone)
    else:
        if email and subscriber.email != email:
            if not Subscriber.objects.filter(email=email).exists():
                subscriber.email, subscriber.email_confirmed_at = email, None
        if phone and subscriber.phone != phone:
            if not Subscriber.objects.filter(phone=phone).exists():
                subscriber.phone, subscriber.phone_confirmed_at = phone, None
    subscriber.max_level = data["max_level"]
    subscriber.language = data["language"]
    subscriber.wants_trade_advisories = data.get("wants_trade_advisories", False)
    if subscriber.wants_trade_advisories:
        subscriber.audience = "business"
    subscriber.left_at = None
    subscriber.save()
    subscriber.categories.set(data["categories"])

    send_email = bool(
        subscriber.email
        and not subscriber.email_confirmed_at
        and _not_sent_recently(subscriber, "email")
    )
    send_code = bool(
        subscriber.phone
        and not subscriber.phone_confirmed_at
        and _not_sent_recently(subscriber, "sms")
    )
    return subscriber, send_email, send_code


def _not_sent_recently(subscriber, channel):
    from django.core.cache import cache

    key = f"confirmation-sent:{channel}:{subscriber.pk}"
    return cache.add(key, 1, timeout=int(RESEND_INTERVAL.total_seconds()))


def new_phone_code(subscriber):
    code = f"{secrets.randbelow(10**6):06d}"
    now = timezone.now()
    PhoneVerification.objects.filter(
        subscriber=subscriber, used_at__isnull=True
    ).update(used_at=now)
    PhoneVerification.objects.create(
        subscriber=subscriber,
        code_hash=hash_code(code),
        sent_at=now,
        expires_at=now + CODE_LIFETIME,
    )
    return code


@transaction.atomic
def check_phone_code(subscriber, code):
    """(ok, reason): reason is 'expired', 'too_many' or 'wrong' when not ok."""
    verification = (
        PhoneVerification.objects.select_for_update()
        .filter(subscriber=subscriber, used_at__isnull=True)
        .order_by("-sent_at")
        .first()
    )
    if verification is None or verification.expires_at < timezone.now():
        return False, "expired"
    if verification.attempts >= CODE_MAX_ATTEMPTS:
        return False, "too_many"
    verification.attempts += 1
    if not hmac.compare_digest(verification.code_hash, hash_code(code)):
        verification.save(update_fields=["attempts"])
        return False, "wrong"
    verification.used_at = timezone.now()
    verification.save(update_fields=["attempts", "used_at"])
    subscriber.phone_confirmed_at = timezone.now()
    subscriber.save(update_fields=["phone_confirmed_at"])
    return True, ""


def confirm_email(subscriber):
    if not subscriber.email_confirmed_at:
        subscriber.email_confirmed_at = timezone.now()
        subscriber.save(update_fields=["email_confirmed_at"])


def unsubscribe_everything(subscriber):
    """Stop every message and void every link issued so far."""
    subscriber.email_active = False
    subscriber.sms_active = False
    subscriber.left_at = timezone.now()
    subscriber.manage_key = new_key()
    subscriber.save(
        update_fields=["email_active", "sms_active", "left_at", "manage_key"]
    )
    logger.info(
        "Subscriber %s left", subscriber.pk, extra={"subscriber_id": subscriber.pk}
    )
