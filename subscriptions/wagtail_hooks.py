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
