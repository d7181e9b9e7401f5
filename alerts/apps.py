from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = _("Warnings and registers")

    def ready(self):
        from . import lifecycle  # noqa: F401  (connects Wagtail's page signals)
