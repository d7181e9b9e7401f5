"""The JSON API of warnings, recalls and the blacklist (`/api/v1/`).

Every list takes the filters of its page, answers newest first in a stable
order (a date, then the id), and pages with an opaque cursor that holds the
sort values of the last row sent, so rows published meanwhile never shift a
page. Times are ISO 8601 with the site's zone. What the answers look like is
written in `openapi.py` and served at `/api/v1/openapi.json`; tests check
real answers against it.
"""

from django.db.models import F, Prefetch, Q
from django.http import JsonResponse
from django.utils.dateparse import parse_date, parse_datetime

from . import openapi, queries
from .api_support import (
    RECALL_FILTER_CLEANERS,
    WARNING_FILTER_CLEANERS,
    InvalidParameter,
    absolute,
    clean_filters,
    clean_limit,
    clean_text,
    decode_cursor,
    encode_cursor,
    iso_date,
    iso_time,
    open_data_endpoint,
)
from .choices import (
    LEVEL_COLOUR_NAMES_ZH,
    LEVEL_COLOURS,
    LEVEL_NAMES_EN,
    LEVEL_NAMES_ZH,
    LEVEL_NUMERALS,
)
from .feeds import notice_cap_path, notice_guid, notice_path
from .models import Notice


def json_response(data, status=200, headers=None):
    response = JsonResponse(
        data, status=status, json_dumps_params={"ensure_ascii": False}
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


# Pages of rows -----------------------------------------------------------


def _parse_sort_value(queryset, field, value):
    if value is None:
        return None
    kind = queryset.model._meta.get_field(field).get_internal_type()
    parsed = None
    if isinstance(value, str):
        parsed = parse_datetime(value) if kind == "DateTimeField" else parse_date(value)
    if parsed is None:
        raise InvalidParameter(
            "cursor", "cursor does not hold a position this API gave out."
        )
    return parsed


def page_after(queryset, field, request, limit):
    """One page of `queryset` ordered by `field` (newest first, empty last)
    then id, after the request's cursor; and the cursor of the next page."""
    ordered = queryset.order_by(F(field).desc(nulls_last=True), "-id")
    cursor = request.GET.get("cursor") or ""
    if cursor:
        value, last_id = decode_cursor(cursor, 2)
        if not isinstance(last_id, int):
            raise InvalidParameter(
                "cursor", "cursor does not hold a position this API gave out."
            )
        value = _parse_sort_value(queryset, field, value)
        if value is None:
            ordered = ordered.filter(**{f"{field}__isnull": True, "id__lt": last_id})
        else:
            ordered = ordered.filter(
                Q(**{f"{field}__lt": value})
                | Q(**{field: value, "id__lt": last_id})
                | Q(**{f"{field}__isnull": True})
            )
    rows = list(ordered[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        sort_value = getattr(last, field)
        next_cursor = encode_cursor(
            [sort_value.isoformat() if sort_value else None, last.pk]
        )
    return rows, next_cursor


def page_response(request, items, next_cursor, limit):
    next_url = None
    headers = {}
    if next_cursor:
        params = request.GET.copy()
        params["cursor"] = next_cursor
        next_url = absolute(request.path + "?" + params.urlencode())
        headers["Link"] = f'<{next_url}>; rel="next"'
    return json_response(
        {"items": items, "limit": limit, "next_cursor": next_cursor, "next": next_url},
        headers=headers,
    )


# What a row looks like ---------------------------------------------------


def level_data(level):
    """A level by numeral, words and colour: never by colour alone."""
    if level is None:
        return None
    return {
        "value": level,
        "numeral": LEVEL_NUMERALS[level],
        "name": {"zh": LEVEL_NAMES_ZH[level], "en": LEVEL_NAMES_EN[level]},
        "colour": LEVEL_COLOURS[level],
        "colour_name": {"zh": LEVEL_COLOUR_NAMES_ZH[level], "en": LEVEL_COLOURS[level]},
    }


def category_data(category):
    if category is None:
        return None
    return {
        "code": category.code,
        "name": {"zh": category.name_zh, "en": category.name_en},
    }


def notice_data(notice):
    return {
        "sequence": notice.sequence,
        "guid": notice_guid(notice),
        "kind": notice.kind,
        "level": level_data(notice.level),
        "previous_level": level_data(notice.previous_level),
        "reason": notice.reason,
        "issued_at": iso_time(notice.issued_at),
        "url": absolute(notice_path(notice)),
        "cap_url": absolute(notice_cap_path(notice)),
    }


def warning_data(page):
    return {
        "id": page.pk,
        "reference": page.reference,
        "url": absolute(page.public_path()),
        "cap_url": absolute(page.public_path() + "cap.xml"),
        "title": {"zh": page.title, "en": page.title_en},
        "summary": {"zh": page.summary_zh, "en": page.summary_en},
        "advice": {"zh": page.advice_zh, "en": page.advice_en},
        "level": level_data(page.level),
        "kind": page.kind,
        "direction": page.direction,
        "status": "lifted" if page.lifted_at else "active",
        "categories": [category_data(c) for c in page.categories.all()],
        "origins": [str(code) for code in page.origins],
        "hazards": [str(h) for h in page.hazards or []],
        "measures": [str(m) for m in page.measures or []],
        "start_time": iso_time(page.start_time),
        "review_date": iso_time(page.review_date),
        "lifted_at": iso_time(page.lifted_at),
        "first_published_at": iso_time(page.first_published_at),
        "last_published_at": iso_time(page.last_published_at),
        "notices": [notice_data(n) for n in page.notices.all()],
    }


def recall_data(recall):
    return {
        "id": recall.pk,
        "url": absolute(f"/recalls/{recall.pk}/"),
        "source": recall.source,
        "source_id": recall.source_id,
        "source_url": recall.source_url,
        "product": recall.product,
        "brand": recall.brand,
        "model": recall.model,
        "batch": recall.batch,
        "barcode": recall.barcode,
        "category": category_data(recall.category),
        "origin": str(recall.origin) if recall.origin else None,
        "companies": recall.company_text,
        "defect": recall.defect,
        "hazard": recall.hazard or None,
        "hazard_text": recall.hazard_text,
        "remedy": recall.remedy or None,
        "remedy_text": recall.remedy_text,
        "units": recall.units,
        "recall_type": recall.recall_type,
        "recall_date": iso_date(recall.recall_date),
        "language": recall.language,
        "updated_at": iso_time(recall.updated_at),
    }


def blacklist_data(entry):
    return {
        "id": entry.pk,
        "url": absolute(f"/blacklist/{entry.pk}/"),
        "company_name": entry.company_name,
        "credit_code": entry.credit_code,
        "region": entry.region,
        "violation": entry.violation,
        "legal_basis": entry.legal_basis,
        "decision_number": entry.decision_number,
        "penalty": entry.penalty,
        "listed_on": iso_date(entry.listed_on),
        "removal_due_on": iso_date(entry.removal_due_on),
        "updated_at": iso_time(entry.updated_at),
    }


# Endpoints ---------------------------------------------------------------


@open_data_endpoint
def warning_list(request):
    filters = clean_filters(request.GET, WARNING_FILTER_CLEANERS)
    limit = clean_limit(request.GET)
    warnings = queries.filter_warnings(queries.public_warnings(), filters)
    warnings = warnings.prefetch_related(
        Prefetch("notices", queryset=Notice.objects.order_by("sequence"))
    )
    rows, next_cursor = page_after(warnings, "start_time", request, limit)
    return page_response(request, [warning_data(w) for w in rows], next_cursor, limit)


@open_data_endpoint
def recall_list(request):
    filters = clean_filters(request.GET, RECALL_FILTER_CLEANERS)
    text = clean_text(request.GET)
    limit = clean_limit(request.GET)
    recalls = queries.filter_recalls(queries.public_recalls(), filters)
    if text:
        recalls = queries.search_text_filter(
            recalls, text, ["product", "brand", "model", "barcode", "company_text"]
        )
    rows, next_cursor = page_after(recalls, "recall_date", request, limit)
    return page_response(request, [recall_data(r) for r in rows], next_cursor, limit)


@open_data_endpoint
def blacklist_list(request):
    text = clean_text(request.GET)
    limit = clean_limit(request.GET)
    entries = queries.public_blacklist()
    if text:
        entries = queries.search_text_filter(
            entries, text, ["company_name", "credit_code", "decision_number"]
        )
    rows, next_cursor = page_after(entries, "listed_on", request, limit)
    return page_response(request, [blacklist_data(e) for e in rows], next_cursor, limit)


@open_data_endpoint
def api_index(request):
    return json_response(
        {
            "name": "Herald open data",
            "openapi": absolute("/api/v1/openapi.json"),
            "endpoints": {
                "warnings": absolute("/api/v1/warnings"),
                "recalls": absolute("/api/v1/recalls"),
                "blacklist": absolute("/api/v1/blacklist"),
                "search": absolute("/api/v1/search"),
            },
            "feeds": absolute("/feeds/"),
        }
    )


@open_data_endpoint
def openapi_document(request):
    return json_response(openapi.document())
