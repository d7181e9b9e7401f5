"""Providers that carry messages: email (SMTP or the outbox) and SMS
(Twilio or the outbox)."""


class ClaimLost(Exception):
    """Another attempt took the delivery first; this one must not send it."""
