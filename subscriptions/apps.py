import logging

from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)


class SubscriptionsConfig(AppConfig):
    name = "subscriptions"
    verbose_name = _("Subscriptions and delivery")

    def ready(self):
        # receivers listens to alerts' signals. Celery's autodiscovery finds
        # only tasks.py, and confirmations and privacy hold tasks too.
        from . import confirmations, privacy, receivers  # noqa: F401

        if settings.CELERY_TASK_ALWAYS_EAGER:
            logger.warning(
                "No REDIS_URL is set: tasks run in-process, inside the request "
                "that publishes; set REDIS_URL and run `make worker` in production."
            )
