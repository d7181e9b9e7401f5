"""Providers that carry messages: email (SMTP or the outbox) and SMS
(Twilio or the outbox)."""

import re

# What a provider's error text may quote of the recipient: an email address,
# or a phone number (seven digits or more, spaces, dots and dashes allowed
# between them; SMTP status codes like 550 5.1.1 have fewer).
_ADDRESS = re.compile(r"[^\s<>()\[\]{}'\",;:]+@[^\s<>()\[\]{}'\",;:]+")
_NUMBER = re.compile(r"\+?\d(?:[\s.\-]?\d){6,}")


class ClaimLost(Exception):
    """Another attempt took the delivery first; this one must not send it."""


def scrubbed(text):
    """A provider's error text fit to keep and log: addresses and numbers it
    quotes are replaced, so neither the database nor a log holds them."""
    text = _ADDRESS.sub("[address]", str(text))
    return _NUMBER.sub("[number]", text)
