"""Tell listeners (search) when a register entry changes what the public may
see: on publish, unpublish, an edit of a live entry and a delete.

Every one of those saves the row, so `post_save` and `post_delete` are the
one place to listen; the listener reads the row as it stands after commit,
so a draft revision of a live entry leaves the public version in place.
"""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import BlacklistEntry, RecallEntry
from .signals import public_record_changed


@receiver(post_save, sender=RecallEntry)
@receiver(post_save, sender=BlacklistEntry)
@receiver(post_delete, sender=RecallEntry)
@receiver(post_delete, sender=BlacklistEntry)
def _announce_register_change(sender, instance, **kwargs):
    label = sender._meta.label_lower
    pk = instance.pk
    live = instance.live and kwargs.get("signal") is not post_delete
    # A removal dated in the future leaves the entry public until that day.
    if isinstance(instance, BlacklistEntry) and instance.is_removed():
        live = False
    transaction.on_commit(
        lambda: public_record_changed.send(sender, model_label=label, pk=pk, live=live)
    )
