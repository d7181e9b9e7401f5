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

The page drops a value it cannot use and searches with the rest; the API
(`strict=True`) answers it with a 400 that names the parameter.
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
from alerts.openapi import SEARCH_STATUSES, SEARCH_TYPES

from .backends.base import SearchQuery

MAX_TEXT = 200
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
    if value.isdigit() and 1000 <= int(value) <= 9999:
        return int(value)
    raise InvalidParameter(name, f"{name} must be a year of four digits, e.g. 2025.")


def _day(value, name):
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise InvalidParameter(
            name, f"{name} must be a day as YYYY-MM-DD, e.g. 2025-03-10."
        ) from None


FILTER_CLEANERS = {
    "category": lambda value, name: clean_category(value),
    "level": lambda value, name: int(clean_level(value)),
    "origin": lambda value, name: clean_origin(value),
    "year": _year,
    "status": _one_of(SEARCH_STATUSES),
}


def query_from(params, per_page, strict=False):
    """A `SearchQuery` for the parameters; see the module's docstring."""

    def read(name, clean):
        value = (params.get(name) or "").replace("\x00", "").strip()
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
