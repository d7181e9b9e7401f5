"""Subscribers, lists, the suppression list and the outbox in the admin.

Staff find a subscriber by email address or number, see what they chose and
what was delivered to them, unsubscribe a dead or bouncing address, keep
the suppression list and the port recipient lists, and see how many
subscribers each category and channel has."""

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import quote
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from laces.components import Component
from wagtail import hooks
from wagtail.admin.auth import require_admin_access
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic.models import InspectView
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from alerts.models import ProductCategory

from . import report_views, signup
from .forms import optional_email, optional_phone
from .models import (
    Audience,
    Channel,
    OutboxMessage,
    RecipientList,
    Subscriber,
    Suppression,
    UrgentNoticeAlarm,
)


class SubscriberAdminForm(WagtailAdminModelForm):
    """Staff enter addresses as people give them; they are stored the way
    the public pages store them. A port or inspection contact that staff
    add is taken as confirmed: staff vouch for the address, and no one
    else can subscribe to port bulletins."""

    def clean_email(self):
        return optional_email(self.cleaned_data.get("email"))

    def clean_phone(self):
        return optional_phone(self.cleaned_data.get("phone"))

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("email") and not cleaned.get("phone"):
            raise forms.ValidationError(
                _("Give an email address, a mobile number, or both.")
            )
        return cleaned

    def save(self, commit=True):
        subscriber = super().save(commit=False)
        if subscriber.audience == Audience.PORT:
            now = timezone.now()
            if subscriber.email and not subscriber.email_confirmed_at:
                subscriber.email_confirmed_at = now
            if subscriber.phone and not subscriber.phone_confirmed_at:
                subscriber.phone_confirmed_at = now
        if commit:
            subscriber.save()
            self.save_m2m()
        return subscriber


class SubscriberInspectView(InspectView):
    """A subscriber's choices and their latest deliveries, and a button to
    unsubscribe them."""

    template_name = "subscriptions/admin/subscriber_inspect.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        subscriber = self.object
        context["categories"] = subscriber.categories.all()
        context["lists"] = subscriber.lists.all()
        # CountryField(multiple=True) has no get_..._display for the
        # generic inspect view, so the countries are listed here.
        context["origins"] = [country.name for country in subscriber.origins]
        context["deliveries"] = subscriber.deliveries.select_related(
            "notice", "notice__warning"
        ).order_by("-queued_at")[:50]
        context["delivery_count"] = subscriber.deliveries.count()
        context["unsubscribe_url"] = reverse(
            "subscriptions_admin:unsubscribe", args=[subscriber.pk]
        )
        return context


class SubscriberViewSet(SnippetViewSet):
    model = Subscriber
    icon = "user"
    list_display = [
        "__str__",
        "audience",
        "email_confirmed_at",
        "phone_confirmed_at",
        "left_at",
    ]
    list_filter = ["audience", "frequency", "language"]
    # Searched in the database: staff type part of an address or a number.
    search_fields = ["email", "phone"]
    search_backend_name = None
    inspect_view_enabled = True
    inspect_view_class = SubscriberInspectView
    edit_handler = ObjectList(
        [
            MultiFieldPanel(
                [
                    FieldRowPanel([FieldPanel("email"), FieldPanel("email_active")]),
                    FieldRowPanel([FieldPanel("phone"), FieldPanel("sms_active")]),
                    FieldRowPanel(
                        [
                            FieldPanel("email_confirmed_at"),
                            FieldPanel("phone_confirmed_at"),
                        ]
                    ),
                ],
                heading=_("Addresses"),
            ),
            FieldPanel("audience"),
            FieldPanel("categories", widget=forms.CheckboxSelectMultiple),
            FieldPanel("max_level"),
            FieldPanel("wants_public_announcements"),
            FieldPanel("wants_trade_advisories"),
            FieldPanel("origins"),
            FieldRowPanel([FieldPanel("frequency"), FieldPanel("digest_time")]),
            FieldPanel("language"),
        ],
        base_form_class=SubscriberAdminForm,
    )
    inspect_view_fields = [
        "email",
        "email_confirmed_at",
        "email_active",
        "phone",
        "phone_confirmed_at",
        "sms_active",
        "audience",
        "max_level",
        "wants_public_announcements",
        "wants_trade_advisories",
        "frequency",
        "digest_time",
        "language",
        "created_at",
        "left_at",
        "erased_at",
    ]


class RecipientListViewSet(SnippetViewSet):
    model = RecipientList
    icon = "group"
    list_display = ["name", "description"]
    search_fields = ["name"]
    search_backend_name = None


class SuppressionViewSet(SnippetViewSet):
    model = Suppression
    icon = "cross"
    list_display = ["channel", "address", "reason", "created_at"]
    list_filter = ["channel"]
    search_fields = ["address"]
    search_backend_name = None


class ReadOnlyPermissionPolicy(ModelPermissionPolicy):
    """The outbox is a record of what went out: staff may read it, and no
    one may write, change or delete a message in it."""

    def user_has_permission(self, user, action):
        if action in ("add", "change", "delete", "copy"):
            return False
        return super().user_has_permission(user, action)


