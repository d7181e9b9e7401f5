"""SMS keywords, matched on the trimmed, case-folded whole body.

An opt-out is kept per number and sender, as carriers require; a number
that texts START again is written to again."""

import logging

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import SmsOptOut, Subscriber

logger = logging.getLogger(__name__)

OPT_OUT = frozenset({"stop", "unsubscribe", "end", "quit", "cancel", "退订", "td", "t"})
OPT_IN = frozenset({"start", "unstop", "订阅"})
HELP = frozenset({"help", "帮助"})


def keyword(body):
    """'opt_out', 'opt_in', 'help', or None when the text is no keyword."""
    word = (body or "").strip().casefold()
    if word in OPT_OUT:
        return "opt_out"
    if word in OPT_IN:
        return "opt_in"
    if word in HELP:
        return "help"
    return None


def handle_inbound(phone, sender, body):
    """Record what the text asks for; return the reply to send, if any."""
    action = keyword(body)
    if action is None:
        return None
    subscriber = Subscriber.objects.filter(phone=phone).first()
    language = subscriber.language if subscriber else settings.LANGUAGE_CODE

    with translation.override(language):
        if action == "opt_out":
            opt_out(subscriber, phone, sender)
            return _(
                "You will get no more texts from us. Text START to subscribe again."
            )
        if action == "opt_in":
            opt_in(subscriber, phone, sender)
            return _("You will get our texts again. Text STOP to leave.")
        return _(
            "%(name)s: product-safety warnings. Text STOP or 退订 to leave, "
            "or see %(url)s"
        ) % {
            "name": settings.HERALD_AUTHORITY_NAME,
            "url": settings.HERALD_BASE_URL + "/subscribe/",
        }


def opt_out(subscriber, phone, sender):
    SmsOptOut.objects.get_or_create(phone=phone, sender=sender)
    if subscriber is not None:
        subscriber.sms_active = False
        fields = ["sms_active"]
        email_on = bool(
            subscriber.email
            and subscriber.email_confirmed_at
            and subscriber.email_active
        )
        if not email_on and subscriber.left_at is None:
            # Nothing else reaches them: they have left everything.
            subscriber.left_at = timezone.now()
            fields.append("left_at")
        subscriber.save(update_fields=fields)
    logger.info(
        "SMS opt-out recorded",
        extra={"subscriber_id": getattr(subscriber, "pk", None)},
    )


def opt_in(subscriber, phone, sender):
    SmsOptOut.objects.filter(phone=phone, sender=sender).delete()
    if subscriber is not None and subscriber.phone_confirmed_at:
        subscriber.sms_active = True
        subscriber.left_at = None
        subscriber.save(update_fields=["sms_active", "left_at"])
    logger.info(
        "SMS opt-in recorded",
        extra={"subscriber_id": getattr(subscriber, "pk", None)},
    )
