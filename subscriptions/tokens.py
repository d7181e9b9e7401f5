"""Signed tokens in manage, unsubscribe and confirmation links.

A token names the subscriber and carries their current `manage_key`;
rotating the key (on unsubscribe) voids every token issued before."""

from django.core import signing

MANAGE_SALT = "herald.subscriptions.manage"
CONFIRM_SALT = "herald.subscriptions.confirm-email"
CONFIRM_MAX_AGE = 7 * 24 * 3600


def manage_token(subscriber):
    return signing.dumps([subscriber.pk, subscriber.manage_key], salt=MANAGE_SALT)


def subscriber_for_manage_token(token):
    """The subscriber the token names, or None if forged, stale or rotated."""
    from .models import Subscriber

    try:
        pk, key = signing.loads(token, salt=MANAGE_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return Subscriber.objects.filter(pk=pk, manage_key=key).first()


def email_confirmation_token(subscriber):
    return signing.dumps(
        [subscriber.pk, subscriber.email, subscriber.manage_key], salt=CONFIRM_SALT
    )


def subscriber_for_confirmation_token(token):
    from .models import Subscriber

    try:
        pk, email, key = signing.loads(
            token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE
        )
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return Subscriber.objects.filter(pk=pk, email=email, manage_key=key).first()
