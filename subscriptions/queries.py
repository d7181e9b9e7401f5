"""Database access for matching and delivery, kept in one place.

Matching is set-based: one INSERT ... SELECT per channel writes every
delivery of a notice, and the unique key makes a rerun harmless."""

from contextlib import contextmanager

from django.db import connection
from django.db.models import (
    Case,
    CharField,
    DateTimeField,
    Exists,
    F,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.functions import Lower
from django.db.models.lookups import In
from django.utils import timezone

from alerts.choices import NoticeKind, WarningKind
from alerts.models import ProductCategory

from .channels import scrubbed
from .models import (
    Channel,
    Delivery,
    DeliveryStatus,
    Frequency,
    PendingStatusCallback,
    RecipientList,
    SmsOptOut,
    Subscriber,
    Suppression,
)

# Deliveries of an earlier notice that count as "told" (or about to be).
TOLD_STATUSES = (DeliveryStatus.QUEUED, DeliveryStatus.SENT, DeliveryStatus.DELIVERED)

# Moving straight from queued to one of these means the message never left.
REFUSED_STATUSES = (
    DeliveryStatus.FAILED,
    DeliveryStatus.UNDELIVERABLE,
    DeliveryStatus.SUPPRESSED,
)

# Why a delivery was not sent after all (its error code), and what staff read.
UNREACHABLE_ERASED = "erased"
UNREACHABLE_LEFT = "left"
UNREACHABLE_CHANNEL_OFF = "channel_off"
UNREACHABLE_OPTED_OUT = "opted_out"
UNREACHABLE_SUPPRESSED = "suppressed"
UNREACHABLE_TEXT = {
    UNREACHABLE_ERASED: "not sent: the subscriber was erased",
    UNREACHABLE_LEFT: "not sent: the subscriber left",
    UNREACHABLE_CHANNEL_OFF: "not sent: the subscriber switched this channel off",
    UNREACHABLE_OPTED_OUT: "not sent: the number opted out from this sender",
    UNREACHABLE_SUPPRESSED: "not sent: the address is on the suppression list",
}


def matching_subscribers(notice, channel, subscriber_range=None, sms_sender=None):
    """Subscribers a notice reaches on a channel: categories (a parent covers
    its children), level threshold, kind, origins, confirmed, not opted out
    (from `sms_sender`, by default the SMS provider's), not suppressed; plus,
    for a level change or lifting, everyone told of the warning before (of a
    port bulletin, those still on a port list).

    Each subscriber comes once: categories and lists are tested with EXISTS,
    so there are no duplicates to sort away, and a slice of subscriber ids
    reads only the links of its own subscribers."""
    warning = notice.warning
    categories = ProductCategory.objects.filter(
        pk__in=[category.pk for category in warning.categories.all()]
    ).with_ancestors()

    wanted = Q(left_at__isnull=True)
    # Port bulletins are internal: whatever earlier notice of the warning
    # someone was told of, only the members of a port list get one.
    audience = Q()
    if warning.kind == WarningKind.PORT_BULLETIN:
        on_a_list = RecipientList.members.through.objects.filter(
            subscriber_id=OuterRef("pk")
        )
        audience = Q(audience="port") & Exists(on_a_list)
        wanted &= audience
    elif warning.kind == WarningKind.TRADE_ADVISORY:
        wanted &= Q(wants_trade_advisories=True)
    else:
        wanted &= Q(wants_public_announcements=True)
    wanted &= Q(max_level__gte=notice.level)
    follows = Subscriber.categories.through.objects.filter(
        subscriber_id=OuterRef("pk"), productcategory__in=categories
    )
    if subscriber_range is not None:
        # Said again inside, so that the planner reads only the slice's links.
        follows = follows.filter(subscriber__pk__range=subscriber_range)
    wanted &= Exists(follows)
    origins = [str(code) for code in warning.origins]
    if origins:
        origin_match = Q(origins="")
        for code in origins:
            origin_match |= Q(origins__contains=code)
        wanted &= origin_match

    if notice.kind != NoticeKind.PUBLICATION:
        told_before = Delivery.objects.filter(
            notice__warning=warning,
            notice__sequence__lt=notice.sequence,
            channel=channel,
            status__in=TOLD_STATUSES,
        )
        if subscriber_range is not None:
            # Otherwise each slice reads every earlier delivery of the warning.
            told_before = told_before.filter(subscriber__pk__range=subscriber_range)
        told_before = told_before.values("subscriber_id")
        wanted = wanted | (Q(pk__in=told_before) & Q(left_at__isnull=True) & audience)

    reachable = _reachable_on(channel, sms_sender)
    if subscriber_range is not None:
        reachable &= Q(pk__range=subscriber_range)
    return Subscriber.objects.filter(wanted & reachable).values("pk")


def current_sms_sender():
    """The sender opt-outs are checked against: the SMS provider's own."""
    from .channels.sms import sms_provider

    return sms_provider().sender()


def reachability_rules(channel, sms_sender=None):
    """What a subscriber must be for a message to go to them on `channel`,
    as (reason when they are not, condition), in the order the reasons are
    told. Matching and every send, however late, apply the same rules."""
    rules = [
        (UNREACHABLE_ERASED, Q(erased_at__isnull=True)),
        (UNREACHABLE_LEFT, Q(left_at__isnull=True)),
    ]
    if channel == Channel.EMAIL:
        # Mailboxes are matched whatever the case they were typed in.
        suppressed = (
            Suppression.objects.filter(channel=Channel.EMAIL)
            .annotate(mailbox=Lower("address"))
            .values("mailbox")
        )
        return [
            *rules,
            (
                UNREACHABLE_CHANNEL_OFF,
                Q(
                    email__isnull=False,
                    email_confirmed_at__isnull=False,
                    email_active=True,
                ),
            ),
            (UNREACHABLE_SUPPRESSED, ~Q(In(Lower("email"), suppressed))),
        ]
    if sms_sender is None:
        sms_sender = current_sms_sender()
    suppressed = Suppression.objects.filter(channel=Channel.SMS).values("address")
    # Opt-outs are kept per number and sender, as carriers require: a STOP
    # sent to another of our senders does not silence this one.
    opted_out = SmsOptOut.objects.filter(sender=sms_sender).values("phone")
    return [
        *rules,
        (
            UNREACHABLE_CHANNEL_OFF,
            Q(phone__isnull=False, phone_confirmed_at__isnull=False, sms_active=True),
        ),
        (UNREACHABLE_OPTED_OUT, ~Q(phone__in=opted_out)),
        (UNREACHABLE_SUPPRESSED, ~Q(phone__in=suppressed)),
    ]


def _reachable_on(channel, sms_sender=None):
    reachable = Q()
    for _reason, condition in reachability_rules(channel, sms_sender):
        reachable &= condition
    return reachable


def suppress_unreachable(ids, sms_sender=None):
    """Move to suppressed, with the reason, every delivery of `ids` still
    queued and untaken whose subscriber can no longer be written to on its
    channel: they left, were erased, switched the channel off, texted STOP
    or were suppressed after matching. Returns the ids moved."""
    rows = list(
        Delivery.objects.filter(
            pk__in=ids, status=DeliveryStatus.QUEUED, claimed_at__isnull=True
        ).values_list("pk", "subscriber_id", "channel")
    )
    moved = []
    for channel in {row_channel for _pk, _subscriber, row_channel in rows}:
        of_channel = [
            (pk, sub) for pk, sub, row_channel in rows if row_channel == channel
        ]
        rules = reachability_rules(channel, sms_sender)
        reason = Case(
            *(When(~condition, then=Value(code)) for code, condition in rules),
            default=Value(""),
            output_field=CharField(),
        )
        reasons = dict(
            Subscriber.objects.filter(pk__in={sub for _pk, sub in of_channel})
            .annotate(unreachable=reason)
            .exclude(unreachable="")
            .values_list("pk", "unreachable")
        )
        by_reason = {}
        for pk, subscriber_id in of_channel:
            if subscriber_id in reasons:
                by_reason.setdefault(reasons[subscriber_id], []).append(pk)
        for code, delivery_ids in by_reason.items():
            Delivery.objects.filter(
                pk__in=delivery_ids,
                status=DeliveryStatus.QUEUED,
                claimed_at__isnull=True,
            ).update(
                status=DeliveryStatus.SUPPRESSED,
                error_code=code,
                error_message=UNREACHABLE_TEXT[code],
            )
            moved.extend(delivery_ids)
    return moved


def matching_count(notice):
    """How many (subscriber, channel) pairs a notice reaches: its deliveries
    once written (less those suppressed at send time, which nobody was
    waiting for), or what matching would write while it is still pending."""
    written = Delivery.objects.filter(notice=notice)
    if written.exists():
        return written.exclude(status=DeliveryStatus.SUPPRESSED).count()
    return sum(
        matching_subscribers(notice, channel).count()
        for channel in (Channel.EMAIL, Channel.SMS)
    )


def subscriber_slices():
    """Ranges of subscriber ids, so that a big notice is written slice by
    slice: a small first slice (HERALD_DISPATCH_FIRST_SLICE ids), whose
    messages can leave at once, then slices of HERALD_DISPATCH_SLICE ids.
    Each range is (first, last), both included."""
    from django.conf import settings
    from django.db.models import Max, Min

    size = max(1, int(getattr(settings, "HERALD_DISPATCH_SLICE", 20_000)))
    first_size = max(1, int(getattr(settings, "HERALD_DISPATCH_FIRST_SLICE", size)))
    bounds = Subscriber.objects.aggregate(first=Min("pk"), last=Max("pk"))
    if bounds["first"] is None:
        return []
    last = bounds["last"]
    ranges = [(bounds["first"], min(bounds["first"] + first_size - 1, last))]
    for start in range(ranges[0][1] + 1, last + 1, size):
        ranges.append((start, min(start + size - 1, last)))
    return ranges


# The first key of the advisory locks that keep two dispatches of one notice
# from running at once (the second key is the notice's id).
DISPATCH_LOCK_CLASS = 4_201


def _dispatch_lock_key(notice_id):
    """The notice's id as the lock's second key, which PostgreSQL takes as
    an int4: an id past its range wraps round, so two notices 2**32 ids
    apart share a lock, and at worst one waits for the other."""
    return (notice_id + 2**31) % 2**32 - 2**31


@contextmanager
def dispatch_lock(notice_id, wait=False):
    """Hold the dispatch lock of a notice; yields whether it was taken. On
    PostgreSQL an advisory lock of this database session: it goes with the
    session, so a worker that dies never keeps it. With `wait`, waits for
    whoever holds it. SQLite, one process's embedded database, needs none.

    Inside a transaction the lock is the transaction's: what the dispatch
    writes is seen by others only once it commits, and after an error that
    aborts the transaction no unlock could run, so that a lock of the
    session would stay held as long as the connection lives."""
    if connection.vendor != "postgresql":
        yield True
        return
    of_transaction = connection.in_atomic_block
    take = "pg_advisory_xact_lock" if of_transaction else "pg_advisory_lock"
    if not wait:
        take = take.replace("pg_", "pg_try_", 1)
    key = [DISPATCH_LOCK_CLASS, _dispatch_lock_key(notice_id)]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {take}(%s, %s)", key)
        (taken,) = cursor.fetchone()
    taken = taken is not False
    try:
        yield taken
    finally:
        if taken and not of_transaction:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", key)


def write_deliveries(notice, subscriber_range=None):
    """Insert one queued delivery per matching (subscriber, channel), with one
    INSERT ... SELECT per channel; a rerun inserts nothing (unique key).
    Returns the new rows as (delivery id, held for a digest). Level I and II
    are never held for a digest."""
    table = Delivery._meta.db_table
    now = timezone.now()
    sms_sender = current_sms_sender()
    written = []
    for channel in (Channel.EMAIL, Channel.SMS):
        matched = (
            matching_subscribers(notice, channel, subscriber_range, sms_sender)
            .annotate(matched_id=F("pk"), matched_frequency=F("frequency"))
            .values("matched_id", "matched_frequency")
        )
        select_sql, select_params = matched.query.sql_with_params()
        digest_sql = "m.matched_frequency = %s AND %s > 2"
        columns = (
            "notice_id, subscriber_id, channel, status, digest, attempts, "
            "provider_id, error_code, error_message, queued_at, enqueued_at"
        )
        # Only our own SQL fragments are joined here; every value is bound.
        # A delivery sent at once is queued now; a digest one when it is due.
        values = (
            f"SELECT %s, m.matched_id, %s, %s, {digest_sql}, 0, '', '', '', %s, "  # noqa: S608
            f"CASE WHEN {digest_sql} THEN NULL ELSE %s END "
            f"FROM ({select_sql}) m WHERE 1 = 1"
        )
        params = [
            notice.pk,
            channel,
            DeliveryStatus.QUEUED,
            Frequency.DAILY,
            notice.level,
            now,
            Frequency.DAILY,
            notice.level,
            now,
            *select_params,
        ]
        conflict = "OR IGNORE" if connection.vendor == "sqlite" else ""
        on_conflict = "" if connection.vendor == "sqlite" else "ON CONFLICT DO NOTHING"
        sql = (
            f"INSERT {conflict} INTO {table} ({columns}) {values} "
            f"{on_conflict} RETURNING id, digest"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            written.extend((row[0], bool(row[1])) for row in cursor.fetchall())
    return written


def queued_delivery_ids(notice_id):
    """Deliveries of a notice waiting to be sent at once and not yet taken."""
    return list(
        Delivery.objects.filter(
            notice_id=notice_id,
            status=DeliveryStatus.QUEUED,
            digest=False,
            claimed_at__isnull=True,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def deliveries_to_send(ids, sms_sender=None):
    """The deliveries of `ids` still queued and not taken by another attempt,
    with what rendering needs. Matching may have been minutes ago (a retry
    waits, a rate-limited fan-out takes its time): those whose subscriber can
    no longer be written to are first moved to suppressed, never sent."""
    suppress_unreachable(ids, sms_sender)
    return list(
        Delivery.objects.filter(
            pk__in=ids, status=DeliveryStatus.QUEUED, claimed_at__isnull=True
        )
        .select_related("subscriber", "notice", "notice__warning")
        .order_by("pk")
    )


def claim(delivery_id, handing=False):
    """Take a delivery for this attempt before its message goes to the
    provider: an atomic UPDATE, so of two workers holding the same id only
    one sends. With `handing`, it also marks the message as being handed
    over (see `mark_handed`), for a provider called straight after. Plain
    SQL: it runs once per message of every fan-out."""
    table = Delivery._meta.db_table
    now = timezone.now()
    handed = ", sent_at = %s" if handing else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET claimed_at = %s, attempts = attempts + 1{handed} "  # noqa: S608
            "WHERE id = %s AND status = %s AND claimed_at IS NULL",
            [now, *([now] if handing else []), delivery_id, DeliveryStatus.QUEUED],
        )
        return cursor.rowcount == 1


def mark_handed(delivery_id, wait=True):
    """Note, in `sent_at` of a still-queued delivery, that its message is
    being handed to the provider. A worker that dies after this mark may
    have sent the message; one that dies before it has not.

    With `wait=False` (SMTP, on PostgreSQL, outside a transaction) the
    UPDATE is written to the server and committed there without waiting for
    its answer, and the caller writes the final "." straight after: the
    window in which a killed worker leaves a marked but unsent message is a
    couple of system calls. The returned callable collects the answer."""
    table = Delivery._meta.db_table
    if wait or connection.vendor != "postgresql" or connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET sent_at = %s WHERE id = %s AND status = %s",  # noqa: S608
                [timezone.now(), delivery_id, DeliveryStatus.QUEUED],
            )
        return True
    from psycopg import pq

    connection.ensure_connection()
    pgconn = connection.connection.pgconn
    pgconn.send_query_params(
        f"UPDATE {table} SET sent_at = now() WHERE id = $1 AND status = $2".encode(),  # noqa: S608
        [str(delivery_id).encode(), DeliveryStatus.QUEUED.encode()],
    )
    while pgconn.flush():
        pass

    def collect():
        error = None
        while (result := pgconn.get_result()) is not None:
            if result.status != pq.ExecStatus.COMMAND_OK:
                error = result.error_message.decode(errors="replace")
        if error:
            from django.db import DatabaseError

            raise DatabaseError(error)

    return collect


def mark_digest_handed(ids):
    """`mark_handed` for the deliveries one digest carries: the message
    about to leave covers them all."""
    return Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.QUEUED).update(
        sent_at=timezone.now()
    )


def record_sent(delivery_id, provider_id=""):
    """queued -> sent with the provider's id (once per message, plain SQL)."""
    table = Delivery._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = %s, sent_at = %s, provider_id = %s "  # noqa: S608
            "WHERE id = %s AND status = %s",
            [
                DeliveryStatus.SENT,
                timezone.now(),
                provider_id or "",
                delivery_id,
                DeliveryStatus.QUEUED,
            ],
        )
        return cursor.rowcount == 1


