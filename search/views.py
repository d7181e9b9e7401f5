"""The public lookup page: one box for warnings, recalls and the blacklist,
with facets, highlighted matches, sorting, pages and a CSV export.

Parameters are read by `search.params.query_from`, as the API reads them."""

import csv
import logging
from dataclasses import replace

from django.conf import settings
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import get_language, gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe
from django_countries import countries

from alerts.choices import LEVEL_NAMES_EN, LEVEL_NAMES_ZH, LEVEL_NUMERALS
from alerts.models import ProductCategory

from . import params as search_params
from .backend import search_backend
from .backends.base import FACETS, SearchUnavailable

logger = logging.getLogger(__name__)

PER_PAGE = 20
MAX_PAGE = 10_000
# Rows of the CSV export read from the backend at a time.
EXPORT_CHUNK = 1000
TYPE_LABELS = {
    "warning": _("Warnings"),
    "recall": _("Recalls"),
    "blacklist": _("Blacklist"),
}
# The kind of one hit, beside it in the results.
HIT_LABELS = {
    "warning": pgettext_lazy("kind of a search hit", "Warning"),
    "recall": pgettext_lazy("kind of a search hit", "Recall"),
    "blacklist": pgettext_lazy("kind of a search hit", "Blacklist entry"),
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
    query = search_params.query_from(params, per_page=per_page)
    page = params.get("page", "1")
    query.page = int(page) if page.isdigit() and 0 < int(page) < MAX_PAGE else 1
    return query


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


def _unavailable(request, query, error):
    logger.error("Search failed", exc_info=error, extra={"query_kind": query.kind})
    return render(request, "search/unavailable.html", {"query": query}, status=503)


@require_safe
def search(request):
    query = query_from(request.GET)
    searched = bool(
        query.text or query.kind or query.filters or query.date_from or query.date_to
    )
    try:
        results = search_backend().search(query) if searched else None
        pages = None
        if results is not None:
            pages = Paginator(range(results.total), PER_PAGE).get_page(query.page)
            if results.total and pages.number != query.page:
                # Past the last page (an old link, a typed number): show the
                # last page, as the page count below says.
                query.page = pages.number
                results = search_backend().search(query)
    except SearchUnavailable as error:
        return _unavailable(request, query, error)
    if results is not None:
        results = replace(results, hits=_shown(results.hits))
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
                for key, (label, _days) in search_params.PERIODS.items()
            ],
            "period": request.GET.get("date", ""),
            "sort_urls": {
                "relevance": _url_with(request, "sort", "relevance"),
                "date": _url_with(request, "sort", "date"),
            },
            "export_url": "/search/export.csv?" + request.GET.urlencode(),
            "type_labels": TYPE_LABELS,
            "hit_labels": HIT_LABELS,
        },
    )


def _shown(hits):
    """The hits in the interface's language (a warning's English title and
    summary for English readers, where it has them)."""
    language = get_language()
    return [hit.in_language(language) for hit in hits]


class _Echo:
    """A file csv.writer writes to: each write hands back the line."""

    def write(self, value):
        return value


@require_safe
def export_csv(request):
    """Every result of the same query as CSV, streamed in chunks that
    follow one another by sort key. An outage before the first row is the
    same 503 page as the search page's; one in the middle of the file ends
    it with a line that says it is incomplete."""
    query = replace(query_from(request.GET, per_page=EXPORT_CHUNK), page=1)
    backend = search_backend()
    try:
        first = backend.search(replace(query, count=False))
    except SearchUnavailable as error:
        return _unavailable(request, query, error)
    response = StreamingHttpResponse(
        _csv_lines(backend, query, first), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="herald-search.csv"'
    return response


def _csv_lines(backend, query, results):
    writer = csv.writer(_Echo())
    yield "\ufeff"  # so that spreadsheet programs read UTF-8
    yield writer.writerow(["type", "title", "date", "url", "summary"])
    while True:
        for hit in _shown(results.hits):
            yield writer.writerow(
                [
                    hit.kind,
                    _cell(hit.title),
                    hit.date.isoformat() if hit.date else "",
                    settings.HERALD_BASE_URL + hit.url,
                    _cell(hit.summary),
                ]
            )
        if len(results.hits) < query.per_page:
            return
        try:
            results = backend.search(
                replace(query, count=False, after=results.hits[-1].sort_key)
            )
        except SearchUnavailable:
            logger.exception(
                "Search export cut short", extra={"query_kind": query.kind}
            )
            yield writer.writerow(
                [
                    "",
                    gettext(
                        "The search service stopped answering: this file is "
                        "incomplete. Please download it again later."
                    ),
                ]
            )
            return


def _cell(text):
    """A cell a spreadsheet will not run as a formula."""
    text = text or ""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
