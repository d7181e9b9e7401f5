"""Where staff edit categories, the registers and companies in the admin."""

from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import BlacklistEntry, Company, ProductCategory, RecallEntry


class ProductCategoryViewSet(SnippetViewSet):
    model = ProductCategory
    icon = "list-ul"
    list_display = ["name_zh", "name_en", "code", "parent"]
    search_fields = ["name_zh", "name_en", "code"]


class RecallEntryViewSet(SnippetViewSet):
    model = RecallEntry
    icon = "warning"
    list_display = ["product", "brand", "recall_date", "status", "source", "live"]
    list_filter = ["source", "recall_type", "status", "live"]
    search_fields = ["product", "brand", "model", "barcode", "source_id"]


class BlacklistEntryViewSet(SnippetViewSet):
    model = BlacklistEntry
    icon = "cross"
    # Removed entries stay listed here, with their history, though the public
    # no longer sees them.
    list_display = ["company_name", "credit_code", "listed_on", "removed_on", "live"]
    list_filter = ["removal_reason", "live"]
    search_fields = ["company_name", "credit_code", "decision_number"]


class CompanyViewSet(SnippetViewSet):
    model = Company
    icon = "group"
    list_display = ["name", "credit_code", "country"]
    search_fields = ["name", "name_en", "credit_code"]


class RegistersGroup(SnippetViewSetGroup):
    menu_label = _("Registers")
    menu_icon = "folder-open-inverse"
    menu_order = 200
    items = (
        RecallEntryViewSet,
        BlacklistEntryViewSet,
        CompanyViewSet,
        ProductCategoryViewSet,
    )


register_snippet(RegistersGroup)
