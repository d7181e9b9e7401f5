"""The public lookup page: one box for warnings, recalls and the blacklist."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .backend import search_backend
from .backends.base import SearchQuery

KINDS = ("warning", "recall", "blacklist")
PER_PAGE = 20


def query_from(params):
    kind = params.get("type", "")
    page = params.get("page", "1")
    filters = {
        name: params.get(name)
        for name in ("category", "level", "origin", "status")
        if params.get(name)
    }
    return SearchQuery(
        text=params.get("q", "").strip()[:200],
        kind=kind if kind in KINDS else "",
        filters=filters,
        sort="date" if params.get("sort") == "date" else "relevance",
        page=int(page) if page.isdigit() and int(page) > 0 else 1,
        per_page=PER_PAGE,
    )


@require_GET
def search(request):
    query = query_from(request.GET)
    results = search_backend().search(query) if (query.text or query.kind) else None
    pages = None
    if results is not None:
        pages = Paginator(range(results.total), PER_PAGE).get_page(query.page)
    return render(
        request,
        "search/search.html",
        {"query": query, "results": results, "pages": pages},
    )
