"""What one run of sends shares, be it a chunk of a notice's messages or a
round of digests."""

from .email import SharedConnection
from .sms import sms_provider


class Senders:
    """One SMTP connection (opened when first needed, and again after it
    dropped) and the SMS provider (made when first needed)."""

    def __init__(self):
        self.smtp = SharedConnection()
        self._sms = None

    @property
    def sms(self):
        if self._sms is None:
            self._sms = sms_provider()
        return self._sms

    def sms_sender(self):
        return self.sms.sender()

    def close(self):
        self.smtp.close()
