"""Public pages of the registers."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_safe

from . import queries
from .models import Company


def _page(request, queryset, per_page=25):
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


@require_safe
def recall_list(request):
    recalls = queries.filter_recalls(queries.public_recalls(), {})
    q = request.GET.get("q", "").strip()
    if q:
        recalls = queries.search_text_filter(
            recalls, q, ["product", "brand", "model", "barcode", "company_text"]
        )
    return render(
        request,
        "alerts/recall_list.html",
        {"page": _page(request, recalls), "q": q},
    )


@require_safe
def recall_detail(request, pk):
    recall = get_object_or_404(queries.public_recalls(), pk=pk)
    related = queries.public_warnings().filter(recalls=recall).order_by("-start_time")
    return render(
        request,
        "alerts/recall_detail.html",
        {
            "recall": recall,
            "company_links": queries.recall_companies(recall),
            "related_warnings": related,
        },
    )


@require_safe
def blacklist_list(request):
    entries = queries.public_blacklist()
    return render(
        request, "alerts/blacklist_list.html", {"page": _page(request, entries)}
    )


@require_safe
def blacklist_detail(request, pk):
    entry = get_object_or_404(queries.public_blacklist(), pk=pk)
    return render(request, "alerts/blacklist_detail.html", {"entry": entry})


@require_safe
def company_detail(request, pk):
    company = get_object_or_404(Company, pk=pk)
    context = {
        "company": company,
        "warnings": queries.company_warnings(company),
        "recalls": queries.company_recalls(company),
        "blacklist": queries.public_blacklist().filter(company=company),
    }
    # A company only named by entries since removed from the blacklist, or by
    # drafts, has no public page.
    if not (
        context["recalls"]
        or context["warnings"].exists()
        or context["blacklist"].exists()
    ):
        raise Http404("No public record names this company.")
    return render(request, "alerts/company_detail.html", context)


def _public_warning(slug):
    return get_object_or_404(queries.public_warnings(), slug=slug)


@require_safe
def warning_cap(request, slug):
    """CAP 1.2 message of the latest notice of a public warning."""
    return _public_warning(slug).cap_latest_view(request)


@require_safe
def notice_cap(request, slug, sequence):
    """CAP 1.2 message of one notice of a public warning."""
    return _public_warning(slug).cap_notice_view(request, sequence)


@require_safe
def warning_by_reference(request, reference):
    """The short address an SMS carries: on to the public warning."""
    warning = get_object_or_404(queries.public_warnings(), reference=reference)
    return redirect(warning.public_path(), permanent=True)
