"""Subscribing, confirming, changing and leaving: the rules of double opt-in.

Nothing but a confirmation goes to an address before it is confirmed; a
second subscribe with the same address updates the pending one, and no
address gets two confirmations within a minute. A subscriber who already
confirmed is never changed by someone who merely knows their address: they
are sent their manage link instead."""

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import ratelimits
from .models import Channel, PhoneVerification, SmsOptOut, Subscriber, new_key

logger = logging.getLogger(__name__)

CODE_LIFETIME = timedelta(minutes=10)
CODE_MAX_ATTEMPTS = 5
RESEND_INTERVAL = timedelta(minutes=1)

PREFERENCES = (
    "max_level",
    "audience",
    "wants_public_announcements",
    "wants_trade_advisories",
    "origins",
    "language",
    "frequency",
    "digest_time",
)


@dataclass
class Signup:
    """What a subscribe request led to, and so which messages to send."""

    subscriber: Subscriber
    email_confirmation: bool = False
    phone_code: bool = False
    email_reminder: bool = False
    phone_reminder: bool = False
    phone_opted_out: bool = False


def hash_code(code):
    return hmac.new(
        settings.SECRET_KEY.encode(), code.encode(), hashlib.sha256
    ).hexdigest()


def is_settled(subscriber):
    """Confirmed on some channel and not left: their choices are their own
    to change, through their manage link."""
    return subscriber.left_at is None and bool(
        subscriber.email_confirmed_at or subscriber.phone_confirmed_at
    )


def phone_opted_out(phone, sender):
    return SmsOptOut.objects.filter(phone=phone, sender=sender).exists()


@transaction.atomic
def subscribe(data, sms_sender):
    """Create or update the pending subscribers for the addresses in `data`
    (a cleaned SubscribeForm); one Signup per subscriber touched, saying
    which messages to send.

    An email address and a number typed together share one subscriber only
    when neither is known yet, or one subscriber already holds both. A known
    address is never joined to an address someone else typed: whoever knows
    a pending address would otherwise confirm their own number onto it and
    hold the manage link of the address's owner. Each then goes its own
    way, with the same answer on the page."""
    email, phone = data.get("email"), data.get("phone")
    by_email = by_phone = None
    if email:
        by_email = Subscriber.objects.select_for_update().with_email(email).first()
    if phone:
        by_phone = Subscriber.objects.select_for_update().filter(phone=phone).first()

    if (
        email
        and phone
        and getattr(by_email, "pk", None) != getattr(by_phone, "pk", None)
    ):
        parts = [(by_email, email, None), (by_phone, None, phone)]
    else:
        parts = [(by_email or by_phone, email, phone)]
    return [
        _subscribe_one(subscriber, email, phone, data, sms_sender)
        for subscriber, email, phone in parts
    ]


def _subscribe_one(subscriber, email, phone, data, sms_sender):
    """One subscriber's part of a subscribe request. `subscriber` is None or
    holds every address given here; messages go only to those addresses."""
    opted_out = bool(phone) and phone_opted_out(phone, sms_sender)
    if subscriber is not None and is_settled(subscriber):
        email_confirmed = bool(subscriber.email_confirmed_at)
        phone_confirmed = bool(subscriber.phone_confirmed_at)
        email_due = bool(email) and _not_sent_recently(subscriber, Channel.EMAIL)
        phone_due = (
            bool(phone)
            and not opted_out
            and _not_sent_recently(subscriber, Channel.SMS)
        )
        return Signup(
            subscriber,
            email_confirmation=email_due and not email_confirmed,
            email_reminder=email_due and email_confirmed,
            phone_code=phone_due and not phone_confirmed,
            phone_reminder=phone_due and phone_confirmed,
            phone_opted_out=opted_out,
        )

    if subscriber is None:
        subscriber = Subscriber(email=email, phone=phone)
    elif subscriber.left_at is not None:
        # Coming back after leaving: every address is confirmed afresh.
        subscriber.left_at = None
        subscriber.email_confirmed_at = subscriber.phone_confirmed_at = None
        subscriber.email_active = subscriber.sms_active = True
    for name in PREFERENCES:
        setattr(subscriber, name, data[name])
    subscriber.save()
    subscriber.categories.set(data["categories"])

    signup = Signup(subscriber, phone_opted_out=opted_out)
    if email:
        signup.email_confirmation = _not_sent_recently(subscriber, Channel.EMAIL)
    if phone and not opted_out:
        signup.phone_code = _not_sent_recently(subscriber, Channel.SMS)
    logger.info(
        "Subscribe request for subscriber %s",
        subscriber.pk,
        extra={"subscriber_id": subscriber.pk},
    )
    return signup


