"""Keeps the index in step with what the public may see, after commit.

When the backend fails (an Elasticsearch outage), the change is written to
`PendingIndexUpdate` and retried by `search.tasks.retry_pending_index_updates`;
the editor's save has already committed and is never undone by it."""

import logging

from django.dispatch import receiver

from alerts.signals import public_record_changed

from .sync import sync_record

logger = logging.getLogger(__name__)


@receiver(public_record_changed)
def _reindex_record(sender, model_label, pk, **kwargs):
    sync_record(model_label, pk)
