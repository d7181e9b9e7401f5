"""The feeds page and the feeds: RSS 2.0, Atom 1.0 and the CAP index.

A feed is built once per version of its family (see `feed_cache`) and per
set of filters, then served from Django's cache with an ETag and a
Last-Modified; a conditional request that matches gets a 304 without a
database query when the cache is shared. Any origin may read a feed, and a
browser's preflight for a conditional request is answered. A feed's body is
in the language its `lang` names, whatever the reader's Accept-Language.
"""

import hashlib
import logging
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from . import feeds, queries
from .api_support import (
    RECALL_FILTER_CLEANERS,
    WARNING_FILTER_CLEANERS,
    InvalidParameter,
    allow_cross_origin_reading,
    clean_filters,
    clean_language,
    preflight_response,
)
from .choices import LEVEL_NUMERALS, PUBLIC_KINDS, Level, WarningKind
from .feed_cache import BODY_TIMEOUT, current_version
from .models import ProductCategory

logger = logging.getLogger(__name__)

CONTENT_TYPES = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
}
MAX_AGE = 60
FEED_METHODS = ("GET", "HEAD", "OPTIONS")


def feed_endpoint(view):
    """Wrap a feed: GET and HEAD, and OPTIONS for a browser's CORS preflight
    (a script that sends If-None-Match needs one); any other method is a 405."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method == "OPTIONS":
            return allow_cross_origin_reading(preflight_response())
        if request.method not in ("GET", "HEAD"):
            response = HttpResponse(
                "Feeds are read only: use GET or HEAD.\n",
                status=405,
                content_type="text/plain; charset=utf-8",
            )
            response["Allow"] = ", ".join(FEED_METHODS)
            return allow_cross_origin_reading(response)
        return view(request, *args, **kwargs)

    return wrapped


def _canonical_url(path, params):
    query = urlencode(params)
    return settings.HERALD_BASE_URL + path + (f"?{query}" if query else "")


def _serve(request, *, family, fmt, params, build, lang="zh"):
    """Answer with the cached feed, or build it; then ETag, Last-Modified and
    304 for a matching conditional request."""
    token, changed_at = current_version(family)
    self_url = _canonical_url(request.path, params)
    key = f"feeds:body:{family}:{token}:{hashlib.sha256(self_url.encode()).hexdigest()}"
    cached = cache.get(key)
    if cached is None:
        feed = build(self_url)
        body = feeds.rss_bytes(feed) if fmt == "rss" else feeds.atom_bytes(feed)
        cached = {
            "body": body,
            "etag": '"' + hashlib.sha256(body).hexdigest()[:32] + '"',
            "updated": feed.updated().timestamp(),
        }
        cache.set(key, cached, timeout=BODY_TIMEOUT)

    # The feed changed no earlier than its newest entry, nor than the last
    # change this cache saw (an unpublish removes entries, moving no date).
    last_modified = int(max(cached["updated"], changed_at))
    response = get_conditional_response(
        request, etag=cached["etag"], last_modified=last_modified
    )
    if response is None:
        response = HttpResponse(cached["body"], content_type=CONTENT_TYPES[fmt])
    response["ETag"] = cached["etag"]
    response["Last-Modified"] = http_date(last_modified)
    response["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response["Content-Language"] = feeds.content_language(lang)
    # The address alone says the language: see FixedLanguageMiddleware.
    response.language_from_address = True
    return allow_cross_origin_reading(response)


def _bad_request(error):
    response = HttpResponse(
        f"{error.message}\n", status=400, content_type="text/plain; charset=utf-8"
    )
    return allow_cross_origin_reading(response)


def _warning_params(request):
    params = clean_filters(request.GET, WARNING_FILTER_CLEANERS)
    lang = clean_language(request.GET.get("lang") or "zh")
    return params, lang


@feed_endpoint
def warnings_feed(request, fmt):
    try:
        filters, lang = _warning_params(request)
    except InvalidParameter as error:
        return _bad_request(error)
    params = {**filters, **({"lang": lang} if lang != "zh" else {})}

    def build(self_url):
        notices = queries.public_notices(filters)[: feeds.FEED_SIZE]
        return feeds.warnings_feed(
            notices, self_url=self_url, filters=filters, lang=lang
        )

    return _serve(
        request, family="warnings", fmt=fmt, params=params, build=build, lang=lang
    )


@feed_endpoint
def cap_index(request):
    try:
        filters, lang = _warning_params(request)
    except InvalidParameter as error:
        return _bad_request(error)
    params = {**filters, **({"lang": lang} if lang != "zh" else {})}

    def build(self_url):
        notices = queries.public_notices(filters)[: feeds.FEED_SIZE]
        return feeds.cap_index_feed(
            notices, self_url=self_url, filters=filters, lang=lang
        )

    return _serve(
        request, family="warnings", fmt="atom", params=params, build=build, lang=lang
    )


@feed_endpoint
def recalls_feed(request, fmt):
    try:
        filters = clean_filters(request.GET, RECALL_FILTER_CLEANERS)
        lang = clean_language(request.GET.get("lang") or "zh")
    except InvalidParameter as error:
        return _bad_request(error)
    params = {**filters, **({"lang": lang} if lang != "zh" else {})}

    def build(self_url):
        recalls = queries.filter_recalls(queries.public_recalls(), filters)
        return feeds.recalls_feed(
            recalls[: feeds.FEED_SIZE], self_url=self_url, filters=filters, lang=lang
        )

    return _serve(
        request, family="recalls", fmt=fmt, params=params, build=build, lang=lang
    )


@feed_endpoint
def blacklist_feed(request, fmt):
    try:
        lang = clean_language(request.GET.get("lang") or "zh")
    except InvalidParameter as error:
        return _bad_request(error)
    params = {"lang": lang} if lang != "zh" else {}

    def build(self_url):
        entries = queries.public_blacklist().order_by("-listed_on", "-id")
        return feeds.blacklist_feed(
            entries[: feeds.FEED_SIZE], self_url=self_url, lang=lang
        )

    return _serve(
        request, family="blacklist", fmt=fmt, params=params, build=build, lang=lang
    )


# What the form on the feeds page builds: each feed's address per format and
# the filters it takes. Every feed takes `lang`.
_BUILDABLE = {
    "warnings": (
        {"rss": "/feeds/warnings.rss", "atom": "/feeds/warnings.atom"},
        WARNING_FILTER_CLEANERS,
    ),
    "cap": ({"atom": "/feeds/cap.atom"}, WARNING_FILTER_CLEANERS),
    "recalls": (
        {"rss": "/feeds/recalls.rss", "atom": "/feeds/recalls.atom"},
        RECALL_FILTER_CLEANERS,
    ),
    "blacklist": (
        {"rss": "/feeds/blacklist.rss", "atom": "/feeds/blacklist.atom"},
        {},
    ),
}


def _filter_labels():
    return {
        "level": _("Level"),
        "kind": _("Kind"),
        "category": _("Product category"),
        "origin": _("Country of origin"),
        "status": _("Status"),
    }


def _built_address(params, chosen):
    """The address the form's choices make, and the names of the filters
    the chosen feed does not take (left out rather than refused), in words."""
    paths, cleaners = _BUILDABLE[chosen["feed"]]
    filters = clean_filters(params, cleaners)
    lang = clean_language(params.get("lang") or "zh")
    if lang != "zh":
        filters["lang"] = lang
    left_out = [
        label
        for name, label in _filter_labels().items()
        if name not in cleaners and (params.get(name) or "").strip()
    ]
    return _canonical_url(paths[chosen["format"]], filters), get_text_list(
        left_out, _("and")
    )


@require_safe
def feed_index(request):
    """The feeds page: what each feed holds, and a form that builds the
    address of a filtered feed without JavaScript."""
    chosen = {
        name: request.GET.get(name, "")
        for name in (
            "feed",
            "format",
            "level",
            "kind",
            "category",
            "origin",
            "status",
            "lang",
        )
    }
    # `format=cap` is how the form named the CAP index before a feed could
    # be chosen; built addresses of then still work.
    if chosen["format"] == "cap":
        chosen["feed"], chosen["format"] = "cap", "atom"
    if chosen["feed"] not in _BUILDABLE:
        chosen["feed"] = "warnings"
    paths = _BUILDABLE[chosen["feed"]][0]
    if chosen["format"] not in paths:
        chosen["format"] = next(iter(paths))

    built_url = error = None
    left_out = ""
    if request.GET.get("build"):
        try:
            built_url, left_out = _built_address(request.GET, chosen)
        except InvalidParameter as invalid:
            error = invalid.message
    context = {
        "chosen": chosen,
        "built_url": built_url,
        "left_out": left_out,
        "error": error,
        "levels": [
            (value, LEVEL_NUMERALS[value], label) for value, label in Level.choices
        ],
        "kinds": [(k, WarningKind(k).label) for k in PUBLIC_KINDS],
        "categories": ProductCategory.objects.all(),
        "base_url": settings.HERALD_BASE_URL,
        "feed_size": feeds.FEED_SIZE,
    }
    return render(request, "alerts/feed_index.html", context)
