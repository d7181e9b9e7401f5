"""What the feeds and the JSON API share: checking the filters a client
sends, times in ISO 8601, cursors, CORS for reading and the per-client rate
limit.

Clients are machines: a filter they mistype gets a 400 that says what to
send instead, never a silently unfiltered answer.
"""

import base64
import binascii
import ipaddress
import json
import math
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response, set_response_etag
from django_countries import countries

from .choices import LEVEL_NUMERALS, PUBLIC_KINDS
from .models import ProductCategory

READ_METHODS = ("GET", "HEAD", "OPTIONS")
DEFAULT_LIMIT = 20
MAX_LIMIT = 100


class InvalidParameter(ValueError):
    """A query parameter a client must correct; the message says how."""

    def __init__(self, name, message):
        super().__init__(message)
        self.name = name
        self.message = message


# Filters -----------------------------------------------------------------


def clean_level(value):
    if value in ("1", "2", "3", "4"):
        return value
    numerals = {numeral: str(level) for level, numeral in LEVEL_NUMERALS.items()}
    if value.upper() in numerals:
        return numerals[value.upper()]
    raise InvalidParameter("level", "level must be 1, 2, 3 or 4 (or I, II, III, IV).")


def clean_kind(value):
    if value in PUBLIC_KINDS:
        return value
    raise InvalidParameter(
        "kind", "kind must be one of: " + ", ".join(str(k) for k in PUBLIC_KINDS) + "."
    )


def clean_category(value):
    if ProductCategory.objects.filter(code=value).exists():
        return value
    raise InvalidParameter(
        "category",
        f"No product category has the code {value!r}; "
        "the codes are listed at /feeds/ and in /api/v1/openapi.json.",
    )


def clean_origin(value):
    code = value.upper()
    if len(code) == 2 and code in countries:
        return code
    raise InvalidParameter(
        "origin", "origin must be a two-letter ISO 3166-1 country code, e.g. CN."
    )


def clean_status(value):
    if value in ("active", "lifted"):
        return value
    raise InvalidParameter("status", "status must be 'active' or 'lifted'.")


def clean_language(value):
    if value in ("zh", "en"):
        return value
    raise InvalidParameter("lang", "lang must be 'zh' (Chinese) or 'en' (English).")


WARNING_FILTER_CLEANERS = {
    "level": clean_level,
    "kind": clean_kind,
    "category": clean_category,
    "origin": clean_origin,
    "status": clean_status,
}

RECALL_FILTER_CLEANERS = {
    "category": clean_category,
    "origin": clean_origin,
}


def _without_nul(value):
    # PostgreSQL cannot hold a NUL character, not even in a query.
    return (value or "").replace("\x00", "")


def clean_filters(params, cleaners):
    """The filters of `params` that `cleaners` know, checked, in a fixed
    order; a filter sent empty means "no filter", and any other value, blank
    or control characters included, must be one the filter knows. Unknown
    parameters are ignored, so a reader's cache-busting `?_=123` does not
    break a feed."""
    cleaned = {}
    for name, clean in cleaners.items():
        value = params.get(name) or ""
        if value:
            cleaned[name] = clean(_without_nul(value))
    return cleaned


def clean_text(params, name="q", max_length=200):
    value = _without_nul(params.get(name)).strip()
    if len(value) > max_length:
        raise InvalidParameter(name, f"{name} must be at most {max_length} characters.")
    return value


def clean_limit(params, max_limit=MAX_LIMIT):
    """The `limit` of a list, DEFAULT_LIMIT when none is given; an endpoint
    with a lower maximum (search) passes its own."""
    if "limit" not in params:
        return DEFAULT_LIMIT
    value = params.get("limit") or ""
    # ASCII digits only: str.isdigit also takes other scripts' digits.
    if value.isascii() and value.isdigit() and 1 <= int(value) <= max_limit:
        return int(value)
    raise InvalidParameter(
        "limit", f"limit must be a whole number from 1 to {max_limit}."
    )


# Times -------------------------------------------------------------------


def iso_time(value):
    """A datetime in ISO 8601 / RFC 3339 with the site's zone, to the second."""
    if value is None:
        return None
    return timezone.localtime(value).replace(microsecond=0).isoformat()


def iso_date(value):
    return value.isoformat() if value else None


def absolute(path):
    return settings.HERALD_BASE_URL + path


# Cursors -----------------------------------------------------------------


