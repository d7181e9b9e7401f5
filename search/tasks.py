"""Celery tasks of the search app."""

from celery import shared_task

from .sync import retry_pending


@shared_task(name="search.tasks.retry_pending_index_updates", ignore_result=True)
def retry_pending_index_updates():
    """Run by beat every minute: the index changes an outage held back.
    Running it twice does nothing the second time: a done update is gone."""
    retry_pending()
