"""Database access for the public pages, feeds and API of alerts."""

from django.db.models import F, Q

from .choices import PUBLIC_KINDS, NoticeKind
from .models import (
    BlacklistEntry,
    Notice,
    ProductCategory,
    RecallCompany,
    RecallEntry,
    WarningPage,
)

WARNING_FILTERS = ("level", "kind", "category", "origin", "status")
# What a notice answers itself rather than by its warning's state now.
NOTICE_FILTERS = ("level", "status")


def public_warnings():
    """Live warnings the public may read: never a port bulletin."""
    return (
        WarningPage.objects.live()
        .filter(kind__in=PUBLIC_KINDS)
        .prefetch_related("categories")
    )


def filter_warnings(warnings, params):
    """Apply the `/warnings/` filters from a query dict; unknown values are
    ignored rather than failing the page."""
    level = params.get("level")
    if level and level.isdigit():
        warnings = warnings.filter(level=int(level))
    kind = params.get("kind")
    if kind in PUBLIC_KINDS:
        warnings = warnings.filter(kind=kind)
    category = params.get("category")
    if category:
        categories = ProductCategory.objects.filter(code=category).with_descendants()
        warnings = warnings.filter(categories__in=categories).distinct()
    origin = (params.get("origin") or "").upper()
    if len(origin) == 2:
        warnings = warnings.filter(origins__contains=origin)
    status = params.get("status")
    if status == "active":
        warnings = warnings.filter(lifted_at__isnull=True)
    elif status == "lifted":
        warnings = warnings.filter(lifted_at__isnull=False)
    return warnings


def public_notices(params=None):
    """Notices of live public warnings, newest first, with the filters of the
    feeds. Kind, category and origin are the warning's. Level and status are
    the notice's, since a feed lists notices and an entry, once read, stays
    read:

    - `level` keeps the notices issued at that level, and a level change
      from it too, so a change from I to II shows under both;
    - `status=active` keeps the notices of warnings in force, and the
      lifting notice of a warning that was in force (one with an earlier
      notice): a reader of the active feed must learn it no longer applies;
    - `status=lifted` keeps every notice of the warnings lifted.
    """
    params = params or {}
    warning_params = {k: v for k, v in params.items() if k not in NOTICE_FILTERS}
    warnings = filter_warnings(public_warnings(), warning_params)
    notices = Notice.objects.filter(warning__in=warnings.values("pk"))
    level = params.get("level")
    if level and str(level).isdigit():
        notices = notices.filter(
            Q(level=int(level))
            | Q(kind=NoticeKind.ADJUSTMENT, previous_level=int(level))
        )
    status = params.get("status")
    if status == "active":
        notices = notices.filter(
            Q(warning__lifted_at__isnull=True)
            | Q(kind=NoticeKind.LIFTING, sequence__gt=1)
        )
    elif status == "lifted":
        notices = notices.filter(warning__lifted_at__isnull=False)
    return (
        notices.select_related("warning")
        .prefetch_related("warning__categories")
        .order_by("-issued_at", "-id")
    )


def public_recalls():
    return RecallEntry.objects.filter(live=True).select_related("category")


def filter_recalls(recalls, filters):
    """Apply checked recall filters (category with its children, origin) and
    order newest recall first, undated ones last."""
    category = filters.get("category")
    if category:
        categories = ProductCategory.objects.filter(code=category).with_descendants()
        recalls = recalls.filter(category__in=categories)
    origin = filters.get("origin")
    if origin:
        recalls = recalls.filter(origin=origin)
    return recalls.order_by(F("recall_date").desc(nulls_last=True), "-id")


def public_blacklist():
    """Entries on the public list today: a removal takes effect on its date."""
    return BlacklistEntry.objects.listed()


def recall_companies(recall):
    """The companies a recall names, each link with its role."""
    return RecallCompany.objects.filter(recall=recall).select_related("company")


def company_recalls(company):
    """(recall, [role labels]) of the public recalls naming a company, newest
    first."""
    links = (
        RecallCompany.objects.filter(company=company, recall__in=public_recalls())
        .select_related("recall")
        .order_by(F("recall__recall_date").desc(nulls_last=True), "-recall_id", "id")
    )
    recalls = {}
    for link in links:
        recalls.setdefault(link.recall, []).append(link.get_role_display())
    return list(recalls.items())


def company_warnings(company):
    return public_warnings().filter(companies=company)


def active_warnings_by_level():
    active = (
        public_warnings()
        .filter(lifted_at__isnull=True)
        .order_by("level", "-start_time")
    )
    groups = {}
    for warning in active:
        groups.setdefault(warning.level, []).append(warning)
    return sorted(groups.items())


def search_text_filter(queryset, text, fields):
    query = Q()
    for field in fields:
        query |= Q(**{f"{field}__icontains": text})
    return queryset.filter(query)
