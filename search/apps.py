from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "search"
    label = "herald_search"
    verbose_name = _("Public lookup")

    def ready(self):
        from . import receivers  # noqa: F401  (keeps the index in step)