class OutboxViewSet(SnippetViewSet):
    model = OutboxMessage
    icon = "mail"
    list_display = [
        Column("created_at", label=_("Kept at"), sort_key="created_at"),
        Column("channel", label=_("Channel"), accessor="get_channel_display"),
        Column("to", label=_("To"), sort_key="to"),
        Column("subject", label=_("Subject")),
        Column("excerpt", label=_("Message"), accessor=OutboxMessage.excerpt),
    ]
    list_filter = ["channel"]
    search_fields = ["to", "subject", "body"]
    search_backend_name = None
    inspect_view_enabled = True
    inspect_view_fields = ["created_at", "channel", "to", "subject", "body", "headers"]


register_permission_policy(OutboxMessage, ReadOnlyPermissionPolicy(OutboxMessage))


class SubscriptionsGroup(SnippetViewSetGroup):
    menu_label = _("Subscribers")
    menu_icon = "user"
    menu_order = 300
    items = (SubscriberViewSet, RecipientListViewSet, SuppressionViewSet, OutboxViewSet)


register_snippet(SubscriptionsGroup)


@require_admin_access
@require_POST
def unsubscribe_subscriber(request, pk):
    """Stop everything to a subscriber (a dead or bouncing address), and,
    when asked, put their addresses on the suppression list."""
    subscriber = get_object_or_404(Subscriber, pk=pk)
    if not request.user.has_perm("subscriptions.change_subscriber"):
        messages.error(request, _("You may not change subscribers."))
    else:
        if request.POST.get("suppress"):
            reason = request.POST.get("reason", "").strip()[:200] or _(
                "Unsubscribed by staff"
            )
            for channel, address in (
                (Channel.EMAIL, subscriber.email),
                (Channel.SMS, subscriber.phone),
            ):
                if address:
                    Suppression.objects.get_or_create(
                        channel=channel, address=address, defaults={"reason": reason}
                    )
        signup.unsubscribe_everything(subscriber)
        messages.success(request, _("The subscriber receives nothing any more."))
    return redirect(
        reverse("wagtailsnippets_subscriptions_subscriber:inspect", args=[quote(pk)])
    )


def subscriber_counts():
    """Per category and channel: subscribers who chose the category itself,
    and subscribers it reaches (chosen itself or through a parent, which
    covers its children), confirmed, active and not left."""
    people = Subscriber.objects.filter(left_at__isnull=True, erased_at__isnull=True)
    on_email = Q(email_confirmed_at__isnull=False, email_active=True)
    on_sms = Q(phone_confirmed_at__isnull=False, sms_active=True)
    rows = []
    for category in ProductCategory.objects.order_by("path"):
        lineage = ProductCategory.objects.filter(pk=category.pk).with_ancestors()
        chose = people.filter(categories=category)
        reached = people.filter(categories__in=lineage).distinct()
        rows.append(
            {
                "category": category,
                "depth": category.depth,
                "email": chose.filter(on_email).count(),
                "sms": chose.filter(on_sms).count(),
                "email_reached": reached.filter(on_email).count(),
                "sms_reached": reached.filter(on_sms).count(),
            }
        )
    return rows


def channel_totals():
    people = Subscriber.objects.filter(left_at__isnull=True, erased_at__isnull=True)
    return {
        "email": people.filter(
            email_confirmed_at__isnull=False, email_active=True
        ).count(),
        "sms": people.filter(phone_confirmed_at__isnull=False, sms_active=True).count(),
        "pending": people.filter(
            email_confirmed_at__isnull=True, phone_confirmed_at__isnull=True
        ).count(),
        "left": Subscriber.objects.filter(
            left_at__isnull=False, erased_at__isnull=True
        ).count(),
    }


@require_admin_access
def subscriber_report(request):
    return TemplateResponse(
        request,
        "subscriptions/admin/subscriber_counts.html",
        {
            "rows": subscriber_counts(),
            "totals": channel_totals(),
            "header_title": _("Subscribers by category and channel"),
        },
    )


@hooks.register("register_admin_urls")
def register_subscriber_admin_urls():
    from django.urls import include

    urls = [
        path("counts/", subscriber_report, name="counts"),
        path("<int:pk>/unsubscribe/", unsubscribe_subscriber, name="unsubscribe"),
    ]
    return [
        path(
            "subscriber-tools/",
            include((urls, "subscriptions_admin"), namespace="subscriptions_admin"),
        )
    ]


@hooks.register("register_reports_menu_item")
def register_subscriber_counts_menu_item():
    return MenuItem(
        _("Subscribers by category"),
        reverse("subscriptions_admin:counts"),
        icon_name="user",
        order=700,
    )


# --- Notice delivery report ----------------------------------------------
# A list of notices with their delivery counts, a report on each notice
# (counts, timings, a chart, failures, retry, CSV), and a dashboard warning
# when a level I or II notice goes unsent.


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