def release(delivery_id, error_code="", error_message="", retry_at=None, due=None):
    """Record a failed try that a retry can mend: the claim this attempt
    holds is given back (its attempt stays counted). A digest delivery waits
    until `retry_at`; a notice's is queued again by the caller, for `due`
    (by default now)."""
    fields = {
        "claimed_at": None,
        "sent_at": None,
        "enqueued_at": due or timezone.now(),
        "error_code": str(error_code)[:32],
        "error_message": scrubbed(error_message)[:500],
    }
    if retry_at is not None:
        fields.update(enqueued_at=None, retry_at=retry_at)
    Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.QUEUED).update(
        **fields
    )


def mark_sent(ids, provider_id=""):
    """Record many deliveries sent at once: the emails of a chunk (no
    provider id to keep), or the notices one digest carried."""
    if not ids:
        return 0
    return Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.QUEUED).update(
        status=DeliveryStatus.SENT, sent_at=timezone.now(), provider_id=provider_id
    )


def mark_enqueued(ids, due=None):
    """Note when the send task of these deliveries was queued or, for a task
    queued to run later (a retry's back-off), when it is due."""
    Delivery.objects.filter(pk__in=ids).update(enqueued_at=due or timezone.now())


def stale_queued_deliveries(older_than, idle_levels=(), idle_older_than=None):
    """Deliveries still queued and untaken whose send task was due before
    `older_than`, or, for notices at `idle_levels`, before `idle_older_than`:
    their task was lost (broker flushed, worker gone). Returns
    {queue level: [ids]} and marks them queued again now."""
    due_long_ago = Q(enqueued_at__lt=older_than)
    if idle_levels:
        due_long_ago |= Q(
            notice__level__in=idle_levels, enqueued_at__lt=idle_older_than
        )
    rows = Delivery.objects.filter(
        due_long_ago,
        status=DeliveryStatus.QUEUED,
        digest=False,
        claimed_at__isnull=True,
    )
    rows = list(rows.order_by("pk").values_list("pk", "notice__level"))
    by_level = {}
    for pk, level in rows:
        by_level.setdefault(level, []).append(pk)
    if rows:
        mark_enqueued([pk for pk, _level in rows])
    return by_level


