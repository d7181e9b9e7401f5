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


def matching_subscribers(notice, channel):
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
        ).values("subscriber_id")
        wanted = wanted | (Q(pk__in=told_before) & Q(left_at__isnull=True))

    reachable = _reachable_on(channel)
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


def write_deliveries(notice):
    """Insert one queued delivery per matching (subscriber, channel); returns
    how many rows were new. Level I and II are never held for a digest."""
    table = Delivery._meta.db_table
    now = timezone.now()
    written = 0
    for channel in (Channel.EMAIL, Channel.SMS):
        matched = (
            Subscriber.objects.filter(pk__in=matching_subscribers(notice, channel))
            .annotate(matched_id=F("pk"), matched_frequency=F("frequency"))
            .values("matched_id", "matched_frequency")
        )
        select_sql, select_params = matched.query.sql_with_params()
        digest_sql = "CASE WHEN m.matched_frequency = %s AND %s > 2 THEN %s ELSE %s END"
        columns = (
            "notice_id, subscriber_id, channel, status, digest, attempts, "
            "provider_id, error_code, error_message, queued_at"
        )
        # Only our own SQL fragments are joined here; every value is bound.
        values = (
            f"SELECT %s, m.matched_id, %s, %s, {digest_sql}, 0, '', '', '', %s "  # noqa: S608
            f"FROM ({select_sql}) m WHERE 1 = 1"
        )
        params = [
            notice.pk,
            channel,
            DeliveryStatus.QUEUED,
            Frequency.DAILY,
            notice.level,
            True,
            False,
            now,
            *select_params,
        ]
        if connection.vendor == "sqlite":
            sql = f"INSERT OR IGNORE INTO {table} ({columns}) {values}"
        else:
            sql = f"INSERT INTO {table} ({columns}) {values} ON CONFLICT DO NOTHING"
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            written += max(cursor.rowcount, 0)
    return written


def queued_delivery_ids(notice_id):
    return list(
        Delivery.objects.filter(
            notice_id=notice_id, status=DeliveryStatus.QUEUED, digest=False
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def deliveries_to_send(ids):
    """The deliveries of `ids` still queued, with what rendering needs."""
    return (
        Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.QUEUED)
        .select_related("subscriber", "notice", "notice__warning")
        .order_by("pk")
    )


def advance(delivery_id, status, **fields):
    """Move a delivery forward; a status never moves back. Returns whether
    the row changed."""
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
