"""`/api/v1/search`: the public lookup as JSON, over whichever search backend
is configured, through the one interface of `search.backends.base`.

The backends page by number, so a search cursor holds the number of the next
page of the same ranked results. Every warning hit carries its reference
number and level, read from the warnings the public may see: a hit the index
still holds for a warning no longer public is left out.
"""

from alerts import queries
from alerts.api import json_response, level_data
from alerts.api_support import (
    InvalidParameter,
    absolute,
    clean_category,
    clean_level,
    clean_limit,
    clean_origin,
    clean_text,
    decode_cursor,
    encode_cursor,
    iso_date,
    open_data_endpoint,
)
from alerts.openapi import SEARCH_MAX_LIMIT, SEARCH_STATUSES, SEARCH_TYPES

from .backend import search_backend
from .backends.base import SearchQuery


def _choice(params, name, allowed, default=""):
    value = (params.get(name) or "").strip()
    if not value:
        return default
    if value not in allowed:
        raise InvalidParameter(name, f"{name} must be one of: {', '.join(allowed)}.")
    return value


def search_query_from(params):
    """A checked `SearchQuery` for the API's parameters."""
    limit = clean_limit(params)
    if limit > SEARCH_MAX_LIMIT:
        raise InvalidParameter(
            "limit", f"limit must be a whole number from 1 to {SEARCH_MAX_LIMIT}."
        )
    page = 1
    if params.get("cursor"):
        (page,) = decode_cursor(params["cursor"], 1)
        if type(page) is not int or page < 2:
            raise InvalidParameter(
                "cursor", "cursor does not hold a position this API gave out."
            )
    filters = {}
    for name, clean in (
        ("category", clean_category),
        ("level", clean_level),
        ("origin", clean_origin),
    ):
        value = (params.get(name) or "").replace("\x00", "").strip()
        if value:
            filters[name] = clean(value)
    if "level" in filters:
        filters["level"] = int(filters["level"])
    status = _choice(params, "status", SEARCH_STATUSES)
    if status:
        filters["status"] = status
    return SearchQuery(
        text=clean_text(params),
        kind=_choice(params, "type", SEARCH_TYPES),
        filters=filters,
        sort=_choice(params, "sort", ["relevance", "date"], default="relevance"),
        page=page,
        per_page=limit,
    )


def _public_warnings_by_id(hits):
    ids = [hit.object_id for hit in hits if hit.kind == "warning"]
    if not ids:
        return {}
    return {page.pk: page for page in queries.public_warnings().filter(pk__in=ids)}


def _hit_date(value):
    """A hit's date as YYYY-MM-DD whatever the backend hands back."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value[:10]
    if hasattr(value, "date"):
        value = value.date()
    return iso_date(value)


def hit_data(hit, warnings):
    url = hit.url if hit.url.startswith(("http://", "https://")) else absolute(hit.url)
    data = {
        "type": hit.kind,
        "id": hit.object_id,
        "title": hit.title,
        "summary": hit.summary,
        "url": url,
        "date": _hit_date(hit.date),
    }
    if hit.kind == "warning":
        page = warnings[hit.object_id]
        data["reference"] = page.reference
        data["level"] = level_data(page.level)
    return data


@open_data_endpoint
def search(request):
    query = search_query_from(request.GET)
    results = search_backend().search(query)

    warnings = _public_warnings_by_id(results.hits)
    items = [
        hit_data(hit, warnings)
        for hit in results.hits
        if hit.kind != "warning" or hit.object_id in warnings
    ]
    next_cursor = next_url = None
    headers = {}
    if query.page * query.per_page < results.total:
        next_cursor = encode_cursor([query.page + 1])
        params = request.GET.copy()
        params["cursor"] = next_cursor
        next_url = absolute(request.path + "?" + params.urlencode())
        headers["Link"] = f'<{next_url}>; rel="next"'
    facets = {
        name: [{"value": value, "count": count} for value, count in counts]
        for name, counts in results.facets.items()
    }
    return json_response(
        {
            "items": items,
            "total": results.total,
            "facets": facets,
            "limit": query.per_page,
            "next_cursor": next_cursor,
            "next": next_url,
        },
        headers=headers,
    )
