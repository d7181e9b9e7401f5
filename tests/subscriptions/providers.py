"""SMS providers for tests: one that answers as a script says."""

from subscriptions.channels import ClaimLost
from subscriptions.channels.sms import SmsProvider, SmsSendError

# Each entry is what the next send meets: "ok" or an SmsSendError.
SCRIPT = []
SENT = []


class ScriptedSmsProvider(SmsProvider):
    name = "scripted"

    def sender(self):
        return "MGtest"

    def send(self, to, body, status_callback=None, hand_off=None):
        if hand_off is not None and not hand_off():
            raise ClaimLost()
        outcome = SCRIPT.pop(0) if SCRIPT else "ok"
        if isinstance(outcome, SmsSendError):
            raise outcome
        SENT.append((to, body, status_callback))
        return f"SM{len(SENT):032d}"
