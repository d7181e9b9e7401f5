"""Signals other apps listen to. `alerts` never imports its listeners."""

from django.dispatch import Signal

# Sent after the transaction that recorded a notice commits. Arguments:
# `notice_id`. Subscriptions dispatch it; feeds and search refresh.
notice_issued = Signal()

# Sent after commit when a register entry or warning changes what the public
# may see. Arguments: `model_label` ("alerts.recallentry"), `pk`, `live`.
public_record_changed = Signal()
