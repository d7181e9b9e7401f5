from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = _("Warnings and registers")

    def ready(self):
        # Connect Wagtail's page signals and the register entries' changes, and
        # let the feeds follow every publish.
        from . import feed_cache, lifecycle, register_changes  # noqa: F401
