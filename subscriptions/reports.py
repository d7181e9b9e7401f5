"""What staff see of a notice's delivery: counts, timings, a chart of sends
over time, the failures and their reasons, and a CSV of every delivery."""

import csv
from datetime import UTC, timedelta

from django.db.models import Count, Max, Min
from django.db.models.functions import TruncHour, TruncMinute, TruncSecond
from django.utils.translation import gettext_lazy as _

from .models import Channel, Delivery, DeliveryStatus

FAILED_STATUSES = (DeliveryStatus.FAILED, DeliveryStatus.UNDELIVERABLE)
CSV_COLUMNS = (
    "delivery_id",
    "subscriber_id",
    "channel",
    "status",
    "attempts",
    "error_code",
    "error_message",
    "queued_at",
    "sent_at",
    "delivered_at",
    "failed_at",
)


def delivery_counts(notice):
    """{channel: {status: count}} with every channel and status present, and
    a "total" per channel."""
    counts = {
        channel: {status: 0 for status in DeliveryStatus.values} | {"total": 0}
        for channel in Channel.values
    }
    rows = (
        Delivery.objects.filter(notice=notice)
        .values("channel", "status")
        .annotate(count=Count("pk"))
        .order_by()
    )
    for row in rows:
        counts[row["channel"]][row["status"]] = row["count"]
        counts[row["channel"]]["total"] += row["count"]
    return counts


def timings(notice):
    """Seconds from the notice's issue to its first and its last message
    handed to a provider (None until one is)."""
    span = Delivery.objects.filter(notice=notice, sent_at__isnull=False).aggregate(
        first=Min("sent_at"), last=Max("sent_at")
    )

    def since_issue(moment):
        return (moment - notice.issued_at).total_seconds() if moment else None

    return {
        "first": since_issue(span["first"]),
        "last": since_issue(span["last"]),
        "first_at": span["first"],
        "last_at": span["last"],
    }


def sends_over_time(notice):
    """[(bucket start, count)] of messages handed over, by second, minute or
    hour depending on how long the sending took, from the bucket of the
    notice's issue (so the wait before the first message shows); gaps are
    filled with 0."""
    span = timings(notice)
    if span["first_at"] is None:
        return [], None
    start = min(notice.issued_at, span["first_at"]).astimezone(UTC)
    length = span["last_at"] - start
    if length <= timedelta(minutes=2):
        trunc, step, unit = TruncSecond, timedelta(seconds=1), _("second")
        start = start.replace(microsecond=0)
    elif length <= timedelta(hours=2):
        trunc, step, unit = TruncMinute, timedelta(minutes=1), _("minute")
        start = start.replace(second=0, microsecond=0)
    else:
        trunc, step, unit = TruncHour, timedelta(hours=1), _("hour")
        start = start.replace(minute=0, second=0, microsecond=0)
    rows = (
        Delivery.objects.filter(notice=notice, sent_at__isnull=False)
        .annotate(bucket=trunc("sent_at", tzinfo=UTC))
        .values("bucket")
        .annotate(count=Count("pk"))
        .order_by("bucket")
    )
    counted = {row["bucket"]: row["count"] for row in rows}
    if not counted:
        return [], unit
    moment, last = min(start, *counted), max(counted)
    series = []
    while moment <= last:
        series.append((moment, counted.get(moment, 0)))
        moment += step
    return series, unit


def chart_bars(series, width=640, height=140, fewest_slots=30):
    """Bar geometry for a server-drawn SVG: no script needed to read it. A
    short series keeps bars of the width of `fewest_slots` a chart, so one
    busy second is a bar, not a block across the whole chart."""
    if not series:
        return []
    peak = max(count for _moment, count in series) or 1
    slot = width / max(len(series), fewest_slots)
    # The first of the busiest is labelled: a fan-out held to a provider's
    # rate has many equally busy seconds, whose labels would pile up.
    labelled = next(
        (index for index, (_moment, count) in enumerate(series) if count == peak),
        None,
    )
    bars = []
    for index, (moment, count) in enumerate(series):
        bar_height = round(count / peak * (height - 20), 1)
        bars.append(
            {
                "x": round(index * slot, 1),
                "y": round(height - bar_height, 1),
                "width": max(round(slot - 1, 1), 0.5),
                "height": bar_height,
                "moment": moment,
                "count": count,
                "peak": index == labelled,
            }
        )
    return bars


def failed_deliveries(notice, limit=200):
    """The failed deliveries of a notice, newest first, with the labels of
    their channel and status in the reader's language."""
    rows = list(
        Delivery.objects.filter(notice=notice, status__in=FAILED_STATUSES)
        .order_by("-failed_at", "pk")
        .values(
            "pk",
            "subscriber_id",
            "channel",
            "status",
            "attempts",
            "error_code",
            "error_message",
            "failed_at",
        )[:limit]
    )
    for row in rows:
        row["channel_label"] = Channel(row["channel"]).label
        row["status_label"] = DeliveryStatus(row["status"]).label
    return rows


def failure_reasons(notice):
    """How many deliveries failed for each channel and error code."""
    rows = list(
        Delivery.objects.filter(notice=notice, status__in=FAILED_STATUSES)
        .values("channel", "error_code")
        .annotate(count=Count("pk"))
        .order_by("-count")
    )
    for row in rows:
        row["channel_label"] = Channel(row["channel"]).label
    return rows


class _Echo:
    """What the csv writer writes to: it hands each line back."""

    def write(self, value):
        return value


def csv_lines(notice):
    """Every delivery of a notice as CSV lines, one row each, without
    addresses, read from the database in batches."""
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    rows = (
        Delivery.objects.filter(notice=notice)
        .order_by("pk")
        .values_list(*(("pk",) + CSV_COLUMNS[1:]))
    )
    for row in rows.iterator(chunk_size=5000):
        yield writer.writerow(
            value.isoformat() if hasattr(value, "isoformat") else value for value in row
        )
