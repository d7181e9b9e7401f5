"""Subscribers, lists, the suppression list and the outbox in the admin."""

from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import OutboxMessage, RecipientList, Subscriber, Suppression


class SubscriberViewSet(SnippetViewSet):
    model = Subscriber
    icon = "user"
    list_display = ["__str__", "audience", "email_confirmed_at", "phone_confirmed_at"]
    search_fields = ["email", "phone"]


class RecipientListViewSet(SnippetViewSet):
    model = RecipientList
    icon = "group"


class SuppressionViewSet(SnippetViewSet):
    model = Suppression
    icon = "cross"
    list_display = ["channel", "address", "reason", "created_at"]
    search_fields = ["address"]


class OutboxViewSet(SnippetViewSet):
    model = OutboxMessage
    icon = "mail"
    list_display = ["created_at", "channel", "to", "subject"]
    list_filter = ["channel"]
    search_fields = ["to", "subject", "body"]


class SubscriptionsGroup(SnippetViewSetGroup):
    menu_label = _("Subscribers")
    menu_icon = "user"
    menu_order = 300
    items = (SubscriberViewSet, RecipientListViewSet, SuppressionViewSet, OutboxViewSet)


register_snippet(SubscriptionsGroup)


# --- Notice delivery report (engineer C) -----------------------------------
# A list of notices with their delivery counts, a report on each notice
# (counts, timings, a chart, failures, retry, CSV), and a dashboard warning
# when a level I or II notice goes unsent.

from django.urls import path, reverse  # noqa: E402
from laces.components import Component  # noqa: E402
from wagtail import hooks  # noqa: E402
from wagtail.admin.menu import MenuItem  # noqa: E402

from . import report_views  # noqa: E402
from .models import UrgentNoticeAlarm  # noqa: E402


@hooks.register("register_admin_urls")
def _notice_report_urls():
    return [
        path(
            "notices/",
            report_views.notice_list,
            name="subscriptions_notice_list",
        ),
        path(
            "notices/<int:notice_id>/deliveries/",
            report_views.notice_report,
            name="subscriptions_notice_report",
        ),
        path(
            "notices/<int:notice_id>/deliveries/retry/",
            report_views.retry_failed,
            name="subscriptions_notice_retry",
        ),
        path(
            "notices/<int:notice_id>/deliveries.csv",
            report_views.deliveries_csv,
            name="subscriptions_notice_csv",
        ),
    ]


class _DeliveryMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm("subscriptions.view_delivery")


@hooks.register("register_admin_menu_item")
def _notice_report_menu_item():
    return _DeliveryMenuItem(
        _("Notice deliveries"),
        reverse("subscriptions_notice_list"),
        icon_name="mail",
        order=310,
    )


class UnsentUrgentNoticesPanel(Component):
    """The dashboard warning raised by `check_unsent_urgent_notices`."""

    name = "unsent_urgent_notices"
    order = 10
    template_name = "subscriptions/admin/alarms.html"

    def get_context_data(self, parent_context=None):
        return {
            "alarms": UrgentNoticeAlarm.objects.filter(
                cleared_at__isnull=True
            ).select_related("notice", "notice__warning")
        }


@hooks.register("construct_homepage_panels")
def _add_unsent_urgent_notices_panel(request, panels):
    if request.user.has_perm("subscriptions.view_delivery"):
        panels.insert(0, UnsentUrgentNoticesPanel())