def settle_abandoned_claims(older_than):
    """Deliveries claimed before `older_than` and still queued belong to a
    worker that died. Those marked as handed over may well have arrived, and
    sending them again could tell someone twice, so they are recorded as
    sent, with a note saying why; the others never left and are given back.
    Returns (recorded sent, {level: ids given back})."""
    abandoned = Delivery.objects.filter(
        status=DeliveryStatus.QUEUED, claimed_at__lt=older_than
    )
    settled = abandoned.filter(sent_at__isnull=False).update(
        status=DeliveryStatus.SENT,
        error_code="worker_lost",
        error_message="worker lost after handing the message over; assumed sent",
    )
    rows = list(
        abandoned.filter(sent_at__isnull=True, digest=False).values_list(
            "pk", "notice__level"
        )
    )
    by_level = {}
    for pk, level in rows:
        by_level.setdefault(level, []).append(pk)
    Delivery.objects.filter(pk__in=[pk for pk, _level in rows]).update(
        claimed_at=None, enqueued_at=timezone.now()
    )
    Delivery.objects.filter(
        status=DeliveryStatus.QUEUED, claimed_at__lt=older_than, digest=True
    ).update(claimed_at=None)
    return settled, by_level


def requeue_failed(ids):
    """Staff asked for the failed deliveries to be tried again: the one move
    back a delivery can make, and only from `failed` (never from delivered,
    undeliverable or suppressed), by a person, in the admin."""
    return Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.FAILED).update(
        status=DeliveryStatus.QUEUED,
        claimed_at=None,
        failed_at=None,
        enqueued_at=timezone.now(),
        error_message="retried by staff",
    )