def encode_cursor(values):
    """An opaque cursor for the position after a row: its sort values."""
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor, length):
    """The sort values a cursor holds; a cursor that was not ours is a 400."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        values = None
    if not isinstance(values, list) or len(values) != length:
        raise InvalidParameter(
            "cursor",
            "cursor is not one this API gave out; "
            "start again without it and follow the `next` links.",
        )
    return values


# HTTP --------------------------------------------------------------------


def error_response(status, message, parameter=None):
    body = {"error": {"status": status, "message": message}}
    if parameter:
        body["error"]["parameter"] = parameter
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def allow_cross_origin_reading(response):
    """CORS open for reading: any origin may GET what the public may read."""
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Expose-Headers"] = (
        "ETag, Last-Modified, Link, Retry-After, "
        "X-RateLimit-Limit, X-RateLimit-Remaining"
    )
    return response


def preflight_response():
    response = HttpResponse(status=204)
    response["Access-Control-Allow-Methods"] = ", ".join(READ_METHODS)
    response["Access-Control-Allow-Headers"] = (
        "Accept, Accept-Language, If-None-Match, If-Modified-Since"
    )
    response["Access-Control-Max-Age"] = "86400"
    response["Allow"] = ", ".join(READ_METHODS)
    return response


def rate_limit():
    """(requests, seconds) a client may make to the API, from
    HERALD_API_RATE_LIMIT, read at call time ("120/60": 120 a minute)."""
    text = getattr(settings, "HERALD_API_RATE_LIMIT", "120/60")
    requests, _slash, seconds = str(text).partition("/")
    return int(requests), int(seconds or 60)


def client_id(request):
    """The address a client's requests are counted under. Behind proxies
    (HERALD_TRUSTED_PROXIES of them, each appending to X-Forwarded-For) it is
    the address the outermost trusted proxy saw; entries a client wrote
    itself, further left, are never trusted, so it cannot pick its bucket.
    An IPv6 client controls a whole /64, so the /64 counts as one client."""
    address = request.META.get("REMOTE_ADDR") or ""
    proxies = int(getattr(settings, "HERALD_TRUSTED_PROXIES", 0) or 0)
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "unknown"
    prefix = 64 if ip.version == 6 else 32
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False).network_address)


def take_from_rate_limit(request, now=None):
    """Count one request of this client in the current window. Returns
    (allowed, limit, remaining, seconds until the window ends). The counter
    lives in Django's cache, so with Redis every process shares it."""
    limit, window = rate_limit()
    now = time.time() if now is None else now
    window_start = int(now // window) * window
    key = f"api-rate:{client_id(request)}:{window_start}"
    cache.add(key, 0, timeout=window + 1)
    try:
        used = cache.incr(key)
    except ValueError:
        # The key expired between add and incr: this is its first request.
        cache.set(key, 1, timeout=window + 1)
        used = 1
    retry_after = max(1, math.ceil(window_start + window - now))
    return used <= limit, limit, max(0, limit - used), retry_after


def answer_conditionally(request, response):
    """`response` with its ETag, or a 304 when the client holds it already.

    Done here rather than left to ConditionalGetMiddleware, whose 304 keeps
    only the caching headers: without Access-Control-Allow-Origin a browser
    script that sent If-None-Match could not read it."""
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return response
    if not response.has_header("ETag"):
        set_response_etag(response)
    return get_conditional_response(request, etag=response["ETag"], response=response)


def open_data_endpoint(view):
    """Wrap a JSON API view: read methods only, CORS open for reading, the
    per-client rate limit with 429 and Retry-After, an ETag with 304 for a
    client that holds the answer, and a 400 for an `InvalidParameter` the
    view raises."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method == "OPTIONS":
            return allow_cross_origin_reading(preflight_response())
        if request.method not in READ_METHODS:
            response = error_response(
                405, "This API only reads: use GET, HEAD or OPTIONS."
            )
            response["Allow"] = ", ".join(READ_METHODS)
            return allow_cross_origin_reading(response)

        allowed, limit, remaining, retry_after = take_from_rate_limit(request)
        if not allowed:
            response = error_response(
                429,
                f"Too many requests: at most {limit} per client per window. "
                f"Try again in {retry_after} seconds.",
            )
            response["Retry-After"] = str(retry_after)
        else:
            try:
                response = answer_conditionally(request, view(request, *args, **kwargs))
            except InvalidParameter as error:
                response = error_response(400, error.message, error.name)
        response["X-RateLimit-Limit"] = str(limit)
        response["X-RateLimit-Remaining"] = str(remaining)
        return allow_cross_origin_reading(response)

    wrapped.csrf_exempt = True
    return wrapped
