"""SMS keywords, matched on the trimmed, case-folded whole body."""

import logging

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from .models import SmsOptOut, Subscriber

logger = logging.getLogger(__name__)

OPT_OUT = {"stop", "unsubscribe", "end", "quit", "cancel", "退订", "td", "t"}
OPT_IN = {"start", "unstop", "订阅"}
HELP = {"help", "帮助"}


def handle_inbound(phone, sender, body):
    """Record what the text asks for; return the reply to send, if any."""
    word = (body or "").strip().casefold()
    subscriber = Subscriber.objects.filter(phone=phone).first()
    language = subscriber.language if subscriber else "zh-hans"
    sender = (
        sender or settings.TWILIO_MESSAGING_SERVICE_SID or settings.TWILIO_FROM or ""
    )

    with translation.override(language):
        if word in OPT_OUT:
            SmsOptOut.objects.get_or_create(phone=phone, sender=sender)
            logger.info(
                "SMS opt-out recorded",
                extra={"subscriber_id": getattr(subscriber, "pk", None)},
            )
            return _(
                "You will get no more texts from us. Text START to subscribe again."
            )
        if word in OPT_IN:
            SmsOptOut.objects.filter(phone=phone, sender=sender).delete()
            return _("You will get our texts again. Text STOP to leave.")
        if word in HELP:
            return _("%(name)s product-safety alerts. Text STOP or 退订 to leave.") % {
                "name": settings.HERALD_AUTHORITY_NAME
            }
    return None