def advance(delivery_id, status, **fields):
    """Move a delivery forward; a status never moves back (except by staff,
    see `requeue_failed`). Returns whether the row changed."""
    from .models import STATUS_RANK

    lower = [s for s, rank in STATUS_RANK.items() if rank < STATUS_RANK[status]]
    stamp = {
        DeliveryStatus.SENT: "sent_at",
        DeliveryStatus.DELIVERED: "delivered_at",
        DeliveryStatus.FAILED: "failed_at",
        DeliveryStatus.UNDELIVERABLE: "failed_at",
    }.get(status)
    if stamp:
        fields.setdefault(stamp, timezone.now())
    if status in REFUSED_STATUSES:
        # Refused outright while still queued: the message never reached
        # anyone, so the hand-over mark goes and the delivery does not count
        # as sent (the urgent-notice alarm, the report's timings). A message
        # the provider took and later could not deliver keeps its time.
        fields.setdefault(
            "sent_at",
            Case(
                When(status=DeliveryStatus.QUEUED, then=Value(None)),
                default=F("sent_at"),
                output_field=DateTimeField(),
            ),
        )
    if "error_message" in fields:
        fields["error_message"] = scrubbed(fields["error_message"])[:500]
    return bool(
        Delivery.objects.filter(pk=delivery_id, status__in=lower).update(
            status=status, **fields
        )
    )


