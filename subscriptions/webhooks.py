"""Twilio callbacks: message status, and inbound texts (STOP, START, HELP)."""

import logging
from xml.sax.saxutils import escape

from django.conf import settings
from django.http import HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import queries, ratelimits
from .keywords import handle_inbound
from .models import DeliveryStatus

logger = logging.getLogger(__name__)

TWILIO_STATUSES = {
    "sent": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED,
    "undelivered": DeliveryStatus.UNDELIVERABLE,
    "failed": DeliveryStatus.FAILED,
}


def public_url(request):
    """The address Twilio signed: the public base URL, not the one a proxy
    forwarded to us over plain HTTP."""
    return settings.HERALD_BASE_URL + request.get_full_path()


def signature_is_valid(request):
    from twilio.request_validator import RequestValidator

    token = settings.TWILIO_AUTH_TOKEN
    if not token:
        return False
    validator = RequestValidator(token)
    return validator.validate(
        public_url(request),
        request.POST.dict(),
        request.headers.get("X-Twilio-Signature", ""),
    )


@csrf_exempt
@require_POST
def twilio_status(request):
    if not signature_is_valid(request):
        logger.warning("Twilio status callback with a bad signature refused")
        return HttpResponseForbidden("bad signature")

    sid = request.POST.get("MessageSid", "")
    status = TWILIO_STATUSES.get(request.POST.get("MessageStatus", ""))
    if sid and status:
        error_code = request.POST.get("ErrorCode", "") or ""
        moved = queries.advance_by_provider_id(sid, status, error_code=error_code)
        if moved is None:
            # Twilio can call back before the worker has stored the id, and
            # never calls again: kept, and applied by the sweeper.
            queries.keep_early_status(sid, status, error_code)
    return HttpResponse(status=204)


@csrf_exempt
@require_POST
def twilio_inbound(request):
    """STOP, START, HELP and their Chinese words. The reply goes back in the
    TwiML answer; a number texting too often gets no reply, but its opt-out
    is recorded all the same."""
    if not signature_is_valid(request):
        logger.warning("Twilio inbound message with a bad signature refused")
        return HttpResponseForbidden("bad signature")

    phone = request.POST.get("From", "")
    # Opt-outs are kept per sender, named as the SMS provider names it: the
    # messaging service when there is one, otherwise our number.
    sender = request.POST.get("MessagingServiceSid", "") or request.POST.get("To", "")
    reply = handle_inbound(phone, sender, request.POST.get("Body", ""))
    if reply:
        try:
            ratelimits.count(request, "reply", phone)
        except ratelimits.RateLimited:
            reply = None
    twiml = '<?xml version="1.0" encoding="UTF-8"?><Response>'
    if reply:
        twiml += f"<Message>{escape(reply)}</Message>"
    twiml += "</Response>"
    return HttpResponse(twiml, content_type="text/xml")
