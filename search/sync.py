"""One record's way into (or out of) the index, queued when it fails, and
written down (`IndexChange`) so that a rebuild running meanwhile can replay
it into the index it builds."""

import datetime
import logging

from django.db.models import F
from django.utils import timezone

from .backend import search_backend
from .documents import document_for
from .models import IndexChange, PendingIndexUpdate

logger = logging.getLogger(__name__)

# How long a change is kept for rebuilds to replay; a rebuild's own start is
# moved back by REPLAY_MARGIN, for clocks of other machines a little behind.
CHANGES_KEPT = datetime.timedelta(days=1)
REPLAY_MARGIN = datetime.timedelta(minutes=5)


def sync_record(model_label, pk):
    """Index the public version of a record, or remove it when the public may
    not see it. Returns True when the index took the change; otherwise the
    change is queued for a retry and False is returned."""
    kind, document = document_for(model_label, pk)
    if kind is None:
        return True
    _write_down(model_label, pk)
    return _apply(search_backend, model_label, pk, kind, document)


def _apply(backend_factory, model_label, pk, kind, document):
    try:
        backend = backend_factory()
        if document is None:
            backend.remove(kind, [pk])
        else:
            backend.index([document])
    except Exception as error:  # any failure of the search server: queue it
        _queue(model_label, pk, error)
        return False
    return True


def _write_down(model_label, pk):
    IndexChange.objects.bulk_create(
        [IndexChange(model_label=model_label, object_id=pk, changed_at=timezone.now())],
        update_conflicts=True,
        unique_fields=["model_label", "object_id"],
        update_fields=["changed_at"],
    )


def rebuild_started():
    """The moment a rebuild replays changes from (see `replay_changes`)."""
    return timezone.now() - REPLAY_MARGIN


def replay_changes(backend, since):
    """Apply to `backend` again every change written down since `since`, as
    each record stands now. A rebuild calls it once its new index answers:
    changes made while it ran went to the index it replaced. Returns how
    many were replayed; a failure is queued like any other."""
    changes = IndexChange.objects.filter(changed_at__gte=since).order_by("changed_at")
    replayed = 0
    for model_label, pk in changes.values_list("model_label", "object_id"):
        kind, document = document_for(model_label, pk)
        if kind is not None:
            _apply(lambda: backend, model_label, pk, kind, document)
            replayed += 1
    if replayed:
        logger.info(
            "Search rebuild replayed %s changes made while it ran",
            replayed,
            extra={"replayed": replayed},
        )
    return replayed


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
    IndexChange.objects.filter(changed_at__lt=timezone.now() - CHANGES_KEPT).delete()
    left = PendingIndexUpdate.objects.count()
    if done or left:
        logger.info(
            "Search index retries: %s done, %s pending",
            done,
            left,
            extra={"done": done, "pending": left},
        )
    return done, left