def advance_by_provider_id(provider_id, status, **fields):
    """Move forward every delivery a provider's message id names (a digest
    SMS carries several). Returns how many moved, or None when no delivery
    holds the id (yet)."""
    ids = list(
        Delivery.objects.filter(provider_id=provider_id).values_list("pk", flat=True)
    )
    if not ids:
        return None
    return sum(advance(pk, status, **fields) for pk in ids)


def keep_early_status(provider_id, status, error_code=""):
    """A status callback for an id no delivery holds yet: kept for the
    sweeper (see `apply_early_statuses`)."""
    PendingStatusCallback.objects.create(
        provider_id=provider_id, status=status, error_code=str(error_code)[:32]
    )


def apply_early_statuses(forget_before):
    """Apply kept status callbacks whose message id a delivery now holds, in
    the order they came; forget those applied and those older than
    `forget_before` (for messages that are not deliveries). Returns how many
    were applied. There are seldom any: one look-up by id each."""
    applied = [
        callback.pk
        for callback in PendingStatusCallback.objects.order_by("received_at", "pk")
        if advance_by_provider_id(
            callback.provider_id, callback.status, error_code=callback.error_code
        )
        is not None
    ]
    PendingStatusCallback.objects.filter(
        Q(pk__in=applied) | Q(received_at__lt=forget_before)
    ).delete()
    return len(applied)
