from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = _("Warnings and registers")

    def ready(self):
        # Connect Wagtail's page signals, and let the feeds follow every publish.
        from . import feed_cache, lifecycle  # noqa: F401
