"""SMS providers behind one small interface, chosen by HERALD_SMS_PROVIDER:
Twilio in production, the outbox by default. The Twilio client gives up on
an answer after HERALD_TWILIO_TIMEOUT seconds (default 10)."""

from django.conf import settings
from django.utils.module_loading import import_string

from ..models import Channel, OutboxMessage
from . import ClaimLost, scrubbed


class SmsSendError(Exception):
    """A send that failed. `permanent` says whether a retry can help;
    `opted_out` and `invalid_number` say what to record about the number.
    The message is kept without the number it may quote."""

    def __init__(
        self, message, code="", permanent=False, opted_out=False, invalid_number=False
    ):
        super().__init__(scrubbed(message))
        self.code = str(code)
        self.permanent = permanent
        self.opted_out = opted_out
        self.invalid_number = invalid_number


class SmsProvider:
    name = "sms"

    def sender(self):
        """Who messages come from, as opt-outs are kept per sender."""
        raise NotImplementedError

    def send(self, to, body, status_callback=None, hand_off=None):
        """Send and return the provider's message id. `hand_off()` is called
        once, just before the message leaves; when it returns False nothing
        is sent and `ClaimLost` is raised."""
        raise NotImplementedError


class OutboxSmsProvider(SmsProvider):
    name = "outbox"

    def sender(self):
        return "outbox"

    def send(self, to, body, status_callback=None, hand_off=None):
        if hand_off is not None and not hand_off():
            raise ClaimLost()
        message = OutboxMessage.objects.create(channel=Channel.SMS, to=to, body=body)
        return f"outbox-{message.pk}"


# Twilio error codes: https://www.twilio.com/docs/api/errors
TWILIO_OPTED_OUT = {21610}
TWILIO_INVALID_NUMBER = {21211, 21614}
TWILIO_RETRY_CODES = {20429}  # too many requests
TWILIO_RETRY_STATUSES = {429}


class TwilioSmsProvider(SmsProvider):
    name = "twilio"

    def __init__(self):
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client

        self.client = Client(
            settings.TWILIO_ACCOUNT_SID,
            settings.TWILIO_AUTH_TOKEN,
            http_client=TwilioHttpClient(
                timeout=float(getattr(settings, "HERALD_TWILIO_TIMEOUT", 10))
            ),
        )
        if settings.TWILIO_API_BASE_URL:
            self.client.api.base_url = settings.TWILIO_API_BASE_URL.rstrip("/")

    def sender(self):
        return settings.TWILIO_MESSAGING_SERVICE_SID or settings.TWILIO_FROM

    def send(self, to, body, status_callback=None, hand_off=None):
        from twilio.base.exceptions import TwilioException

        arguments = {"to": to, "body": body}
        if settings.TWILIO_MESSAGING_SERVICE_SID:
            arguments["messaging_service_sid"] = settings.TWILIO_MESSAGING_SERVICE_SID
        else:
            arguments["from_"] = settings.TWILIO_FROM
        if status_callback:
            arguments["status_callback"] = status_callback
        if hand_off is not None and not hand_off():
            raise ClaimLost()
        try:
            message = self.client.messages.create(**arguments)
        except TwilioException as error:
            # Both the classic error body and the RFC 9457 one some Twilio
            # services answer with: a status, a code, and some text.
            status = int(getattr(error, "status", 0) or 0)
            code = getattr(error, "code", None) or status or "twilio"
            retryable = status in TWILIO_RETRY_STATUSES or (
                code in TWILIO_RETRY_CODES or status >= 500
            )
            text = getattr(error, "msg", "") or getattr(error, "detail", "")
            raise SmsSendError(
                text or getattr(error, "title", "") or f"Twilio answered {status}",
                code=code,
                permanent=not retryable,
                opted_out=code in TWILIO_OPTED_OUT,
                invalid_number=code in TWILIO_INVALID_NUMBER,
            ) from error
        except OSError as error:  # timeouts and refused connections
            raise SmsSendError(str(error), code="network") from error
        return message.sid


def sms_provider():
    return import_string(settings.HERALD_SMS_PROVIDER)()
