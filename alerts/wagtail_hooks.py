"""Where staff edit categories, the registers and companies in the admin."""

import django_filters
from django.contrib import messages
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.widgets import BooleanRadioSelect
from wagtail.log_actions import LogFormatter, log
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .choices import APPROVAL_LEVELS
from .models import (
    BlacklistEntry,
    Company,
    ProductCategory,
    RecallEntry,
    WarningPage,
)


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
    # Staff search these columns directly: the database search backend cannot
    # restrict its full-text query to them on SQLite.
    search_backend_name = None


class BlacklistEntryFilterSet(WagtailFilterSet):
    due_for_removal = django_filters.BooleanFilter(
        label=_("Due for removal"),
        method="filter_due_for_removal",
        widget=BooleanRadioSelect,
        help_text=_(
            "Listing period over but not removed: nothing removes an entry by "
            "itself, staff decide."
        ),
    )

    class Meta:
        model = BlacklistEntry
        fields = ["removal_reason", "live"]

    def filter_due_for_removal(self, queryset, name, value):
        if value is None:
            return queryset
        due = BlacklistEntry.objects.due_for_removal(timezone.localdate())
        if value:
            return queryset.filter(pk__in=due.values("pk"))
        return queryset.exclude(pk__in=due.values("pk"))


class BlacklistEntryViewSet(SnippetViewSet):
    model = BlacklistEntry
    icon = "cross"
    # Removed entries stay listed here, with their history, though the public
    # no longer sees them.
    list_display = [
        "company_name",
        "credit_code",
        "listed_on",
        "removal_due_on",
        "removed_on",
        "live",
    ]
    filterset_class = BlacklistEntryFilterSet
    search_fields = ["company_name", "credit_code", "decision_number"]
    search_backend_name = None


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


# --- Unpublishing a warning: a reason is required and recorded -------------

UNPUBLISH_REASON_ACTION = "alerts.unpublish_reason"


@hooks.register("register_log_actions")
def register_unpublish_reason(actions):
    @actions.register_action(UNPUBLISH_REASON_ACTION)
    class UnpublishReason(LogFormatter):
        label = _("Reason for unpublishing")

        def format_message(self, log_entry):
            reason = (log_entry.data or {}).get("reason", "")
            return _("Unpublished because: %(reason)s") % {"reason": reason}


@hooks.register("before_unpublish_page")
def require_unpublish_reason(request, page):
    if not getattr(page, "unpublish_reason_required", False):
        return None
    reason = request.POST.get("unpublish_reason", "").strip()
    if not reason:
        messages.error(
            request,
            _("Say why this warning is unpublished: the reason is recorded."),
        )
        return redirect("wagtailadmin_pages:unpublish", page.pk)
    request.herald_unpublish_reason = reason
    return None


@hooks.register("after_unpublish_page")
def record_unpublish_reason(request, page):
    reason = getattr(request, "herald_unpublish_reason", "")
    if not reason:
        return None
    log(
        instance=page,
        action=UNPUBLISH_REASON_ACTION,
        user=request.user,
        data={"reason": reason},
    )
    return None


# --- Copying a warning may not bypass the level I/II approval --------------


@hooks.register("before_copy_page")
def refuse_publishing_copy_of_level_i_or_ii(request, page):
    specific = page.specific
    if (
        request.method == "POST"
        and request.POST.get("publish_copies")
        and getattr(specific, "level", None) in APPROVAL_LEVELS
    ):
        messages.error(
            request,
            _(
                "A copy of a level I or II warning cannot be published at once: "
                "copy it without publishing and submit the copy for approval."
            ),
        )
        return redirect("wagtailadmin_pages:copy", page.pk)
    return None


# --- Bulk actions of the page listing obey the same rules -----------------


def _pages_acted_on(objects, action, descendants):
    """The pages a bulk action changes: those chosen and, when the editor
    ticked "include descendants", the descendants it reaches."""
    pages = list(objects)
    form = getattr(action, "cleaned_form", None)
    if form is not None and form.cleaned_data.get("include_descendants"):
        for page in objects:
            pages.extend(descendants(page.get_descendants()))
    return [page for page in pages if issubclass(page.specific_class, WarningPage)]


def _level_to_publish(page):
    """The level of what publishing `page` now would put live: its latest
    revision, not the version that is live."""
    revision = page.get_latest_revision()
    version = revision.as_object() if revision else page.specific
    return version.level


@hooks.register("before_bulk_action")
def refuse_bulk_publish_and_unpublish_of_warnings(
    request, action_type, objects, action
):
    if action_type == "publish":
        pages = _pages_acted_on(objects, action, lambda pages: pages.not_live())
        if any(_level_to_publish(page) in APPROVAL_LEVELS for page in pages):
            messages.error(
                request,
                _(
                    "A level I or II warning cannot be published from the page "
                    "list: it goes live only once an approver other than its "
                    "author approves it. Open it and submit it for approval. "
                    "Nothing was published."
                ),
            )
            return redirect(action.next_url)
    if action_type == "unpublish":
        if _pages_acted_on(objects, action, lambda pages: pages.live()):
            messages.error(
                request,
                _(
                    "Warnings are unpublished one at a time, with the reason "
                    "recorded: use Unpublish on the warning itself. To end a "
                    "warning, lift it. Nothing was unpublished."
                ),
            )
            return redirect(action.next_url)
    return None
