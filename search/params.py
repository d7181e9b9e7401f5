"""The parameters of a search, read in one place for the page (`/search/`)
and the API (`/api/v1/search`), so that the same address runs the same query
on both.

    q         words, a company, a code (at most 200 characters)
    type      warning, recall or blacklist
    category  a product category code; it covers its subcategories
    level     1-4 or I-IV
    origin    an ISO 3166-1 alpha-2 country code
    year      the year of the record's date
    status    a value of the status facet (SEARCH_STATUSES)
    date      today, week, month or year: the last so many local days
    from, to  YYYY-MM-DD, inclusive, local days (used when `date` is not)
    sort      relevance or date

The page forgives spaces around a value and the case of a level or origin,
drops a value it still cannot use and searches with the rest; the API
(`strict=True`) takes values exactly as its OpenAPI description lists them
and answers any other with a 400 that names the parameter.
"""

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alerts.api_support import (
    InvalidParameter,
    clean_category,
    clean_level,
    clean_origin,
)
from alerts.choices import LEVEL_NUMERALS
from alerts.openapi import SEARCH_STATUSES, SEARCH_TYPES

from .backends.base import SearchQuery

MAX_TEXT = 200
LEVELS = [*(str(level) for level in LEVEL_NUMERALS), *LEVEL_NUMERALS.values()]
# What the page forgives before checking a value (the API takes values only
# as its description lists them): spaces around it, and lower case here.
FORGIVEN_CASE = {"level", "origin"}
SORTS = ("relevance", "date")
PERIODS = {
    "today": (_("Today"), 0),
    "week": (_("Last 7 days"), 6),
    "month": (_("Last 30 days"), 29),
    "year": (_("Last 12 months"), 364),
}


def _one_of(allowed):
    def clean(value, name):
        if value in allowed:
            return value
        raise InvalidParameter(name, f"{name} must be one of: {', '.join(allowed)}.")

    return clean


def _year(value, name):
    # ASCII digits only: str.isdigit also takes other scripts' digits.
    if value.isascii() and value.isdigit() and 1000 <= int(value) <= 9999:
        return int(value)
    raise InvalidParameter(name, f"{name} must be a year of four digits, e.g. 2025.")


def _day(value, name):
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise InvalidParameter(
            name, f"{name} must be a day as YYYY-MM-DD, e.g. 2025-03-10."
        ) from None


def _level(value, name):
    # Exactly the values the OpenAPI description lists (1-4, I-IV).
    if value in LEVELS:
        return int(clean_level(value))
    raise InvalidParameter(name, f"{name} must be 1, 2, 3 or 4 (or I, II, III, IV).")


def _origin(value, name):
    # Upper case, as the description's list of codes is.
    if value == value.upper():
        return clean_origin(value)
    raise InvalidParameter(
        name, f"{name} must be a two-letter ISO 3166-1 country code, e.g. CN."
    )


FILTER_CLEANERS = {
    "category": lambda value, name: clean_category(value),
    "level": _level,
    "origin": _origin,
    "year": _year,
    "status": _one_of(SEARCH_STATUSES),
}


def query_from(params, per_page, strict=False):
    """A `SearchQuery` for the parameters; see the module's docstring."""

    def read(name, clean):
        value = params.get(name) or ""
        if not strict:
            value = value.replace("\x00", "").strip()
            value = value.upper() if name in FORGIVEN_CASE else value
        if not value:
            return None
        try:
            return clean(value, name)
        except InvalidParameter:
            if strict:
                raise
            return None

    text = (params.get("q") or "").replace("\x00", "").strip()
    if len(text) > MAX_TEXT:
        if strict:
            raise InvalidParameter("q", f"q must be at most {MAX_TEXT} characters.")
        text = text[:MAX_TEXT]
    filters = {}
    for name, clean in FILTER_CLEANERS.items():
        value = read(name, clean)
        if value is not None:
            filters[name] = value
    # Read (and so checked) even when `date` takes their place.
    date_from, date_to = read("from", _day), read("to", _day)
    period = read("date", _one_of(list(PERIODS)))
    if period:
        today = timezone.localdate()
        date_from, date_to = today - datetime.timedelta(days=PERIODS[period][1]), today
    return SearchQuery(
        text=text,
        kind=read("type", _one_of(SEARCH_TYPES)) or "",
        filters=filters,
        sort=read("sort", _one_of(SORTS)) or "relevance",
        per_page=per_page,
        date_from=date_from,
        date_to=date_to,
    )


def date_range(params):
    """(from, to) dates the parameters ask for, in local time
    (settings.TIME_ZONE); None where a bound is missing or unreadable."""
    query = query_from(params, per_page=1)
    return query.date_from, query.date_to
