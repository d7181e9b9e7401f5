"""One record's way into (or out of) the index, queued when it fails."""

import logging

from django.db.models import F
from django.utils import timezone

from .backend import search_backend
from .documents import document_for
from .models import PendingIndexUpdate

logger = logging.getLogger(__name__)


def sync_record(model_label, pk):
    """Index the public version of a record, or remove it when the public may
    not see it. Returns True when the index took the change; otherwise the
    change is queued for a retry and False is returned."""
    kind, document = document_for(model_label, pk)
    if kind is None:
        return True
    try:
        backend = search_backend()
        if document is None:
            backend.remove(kind, [pk])
        else:
            backend.index([document])
    except Exception as error:  # any failure of the search server: queue it
        _queue(model_label, pk, error)
        return False
    return True


def _queue(model_label, pk, error):
    pending, created = PendingIndexUpdate.objects.get_or_create(
        model_label=model_label, object_id=pk, defaults={"last_error": str(error)}
    )
    if not created:
        # .update() skips auto_now: set updated_at so that a retry running
        # meanwhile sees a newer change and leaves the row in place.
        PendingIndexUpdate.objects.filter(pk=pending.pk).update(
            attempts=F("attempts") + 1,
            last_error=str(error)[:2000],
            updated_at=timezone.now(),
        )
    logger.warning(
        "Search index update queued for retry: %s %s (%s)",
        model_label,
        pk,
        type(error).__name__,
        extra={"model_label": model_label, "object_id": pk},
    )


def retry_pending(limit=500):
    """Retry queued updates, oldest first; returns (done, still pending)."""
    done = 0
    for pending in PendingIndexUpdate.objects.order_by("created_at", "id")[:limit]:
        if sync_record(pending.model_label, pending.object_id):
            deleted, _by_model = PendingIndexUpdate.objects.filter(
                pk=pending.pk, updated_at=pending.updated_at
            ).delete()
            done += bool(deleted)
    left = PendingIndexUpdate.objects.count()
    if done or left:
        logger.info(
            "Search index retries: %s done, %s pending",
            done,
            left,
            extra={"done": done, "pending": left},
        )
    return done, left
