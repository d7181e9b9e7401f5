"""The Celery application. Without REDIS_URL tasks run in-process."""

import logging
import os

from celery import Celery
from celery.signals import celeryd_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "herald.settings.dev")

app = Celery("herald")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)


@celeryd_init.connect
def _say_which_broker(**kwargs):
    logger.info("Celery worker starting with broker %s", app.conf.broker_url)
