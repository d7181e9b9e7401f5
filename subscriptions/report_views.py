"""Admin views of notice delivery: a list of notices and a report on each."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from alerts.models import Notice

from . import queues, reports
from .models import Delivery, DeliveryStatus, UrgentNoticeAlarm


def _require_staff(request):
    if not request.user.has_perm("subscriptions.view_delivery"):
        raise PermissionDenied


def notice_list(request):
    _require_staff(request)
    notices = list(
        Notice.objects.select_related("warning").order_by("-issued_at", "-pk")[:100]
    )
    totals = {}
    rows = (
        Delivery.objects.filter(notice__in=notices)
        .values("notice_id", "status")
        .annotate(count=Count("pk"))
        .order_by()
    )
    for row in rows:
        totals.setdefault(row["notice_id"], {})[row["status"]] = row["count"]
    for notice in notices:
        notice.delivery_totals = totals.get(notice.pk, {})
        notice.delivery_total = sum(notice.delivery_totals.values())
    return TemplateResponse(
        request,
        "subscriptions/admin/notice_list.html",
        {
            "notices": notices,
            "statuses": DeliveryStatus.choices,
            "alarms": UrgentNoticeAlarm.objects.filter(cleared_at__isnull=True),
        },
    )


def notice_report(request, notice_id):
    _require_staff(request)
    notice = get_object_or_404(Notice.objects.select_related("warning"), pk=notice_id)
    series, unit = reports.sends_over_time(notice)
    return TemplateResponse(
        request,
        "subscriptions/admin/notice_report.html",
        {
            "notice": notice,
            "counts": reports.delivery_counts(notice),
            "statuses": DeliveryStatus.choices,
            "timings": reports.timings(notice),
            "bars": reports.chart_bars(series),
            "unit": unit,
            "failed": reports.failed_deliveries(notice),
            "reasons": reports.failure_reasons(notice),
            "alarm": UrgentNoticeAlarm.objects.filter(
                notice=notice, cleared_at__isnull=True
            ).first(),
        },
    )


@require_POST
def retry_failed(request, notice_id):
    _require_staff(request)
    if not request.user.has_perm("subscriptions.change_delivery"):
        raise PermissionDenied
    notice = get_object_or_404(Notice, pk=notice_id)
    from .tasks import retry_failed_deliveries

    retry_failed_deliveries.apply_async(args=[notice.pk], queue=queues.DISPATCH)
    messages.success(request, _("The failed deliveries will be tried again."))
    return redirect("subscriptions_notice_report", notice_id=notice.pk)


def deliveries_csv(request, notice_id):
    _require_staff(request)
    notice = get_object_or_404(Notice, pk=notice_id)

    response = StreamingHttpResponse(
        reports.csv_lines(notice), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="notice-{notice.pk}-deliveries.csv"'
    )
    return response