def _not_sent_recently(subscriber, channel):
    """True at most once a minute per subscriber and channel; RateLimited
    when that cannot be told."""
    key = f"herald:confirmation-sent:{channel}:{subscriber.pk}"
    return ratelimits.first_in(key, int(RESEND_INTERVAL.total_seconds()))


def may_resend_code(subscriber, sms_sender):
    return bool(
        subscriber.phone
        and not subscriber.phone_confirmed_at
        and not phone_opted_out(subscriber.phone, sms_sender)
        and _not_sent_recently(subscriber, Channel.SMS)
    )


def new_phone_code(subscriber):
    """A fresh 6-digit code; any code sent before stops working."""
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
    subscriber.sms_active = True
    subscriber.save(update_fields=["phone_confirmed_at", "sms_active"])
    logger.info(
        "Subscriber %s confirmed a number",
        subscriber.pk,
        extra={"subscriber_id": subscriber.pk},
    )
    return True, ""


def confirm_email(subscriber):
    if not subscriber.email_confirmed_at:
        subscriber.email_confirmed_at = timezone.now()
        subscriber.email_active = True
        subscriber.save(update_fields=["email_confirmed_at", "email_active"])
        logger.info(
            "Subscriber %s confirmed an email address",
            subscriber.pk,
            extra={"subscriber_id": subscriber.pk},
        )


@transaction.atomic
def update_preferences(subscriber, data):
    """Save the manage page's choices. Turning every channel off is leaving."""
    for name in PREFERENCES:
        setattr(subscriber, name, data[name])
    subscriber.email_active = bool(data["email_active"] and subscriber.email)
    subscriber.sms_active = bool(data["sms_active"] and subscriber.phone)
    if subscriber.email_active or subscriber.sms_active:
        subscriber.left_at = None
    elif subscriber.left_at is None:
        subscriber.left_at = timezone.now()
    subscriber.save()
    subscriber.categories.set(data["categories"])


@transaction.atomic
def change_address(subscriber, channel, address):
    """Put a new, unconfirmed address on a channel. Returns whether a
    confirmation should go to it: not when another subscriber holds it (the
    page says the same either way) or one went within the minute."""
    field = "email" if channel == Channel.EMAIL else "phone"
    current = getattr(subscriber, field) or ""
    if current == address or (
        field == "email" and ratelimits.mailbox(current) == ratelimits.mailbox(address)
    ):
        return False
    holders = (
        Subscriber.objects.with_email(address)
        if field == "email"
        else Subscriber.objects.filter(phone=address)
    )
    if holders.exclude(pk=subscriber.pk).exists():
        return False
    setattr(subscriber, field, address)
    setattr(subscriber, f"{field}_confirmed_at", None)
    setattr(subscriber, f"{channel}_active", True)
    subscriber.save()
    if field == "phone":
        PhoneVerification.objects.filter(subscriber=subscriber).delete()
    return _not_sent_recently(subscriber, channel)


def unsubscribe_everything(subscriber):
    """Stop every message and void every link and code issued so far."""
    PhoneVerification.objects.filter(
        subscriber=subscriber, used_at__isnull=True
    ).update(used_at=timezone.now())
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
