"""What staff see of a notice's delivery in the admin."""

import csv
import io

import pytest
from django.utils import timezone
from freezegun import freeze_time

from subscriptions import queries, tasks
from subscriptions.models import Delivery, UrgentNoticeAlarm
from tests import factories


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("editor", "e@example.cn", "pw")
    client.force_login(user)
    return client


@pytest.fixture
def delivered_notice(warning_index, django_capture_on_commit_callbacks):
    people = [factories.subscriber(phone=None) for _ in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        page = factories.warning(level=2)
    notice = page.notices.get()
    failed = Delivery.objects.get(subscriber=people[0])
    Delivery.objects.filter(pk=failed.pk).update(
        status="failed", error_code="550", error_message="mailbox unavailable"
    )
    return notice


def test_the_report_shows_counts_timings_a_chart_and_the_failures(
    staff_client, delivered_notice
):
    response = staff_client.get(f"/admin/notices/{delivered_notice.pk}/deliveries/")

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="delivery-counts"' in page
    assert "<svg" in page
    assert "mailbox unavailable" in page
    assert "Retry the failed deliveries" in page or "重试" in page


def test_the_retry_button_queues_the_failed_again_and_they_are_sent(
    staff_client, delivered_notice, django_capture_on_commit_callbacks
):
    response = staff_client.post(
        f"/admin/notices/{delivered_notice.pk}/deliveries/retry/"
    )

    assert response.status_code == 302
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}


def test_the_csv_export_has_one_row_per_delivery_and_no_address(
    staff_client, delivered_notice
):
    response = staff_client.get(f"/admin/notices/{delivered_notice.pk}/deliveries.csv")

    body = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert len(rows) == 3
    assert {row["status"] for row in rows} == {"sent", "failed"}
    assert "@example.com" not in body


def test_the_report_is_for_staff_only(client, delivered_notice):
    response = client.get(f"/admin/notices/{delivered_notice.pk}/deliveries/")

    assert response.status_code == 302


def test_an_urgent_notice_with_nothing_sent_after_five_minutes_raises_a_warning(
    warning_index, staff_client
):
    factories.subscriber()
    page = factories.warning(level=1)  # never dispatched: broker "down"
    notice = page.notices.get()

    with freeze_time(notice.issued_at + timezone.timedelta(minutes=4)):
        early = tasks.check_unsent_urgent_notices()
    with freeze_time(notice.issued_at + timezone.timedelta(minutes=6)):
        late = tasks.check_unsent_urgent_notices()
    dashboard = staff_client.get("/admin/").content.decode()

    assert (early, late) == (0, 1)
    assert UrgentNoticeAlarm.objects.get(notice=notice).matching == 2
    assert f"/admin/notices/{notice.pk}/deliveries/" in dashboard


def test_the_warning_clears_once_messages_go_out(warning_index):
    factories.subscriber(phone=None)
    page = factories.warning(level=2)
    notice = page.notices.get()
    with freeze_time(notice.issued_at + timezone.timedelta(minutes=6)):
        tasks.check_unsent_urgent_notices()
    (row_id, _digest), *_ = queries.write_deliveries(notice)
    queries.claim(row_id)
    queries.mark_sent([row_id])

    with freeze_time(notice.issued_at + timezone.timedelta(minutes=7)):
        tasks.check_unsent_urgent_notices()

    assert UrgentNoticeAlarm.objects.get(notice=notice).cleared_at is not None


def test_a_minor_notice_never_raises_the_urgent_warning(warning_index):
    factories.subscriber()
    page = factories.warning(level=3)

    with freeze_time(page.notices.get().issued_at + timezone.timedelta(minutes=30)):
        raised = tasks.check_unsent_urgent_notices()

    assert raised == 0


def test_an_urgent_notice_whose_every_message_was_refused_raises_the_warning(
    warning_index, scripted_sms, django_capture_on_commit_callbacks
):
    from subscriptions import reports
    from subscriptions.channels.sms import SmsSendError

    factories.subscriber(email=False)
    factories.subscriber(email=False)
    scripted_sms.SCRIPT.extend(
        [SmsSendError("invalid", code=21211, permanent=True, invalid_number=True)]
        + [SmsSendError("refused", code=30007, permanent=True)]
    )
    with django_capture_on_commit_callbacks(execute=True):
        page = factories.warning(level=1)
    notice = page.notices.get()

    with freeze_time(notice.issued_at + timezone.timedelta(minutes=6)):
        raised = tasks.check_unsent_urgent_notices()

    assert sorted(Delivery.objects.values_list("status", flat=True)) == [
        "failed",
        "undeliverable",
    ]
    assert raised == 1
    assert UrgentNoticeAlarm.objects.get(notice=notice).cleared_at is None
    assert reports.timings(notice)["first"] is None


def test_the_chart_starts_at_the_issue_and_one_busy_second_is_one_bar(
    warning_index,
):
    from datetime import timedelta

    from subscriptions import reports

    factories.subscriber(phone=None)
    notice = factories.warning(level=2).notices.get()
    queries.write_deliveries(notice)
    # The message left three seconds after the issue.
    Delivery.objects.update(
        status="sent", sent_at=notice.issued_at + timedelta(seconds=3)
    )

    series, _unit = reports.sends_over_time(notice)
    bars = reports.chart_bars(series)

    # By second, from the second of the issue to the second of the send.
    assert [count for _moment, count in series] == [0, 0, 0, 1]
    assert series[0][0] <= notice.issued_at < series[0][0] + timedelta(seconds=1)
    assert bars[-1]["peak"] and bars[-1]["width"] < 640 / 20


def test_failures_are_listed_with_the_labels_of_their_channel_and_status(
    staff_client, delivered_notice
):
    response = staff_client.get(
        f"/admin/notices/{delivered_notice.pk}/deliveries/",
        headers={"accept-language": "zh-hans"},
    )

    table = response.content.decode().split('id="failed-deliveries"')[1]
    assert "电子邮件" in table
    assert ">failed<" not in table and ">email<" not in table


def test_a_fan_out_held_to_its_rate_labels_one_busiest_second_not_each(
    staff_client, warning_index
):
    from datetime import timedelta

    # A provider's rate keeps every second of the fan-out equally busy.
    for _ in range(4):
        factories.subscriber(phone=None)
    notice = factories.warning(level=2).notices.get()
    queries.write_deliveries(notice)
    for second, delivery in enumerate(Delivery.objects.order_by("pk"), start=1):
        Delivery.objects.filter(pk=delivery.pk).update(
            status="sent", sent_at=notice.issued_at + timedelta(seconds=second)
        )

    response = staff_client.get(f"/admin/notices/{notice.pk}/deliveries/")

    page = response.content.decode()
    chart = page.split('aria-labelledby="sends-chart-title"')[1].split("</svg>")[0]
    assert chart.count("<rect") == 5
    assert chart.count("<text") == 1
