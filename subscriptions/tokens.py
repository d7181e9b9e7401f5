"""Signed tokens in manage, unsubscribe, confirmation and code-entry links.

A token names the subscriber and carries their current `manage_key`;
rotating the key (on unsubscribe or erasure) voids every token issued
before. The key is 24 random bytes, so a token cannot be guessed, and the
signature stops one being forged from a subscriber id."""

import secrets

from django.core import signing
from django.core.cache import cache
from django.utils.crypto import salted_hmac

MANAGE_SALT = "herald.subscriptions.manage"
CONFIRM_SALT = "herald.subscriptions.confirm-email"
CONFIRM_MAX_AGE = 7 * 24 * 3600
VERIFY_SALT = "herald.subscriptions.verify-phone"
# The page where a code is typed in; each code still lasts 10 minutes.
VERIFY_MAX_AGE = 24 * 3600


def _fingerprint(address):
    """Stands for an address inside a token: signing is not encryption, and
    a link must not carry an address anyone reading a log could decode."""
    return salted_hmac("herald.subscriptions.address", address or "").hexdigest()[:16]


def manage_token(subscriber):
    return signing.dumps([subscriber.pk, subscriber.manage_key], salt=MANAGE_SALT)


def _named_by_manage_token(token):
    """(manage key, the unerased subscriber it names as a queryset) of a
    genuinely signed manage token; (None, none) for any other."""
    from .models import Subscriber

    try:
        pk, key = signing.loads(token, salt=MANAGE_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None, Subscriber.objects.none()
    return key, Subscriber.objects.filter(pk=pk, erased_at__isnull=True)


def subscriber_for_manage_token(token):
    """The subscriber the token names, or None if forged, stale or rotated."""
    key, named = _named_by_manage_token(token)
    return named.filter(manage_key=key).first()


def subscriber_who_left_by_manage_token(token):
    """The subscriber a genuine manage token named, if they have left since
    the token was issued (leaving rotates the key) and are not erased yet;
    otherwise None."""
    _key, named = _named_by_manage_token(token)
    return named.filter(left_at__isnull=False).first()


def email_confirmation_token(subscriber):
    return signing.dumps(
        [subscriber.pk, _fingerprint(subscriber.email), subscriber.manage_key],
        salt=CONFIRM_SALT,
    )


def subscriber_for_confirmation_token(token):
    """The subscriber whose address the link confirms, or None once the link
    is older than 7 days, the address changed or the key rotated."""
    from .models import Subscriber

    try:
        pk, fingerprint, key = signing.loads(
            token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE
        )
    except (signing.BadSignature, ValueError, TypeError):
        return None
    subscriber = Subscriber.objects.filter(
        pk=pk, manage_key=key, email__isnull=False
    ).first()
    if subscriber is None or _fingerprint(subscriber.email) != fingerprint:
        return None
    return subscriber


def phone_verification_token(subscriber, phone):
    """Names the page where the code sent to a number is typed in. It grants
    nothing by itself: only the code, sent to the phone, confirms.

    A random handle kept in the cache (Redis in production), not a signed
    value: a signed token can be decoded, and the subscriber id inside would
    tell a new subscriber from a known one. A number no subscriber holds
    (`subscriber` None) gets a handle too, so the page looks the same. The
    handle carries the subscriber's manage key, so leaving voids it with
    every other link."""
    handle = secrets.token_urlsafe(24)
    cache.set(
        f"{VERIFY_SALT}:{handle}",
        [
            getattr(subscriber, "pk", None) or 0,
            _fingerprint(phone),
            _fingerprint(getattr(subscriber, "manage_key", "")),
        ],
        timeout=VERIFY_MAX_AGE,
    )
    return handle


def subscriber_for_verification_token(token):
    """The subscriber whose number the page confirms, or None once the
    handle expired, the number changed or the key rotated."""
    from .models import Subscriber

    entry = cache.get(f"{VERIFY_SALT}:{token}")
    if not entry or len(entry) != 3:
        return None
    pk, phone_fingerprint, key_fingerprint = entry
    subscriber = Subscriber.objects.filter(
        pk=pk, phone__isnull=False, erased_at__isnull=True
    ).first()
    if subscriber is None or (
        _fingerprint(subscriber.phone) != phone_fingerprint
        or _fingerprint(subscriber.manage_key) != key_fingerprint
    ):
        return None
    return subscriber
