"""Rate limits on every public endpoint that sends a message, against SMS
pumping and mail bombing.

Counts live in Django's cache through django-ratelimit, so in Redis when
REDIS_URL is set and shared by every web process. django-ratelimit hashes
each counted value into its cache key, so no address is stored in the
clear. Limits are read from settings at call time; each is a
django-ratelimit rate such as "5/h"."""

import logging

import phonenumbers
from django.conf import settings
from django_ratelimit.core import get_usage

from alerts.api_support import client_id

logger = logging.getLogger(__name__)

DEFAULT_LIMITS = {
    # Requests from one IP address to a page that sends a message.
    "ip": "20/h",
    # Messages to one email address or one mobile number.
    "email": "5/h",
    "phone": "5/h",
    # Verification texts to all numbers of one country calling code, a day:
    # SMS pumping sends codes to numbers of costly foreign ranges.
    "country": "500/d",
    # Codes typed in from one IP address (each code also allows 5 tries).
    "code_ip": "30/h",
    # Replies to HELP and other keywords texted from one number.
    "reply": "5/h",
}


class RateLimited(Exception):
    """A limit was reached; `scope` says which one (never the address)."""

    def __init__(self, scope):
        super().__init__(scope)
        self.scope = scope


def client_ip(request):
    """The visitor's address as the API counts it (see `client_id`)."""
    return client_id(request)


def rate(scope):
    limits = {**DEFAULT_LIMITS, **getattr(settings, "HERALD_SUBSCRIPTION_LIMITS", {})}
    return limits[scope]


def country_code(phone):
    """The calling code of an E.164 number: '86' for +8613812345678."""
    return str(phonenumbers.parse(phone).country_code)


def _usage(request, scope, value, increment):
    counted = client_ip(request) if value is None else value
    key = lambda group, request: counted  # noqa: E731
    return get_usage(
        request,
        group=f"herald.subscriptions.{scope}",
        key=key,
        rate=rate(scope),
        increment=increment,
    )


def is_reached(request, scope, value=None):
    """Whether the limit is already used up, without counting."""
    usage = _usage(request, scope, value, increment=False)
    return bool(usage) and usage["count"] >= usage["limit"]


def count(request, scope, value=None):
    """Count one use; raise RateLimited when this one is over the limit.
    `value` is what is counted (an address, a calling code); without it, the
    client's IP address."""
    usage = _usage(request, scope, value, increment=True)
    if usage and usage["should_limit"]:
        logger.warning("Rate limit %s reached", scope, extra={"limit": scope})
        raise RateLimited(scope)


def mailbox(email):
    """What an address is counted as: its case does not make it another
    mailbox."""
    return email.casefold()


def check_before_sending(request, email=None, phone=None):
    """Raise RateLimited when a message to these addresses would pass a
    limit. Nothing is counted: `count_sent` does that once a send is due."""
    checks = []
    if email:
        checks.append(("email", mailbox(email)))
    if phone:
        checks += [("phone", phone), ("country", country_code(phone))]
    for scope, value in checks:
        if is_reached(request, scope, value):
            logger.warning("Rate limit %s reached", scope, extra={"limit": scope})
            raise RateLimited(scope)


def count_sent(request, email=None, phone=None):
    """Count messages about to go out: to an email address, or a text with a
    verification code (which also counts against the country's daily cap)."""
    if email:
        _usage(request, "email", mailbox(email), increment=True)
    if phone:
        _usage(request, "phone", phone, increment=True)
        _usage(request, "country", country_code(phone), increment=True)
