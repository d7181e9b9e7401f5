"""Rate limits on every public endpoint that sends a message, against SMS
pumping and mail bombing.

Counts live in Django's cache through django-ratelimit, in the cache named
by RATELIMIT_USE_CACHE: Redis when REDIS_URL is set, shared by every web
process. django-ratelimit hashes each counted value into its cache key, so
no address is stored in the clear. Limits are read from settings at call
time; each is a django-ratelimit rate such as "5/h".

The limits fail closed: while their cache cannot be reached nothing is
sent, and the visitor is told to come back ("unavailable"). Pages and feeds
use the default cache, which passes an outage over instead."""

import logging

import phonenumbers
from django.conf import settings
from django.core.cache import caches
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


# The scope of a refusal because the counts could not be read or written.
UNAVAILABLE = "unavailable"


class RateLimited(Exception):
    """A limit was reached; `scope` says which one (never the address), and
    `retry_after` in how many seconds it lifts, when that is known."""

    def __init__(self, scope, retry_after=None):
        super().__init__(scope)
        self.scope = scope
        self.retry_after = retry_after


def limits_cache():
    return caches[getattr(settings, "RATELIMIT_USE_CACHE", "default")]


def _unavailable(error, scope):
    logger.error(
        "Rate-limit counts unavailable (%s): nothing sent",
        type(error).__name__,
        extra={"limit": scope},
    )
    return RateLimited(UNAVAILABLE)


def first_in(key, seconds):
    """True once per `seconds` for `key` (the one-minute resend rule). An
    outage answers RateLimited, never yes: a rule that cannot count must
    not let every message through."""
    try:
        return limits_cache().add(key, 1, timeout=seconds)
    except Exception as error:
        raise _unavailable(error, "resend") from error


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
    try:
        usage = get_usage(
            request,
            group=f"herald.subscriptions.{scope}",
            key=key,
            rate=rate(scope),
            increment=increment,
        )
    except Exception as error:
        # Any error of the cache, whatever its backend raises.
        raise _unavailable(error, scope) from error
    return usage


def _retry_after(usage):
    return max(1, usage["time_left"]) if usage else None


def count(request, scope, value=None):
    """Count one use; raise RateLimited when this one is over the limit.
    `value` is what is counted (an address, a calling code); without it, the
    client's IP address."""
    usage = _usage(request, scope, value, increment=True)
    if usage and usage["should_limit"]:
        logger.warning("Rate limit %s reached", scope, extra={"limit": scope})
        raise RateLimited(scope, _retry_after(usage))


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
        usage = _usage(request, scope, value, increment=False)
        if usage and usage["count"] >= usage["limit"]:
            logger.warning("Rate limit %s reached", scope, extra={"limit": scope})
            raise RateLimited(scope, _retry_after(usage))


def count_sent(request, email=None, phone=None):
    """Count messages about to go out: to an email address, or a text with a
    verification code (which also counts against the country's daily cap)."""
    if email:
        _usage(request, "email", mailbox(email), increment=True)
    if phone:
        _usage(request, "phone", phone, increment=True)
        _usage(request, "country", country_code(phone), increment=True)
