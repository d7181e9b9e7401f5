"""The public lookup page: one box for warnings, recalls and the blacklist,
with facets, highlighted matches, sorting, pages and a CSV export."""

import csv
import datetime
import logging

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET
from django_countries import countries

from alerts.choices import LEVEL_NAMES_EN, LEVEL_NAMES_ZH, LEVEL_NUMERALS
from alerts.models import ProductCategory

from .backend import search_backend
from .backends.base import FACETS, MAX_PER_PAGE, SearchQuery, SearchUnavailable

logger = logging.getLogger(__name__)

KINDS = ("warning", "recall", "blacklist")
PER_PAGE = 20
FILTERS = ("category", "level", "origin", "year", "status")
PERIODS = {
    "today": (_("Today"), 0),
    "week": (_("Last 7 days"), 6),
    "month": (_("Last 30 days"), 29),
    "year": (_("Last 12 months"), 364),
}
TYPE_LABELS = {
    "warning": _("Warnings"),
    "recall": _("Recalls"),
    "blacklist": _("Blacklist"),
}
STATUS_LABELS = {
    "active": _("Active"),
    "lifted": _("Lifted"),
    "ongoing": _("Recall ongoing"),
    "completed": _("Recall completed"),
    "withdrawn": _("Withdrawn by the source"),
    "listed": _("Listed"),
}
FACET_TITLES = {
    "type": _("Type"),
    "category": _("Category"),
    "level": _("Level"),
    "origin": _("Origin"),
    "year": _("Year"),
    "status": _("Status"),
}


def query_from(params, per_page=PER_PAGE):
    """A `SearchQuery` from the page's parameters; values it cannot use are
    dropped rather than failing the page."""
    kind = params.get("type", "")
    page = params.get("page", "1")
    filters = {name: params.get(name) for name in FILTERS if params.get(name)}
    date_from, date_to = date_range(params)
    return SearchQuery(
        text=params.get("q", "").strip()[:200],
        kind=kind if kind in KINDS else "",
        filters=filters,
        sort="date" if params.get("sort") == "date" else "relevance",
        page=int(page) if page.isdigit() and 0 < int(page) < 10_000 else 1,
        per_page=per_page,
        date_from=date_from,
        date_to=date_to,
    )


def date_range(params):
    """(from, to) dates from `date=today|week|month|year` or `from`/`to`
    (YYYY-MM-DD), counted in local time (settings.TIME_ZONE)."""
    today = timezone.localdate()
    period = params.get("date")
    if period in PERIODS:
        return today - datetime.timedelta(days=PERIODS[period][1]), today
    return _date(params.get("from")), _date(params.get("to"))


def _date(value):
    try:
        return datetime.date.fromisoformat(value or "")
    except ValueError:
        return None


def facet_label(name, value):
    if name == "type":
        return TYPE_LABELS.get(value, value)
    if name == "category":
        category = _categories().get(value)
        return category.name if category else value
    if name == "level":
        english = (get_language() or "").startswith("en")
        names = LEVEL_NAMES_EN if english else LEVEL_NAMES_ZH
        return f"{LEVEL_NUMERALS.get(value, value)} · {names.get(value, '')}"
    if name == "origin":
        return dict(countries).get(value, value)
    if name == "status":
        return STATUS_LABELS.get(value, value)
    return str(value)


def _categories():
    return {c.code: c for c in ProductCategory.objects.all()}


def _facet_groups(request, query, results):
    groups = []
    for name in FACETS:
        param = "type" if name == "type" else name
        selected = request.GET.get(param, "")
        options = []
        for value, count in results.facets.get(name, [])[:12]:
            options.append(
                {
                    "label": facet_label(name, value),
                    "count": count,
                    "selected": str(value) == selected,
                    "url": _url_with(request, param, value),
                }
            )
        if options or selected:
            groups.append(
                {
                    "name": name,
                    "title": FACET_TITLES[name],
                    "options": options,
                    "clear_url": _url_with(request, param, None) if selected else "",
                }
            )
    return groups


def _url_with(request, name, value):
    params = request.GET.copy()
    params.pop("page", None)
    if value is None:
        params.pop(name, None)
    else:
        params[name] = value
    return "?" + params.urlencode()


@require_GET
def search(request):
    query = query_from(request.GET)
    searched = bool(
        query.text or query.kind or query.filters or query.date_from or query.date_to
    )
    try:
        results = search_backend().search(query) if searched else None
    except SearchUnavailable:
        logger.exception("Search failed", extra={"query_kind": query.kind})
        return render(request, "search/unavailable.html", {"query": query}, status=503)
    pages = None
    if results is not None:
        pages = Paginator(range(results.total), PER_PAGE).get_page(query.page)
    return render(
        request,
        "search/search.html",
        {
            "query": query,
            "results": results,
            "pages": pages,
            "facet_groups": _facet_groups(request, query, results) if results else [],
            "periods": [
                (key, label, _url_with(request, "date", key))
                for key, (label, _days) in PERIODS.items()
            ],
            "period": request.GET.get("date", ""),
            "sort_urls": {
                "relevance": _url_with(request, "sort", "relevance"),
                "date": _url_with(request, "sort", "date"),
            },
            "export_url": "/search/export.csv?" + request.GET.urlencode(),
            "type_labels": TYPE_LABELS,
        },
    )


@require_GET
def export_csv(request):
    """The result set of the same query as CSV, up to MAX_PER_PAGE rows."""
    query = query_from(request.GET, per_page=MAX_PER_PAGE)
    query.page = 1
    results = search_backend().search(query)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="herald-search.csv"'
    response.write("\ufeff")  # so that spreadsheet programs read UTF-8
    writer = csv.writer(response)
    writer.writerow(["type", "title", "date", "url", "summary"])
    for hit in results.hits:
        writer.writerow(
            [
                hit.kind,
                _cell(hit.title),
                hit.date.isoformat() if hit.date else "",
                settings.HERALD_BASE_URL + hit.url,
                _cell(hit.summary),
            ]
        )
    return response


def _cell(text):
    """A cell a spreadsheet will not run as a formula."""
    text = text or ""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
