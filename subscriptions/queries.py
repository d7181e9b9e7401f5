"""Database access for matching and delivery, kept in one place.

Matching is set-based: one INSERT ... SELECT per channel writes every
delivery of a notice, and the unique key makes a rerun harmless."""

from django.db import connection
from django.db.models import F, Q
from django.utils import timezone

from alerts.choices import NoticeKind, WarningKind
from alerts.models import ProductCategory

from .models import (
    Channel,
    Delivery,
    DeliveryStatus,
    Frequency,
    SmsOptOut,
    Subscriber,
    Suppression,
)

# Deliveries of an earlier notice that count as "told" (or about to be).
TOLD_STATUSES = (DeliveryStatus.QUEUED, DeliveryStatus.SENT, DeliveryStatus.DELIVERED)


def matching_subscribers(notice, channel, subscriber_range=None):
    """Subscribers a notice reaches on a channel: categories (a parent covers
    its children), level threshold, kind, origins, confirmed, not opted out,
    not suppressed; plus, for a level change or lifting, everyone told of the
    warning before."""
    warning = notice.warning
    categories = ProductCategory.objects.filter(
        pk__in=[category.pk for category in warning.categories.all()]
    ).with_ancestors()

    wanted = Q(left_at__isnull=True)
    if warning.kind == WarningKind.PORT_BULLETIN:
        wanted &= Q(audience="port", lists__isnull=False)
    elif warning.kind == WarningKind.TRADE_ADVISORY:
        wanted &= Q(wants_trade_advisories=True)
    else:
        wanted &= Q(wants_public_announcements=True)
    wanted &= Q(max_level__gte=notice.level)
    wanted &= Q(categories__in=categories)
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
        ).values("subscriber_id")
        wanted = wanted | (Q(pk__in=told_before) & Q(left_at__isnull=True))

    reachable = _reachable_on(channel)
    if subscriber_range is not None:
        # Inside the subquery, so that a slice reads only its own subscribers.
        reachable &= Q(pk__range=subscriber_range)
    return Subscriber.objects.filter(wanted & reachable).values("pk").distinct()


def _reachable_on(channel):
    if channel == Channel.EMAIL:
        suppressed = Suppression.objects.filter(channel=Channel.EMAIL).values("address")
        return Q(
            email__isnull=False, email_confirmed_at__isnull=False, email_active=True
        ) & ~Q(email__in=suppressed)
    suppressed = Suppression.objects.filter(channel=Channel.SMS).values("address")
    opted_out = SmsOptOut.objects.values("phone")
    return (
        Q(phone__isnull=False, phone_confirmed_at__isnull=False, sms_active=True)
        & ~Q(phone__in=suppressed)
        & ~Q(phone__in=opted_out)
    )


def matching_count(notice):
    """How many (subscriber, channel) pairs a notice reaches: its deliveries
    once written, or what matching would write while it is still pending."""
    written = Delivery.objects.filter(notice=notice).count()
    if written:
        return written
    return sum(
        matching_subscribers(notice, channel).count()
        for channel in (Channel.EMAIL, Channel.SMS)
    )


def subscriber_slices():
    """Ranges of subscriber ids, so that a big notice is written and queued
    slice by slice and its first messages leave before its last rows are
    written. Each range is (first, last), both included."""
    from django.conf import settings
    from django.db.models import Max, Min

    size = max(1, int(getattr(settings, "HERALD_DISPATCH_SLICE", 25_000)))
    bounds = Subscriber.objects.aggregate(first=Min("pk"), last=Max("pk"))
    if bounds["first"] is None:
        return []
    return [
        (start, min(start + size - 1, bounds["last"]))
        for start in range(bounds["first"], bounds["last"] + 1, size)
    ]


def write_deliveries(notice, subscriber_range=None):
    """Insert one queued delivery per matching (subscriber, channel), with one
    INSERT ... SELECT per channel; a rerun inserts nothing (unique key).
    Returns the new rows as (delivery id, held for a digest). Level I and II
    are never held for a digest."""
    table = Delivery._meta.db_table
    now = timezone.now()
    written = []
    for channel in (Channel.EMAIL, Channel.SMS):
        matched = (
            Subscriber.objects.filter(
                pk__in=matching_subscribers(notice, channel, subscriber_range)
            )
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


def deliveries_to_send(ids):
    """The deliveries of `ids` still queued and not taken by another attempt,
    with what rendering needs."""
    return (
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


def release(delivery_id, error_code="", error_message="", claimed=True):
    """Record a failed try that a retry can mend. A claim this attempt holds
    (the provider refused the message) is given back; a try refused before
    the claim still counts as an attempt."""
    rows = Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.QUEUED)
    error = {
        "enqueued_at": timezone.now(),
        "error_code": str(error_code)[:32],
        "error_message": str(error_message)[:500],
    }
    if claimed:
        rows.update(claimed_at=None, sent_at=None, **error)
    else:
        rows.filter(claimed_at__isnull=True).update(attempts=F("attempts") + 1, **error)


def mark_sent(ids):
    """Record many deliveries sent at once (email: no provider id to keep)."""
    if not ids:
        return 0
    return Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.QUEUED).update(
        status=DeliveryStatus.SENT, sent_at=timezone.now()
    )


def mark_enqueued(ids):
    Delivery.objects.filter(pk__in=ids).update(enqueued_at=timezone.now())


def stale_queued_deliveries(older_than):
    """Deliveries still queued and untaken whose send task was queued before
    `older_than`: their task was lost (broker flushed, worker gone). Returns
    {queue level: [ids]} and marks them queued again now."""
    rows = list(
        Delivery.objects.filter(
            status=DeliveryStatus.QUEUED,
            digest=False,
            claimed_at__isnull=True,
            enqueued_at__lt=older_than,
        )
        .order_by("pk")
        .values_list("pk", "notice__level")
    )
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
    return bool(
        Delivery.objects.filter(pk=delivery_id, status__in=lower).update(
            status=status, **fields
        )
    )
