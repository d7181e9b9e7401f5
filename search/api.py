"""`/api/v1/search`: the public lookup as JSON, over whichever search backend
is configured, through the one interface of `search.backends.base`.

The query is read by `search.params.query_from`, as the page reads it. The
cursor is a keyset: the sort key of the last hit of the page (with the
order it belongs to), so that the next page starts right after it and no
record is repeated or skipped while the index stays the same. Every warning
hit carries its reference number and level, read from the warnings the
public may see: a hit the index still holds for a warning no longer public
is left out before the page is cut, so pages stay full. Titles and
summaries are in the language of Accept-Language: a warning's English ones
for English, where it has them, else Chinese.
"""

from dataclasses import replace

from django.utils.translation import get_language

from alerts import queries
from alerts.api import json_response, level_data
from alerts.api_support import (
    InvalidParameter,
    absolute,
    clean_limit,
    decode_cursor,
    encode_cursor,
    iso_date,
    open_data_endpoint,
)
from alerts.openapi import SEARCH_MAX_LIMIT

from .backend import search_backend
from .backends.base import InvalidPosition
from .params import query_from

# How many further requests a page may make to replace hits it left out.
MAX_REFILLS = 5


def search_query_from(params):
    """A checked `SearchQuery` for the API's parameters."""
    limit = clean_limit(params, max_limit=SEARCH_MAX_LIMIT)
    query = query_from(params, per_page=limit, strict=True)
    if params.get("cursor"):
        query.after = tuple(decode_cursor(params["cursor"], 3))
    return query


def _public_warnings_by_id(hits):
    ids = [hit.object_id for hit in hits if hit.kind == "warning"]
    if not ids:
        return {}
    return {page.pk: page for page in queries.public_warnings().filter(pk__in=ids)}


def public_page(backend, query):
    """(results, [(hit, warning or None)], more): a full page of hits the
    public may see, and whether any follow. Hits of warnings no longer
    public are dropped before the page is cut, and the page is topped up
    from after the last hit read."""
    first, page, more = None, [], False
    request = replace(query, per_page=query.per_page + 1)
    for attempt in range(MAX_REFILLS + 1):
        results = backend.search(replace(request, count=attempt == 0))
        if first is None:
            first = results
        warnings = _public_warnings_by_id(results.hits)
        for hit in results.hits:
            if hit.kind == "warning" and hit.object_id not in warnings:
                continue
            if len(page) == query.per_page:
                more = True
                break
            page.append((hit, warnings.get(hit.object_id)))
        if more or len(results.hits) < request.per_page:
            break
        request = replace(request, after=results.hits[-1].sort_key)
    else:
        more = True  # gave up topping up; the cursor goes on from the page
    return first, page, more


def _hit_date(value):
    """A hit's date as YYYY-MM-DD whatever the backend hands back."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value[:10]
    if hasattr(value, "date"):
        value = value.date()
    return iso_date(value)


def hit_data(hit, warning):
    # Title, summary and highlights in the language of Accept-Language, as
    # the suggestions are: a warning's English where it has it.
    hit = hit.in_language(get_language())
    url = hit.url if hit.url.startswith(("http://", "https://")) else absolute(hit.url)
    data = {
        "type": hit.kind,
        "id": hit.object_id,
        "title": hit.title,
        "summary": hit.summary,
        "url": url,
        "date": _hit_date(hit.date),
        "highlights": {
            "title": str(hit.highlights.get("title", "")),
            "summary": str(hit.highlights.get("summary", "")),
        },
    }
    if hit.kind == "warning":
        data["reference"] = warning.reference
        data["level"] = level_data(warning.level)
    return data


@open_data_endpoint
def search(request):
    query = search_query_from(request.GET)
    try:
        results, page, more = public_page(search_backend(), query)
    except InvalidPosition:
        raise InvalidParameter(
            "cursor",
            "cursor is not one this API gave out for this sort; "
            "start again without it and follow the `next` links.",
        ) from None

    next_cursor = next_url = None
    headers = {}
    if more and page:
        next_cursor = encode_cursor(list(page[-1][0].sort_key))
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
            "items": [hit_data(hit, warning) for hit, warning in page],
            "total": results.total,
            "facets": facets,
            "corrected_query": results.corrected_text or None,
            "suggestions": [str(tip) for tip in results.suggestions],
            "limit": query.per_page,
            "next_cursor": next_cursor,
            "next": next_url,
        },
        headers=headers,
    )
