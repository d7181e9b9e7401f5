"""What to try when a search found nothing."""

from django.utils.translation import gettext

from alerts.models import ProductCategory

from .text import is_chinese


def suggestions_for(query, parsed):
    """What to try when nothing matched, as sentences in the active language:
    fewer filters, fewer words, the words one by one, a category whose name
    shares a word with the query."""
    tips = []
    if query.filters or query.kind or query.date_from or query.date_to:
        tips.append(gettext("Remove the filters and search everything."))
    if len(parsed.terms) > 1:
        tips.append(
            gettext("Try fewer words, for example: %(words)s")
            % {"words": " / ".join(parsed.terms[:3])}
        )
    for term in parsed.terms:
        field = "name_zh__contains" if is_chinese(term) else "name_en__icontains"
        for category in ProductCategory.objects.filter(**{field: term})[:2]:
            tips.append(
                gettext("Browse the category %(name)s.")
                % {"name": f"{category.name_zh} / {category.name_en}"}
            )
    if not tips:
        tips.append(
            gettext(
                "Try another spelling, a brand, a product name, a barcode or a "
                "company name."
            )
        )
    return tips[:5]
