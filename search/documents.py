"""How each public record becomes a search document. Only what the public
may see is ever turned into one.

`categories` and `origins` are lists: a warning may be about several product
categories and countries, and is counted and found under each of them.
"""

from django.utils import timezone

from alerts.choices import PUBLIC_KINDS
from alerts.models import BlacklistEntry, RecallEntry, WarningPage

WARNING_STATUSES = ("active", "lifted")
BLACKLIST_STATUSES = ("listed",)
# Every value the status facet can hold, in the order the API lists them.
STATUSES = (*WARNING_STATUSES, *RecallEntry.Status.values, *BLACKLIST_STATUSES)


def warning_document(page):
    categories = sorted(page.categories.all(), key=lambda c: c.code)
    return {
        "kind": "warning",
        "object_id": page.pk,
        "title": page.title,
        "summary": page.summary_zh,
        "title_en": page.title_en,
        "summary_en": page.summary_en,
        "text": " ".join(
            [
                page.title,
                page.title_en,
                page.summary_zh,
                page.summary_en,
                page.advice_zh,
                page.advice_en,
                page.brands,
                page.models_and_batches,
                " ".join(c.name_zh + " " + c.name_en for c in categories),
            ]
        ),
        "codes": [page.reference, *page.hs_codes.replace(",", " ").split()],
        "url": page.public_path(),
        # The day as people here count it (Asia/Shanghai), not the UTC day.
        "date": timezone.localtime(page.start_time).date() if page.start_time else None,
        "categories": [c.code for c in categories],
        "level": page.level,
        "origins": sorted({str(code) for code in page.origins or () if code}),
        "status": WARNING_STATUSES[1] if page.lifted_at else WARNING_STATUSES[0],
    }


def recall_document(entry):
    return {
        "kind": "recall",
        "object_id": entry.pk,
        "title": entry.product,
        "summary": entry.defect[:300],
        "text": " ".join(
            [
                entry.product,
                entry.brand,
                entry.model,
                entry.batch,
                entry.company_text,
                entry.defect,
                entry.hazard_text,
                entry.remedy_text,
                entry.get_remedy_display() if entry.remedy else "",
                entry.category.name_zh + " " + entry.category.name_en
                if entry.category
                else "",
                entry.origin.name if entry.origin else "",
            ]
        ),
        "codes": [*entry.barcodes, entry.source_id],
        "url": f"/recalls/{entry.pk}/",
        "date": entry.recall_date,
        "categories": [entry.category.code] if entry.category else [],
        "origins": [str(entry.origin)] if entry.origin else [],
        "status": entry.status,
    }


def blacklist_document(entry):
    return {
        "kind": "blacklist",
        "object_id": entry.pk,
        "title": entry.company_name,
        "summary": entry.violation[:300],
        "text": " ".join(
            [
                entry.company_name,
                entry.company.name_en,
                entry.region,
                entry.violation,
                entry.legal_basis,
                entry.penalty,
            ]
        ),
        "codes": [entry.credit_code, entry.decision_number],
        "url": f"/blacklist/{entry.pk}/",
        "date": entry.listed_on,
        "origins": ["CN"],
        "status": BLACKLIST_STATUSES[0],
    }


def public_documents():
    """Every document the index should hold, for a rebuild."""
    for page in WarningPage.objects.live().filter(kind__in=PUBLIC_KINDS):
        yield warning_document(page)
    recalls = RecallEntry.objects.filter(live=True).select_related("category")
    for entry in recalls.order_by("pk").iterator(chunk_size=2000):
        yield recall_document(entry)
    listed = BlacklistEntry.objects.listed()
    for entry in listed.select_related("company").order_by("pk").iterator(2000):
        yield blacklist_document(entry)


def public_document_count():
    return (
        WarningPage.objects.live().filter(kind__in=PUBLIC_KINDS).count()
        + RecallEntry.objects.filter(live=True).count()
        + BlacklistEntry.objects.listed().count()
    )


def document_for(model_label, pk):
    """The document for one record, or None when the public may not see it."""
    if model_label == "alerts.warningpage":
        page = WarningPage.objects.live().filter(pk=pk, kind__in=PUBLIC_KINDS).first()
        return ("warning", warning_document(page) if page else None)
    if model_label == "alerts.recallentry":
        entry = RecallEntry.objects.filter(pk=pk, live=True).first()
        return ("recall", recall_document(entry) if entry else None)
    if model_label == "alerts.blacklistentry":
        entry = BlacklistEntry.objects.listed().filter(pk=pk).first()
        return ("blacklist", blacklist_document(entry) if entry else None)
    return (None, None)
