"""Keeps the index in step with what the public may see, after commit."""

import logging

from django.dispatch import receiver

from alerts.signals import public_record_changed

from .backend import search_backend
from .documents import document_for

logger = logging.getLogger(__name__)


@receiver(public_record_changed)
def _reindex_record(sender, model_label, pk, **kwargs):
    kind, document = document_for(model_label, pk)
    if kind is None:
        return
    backend = search_backend()
    if document is None:
        backend.remove(kind, [pk])
    else:
        backend.index([document])
