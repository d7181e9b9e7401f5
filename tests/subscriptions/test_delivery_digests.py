"""Daily digests at the subscriber's local time, each sent once."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from subscriptions import tasks
from subscriptions.models import Delivery
from tests import factories

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day, hour, minute=0):
    return datetime(2026, 3, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def held_notices(warning_index, django_capture_on_commit_callbacks, mailoutbox):
    reader = factories.subscriber(frequency="daily", phone=None)
    with freeze_time(at(2, 10)), django_capture_on_commit_callbacks(execute=True):
        first = factories.warning(level=4, title="玩具小零件窒息风险")
        second = factories.warning(level=3, title="电暖器过热风险")
    mailoutbox.clear()
    return reader, first, second


def test_nothing_is_sent_before_the_next_morning(held_notices, mailoutbox):
    with freeze_time(at(2, 23, 59)):
        sent = tasks.send_due_digests()

    assert sent == 0
    assert mailoutbox == []


def test_at_eight_the_reader_gets_one_digest_of_every_held_notice(
    held_notices, mailoutbox
):
    reader, first, second = held_notices

    with freeze_time(at(3, 8, 1)):
        sent = tasks.send_due_digests()

    (message,) = mailoutbox
    assert sent == 1
    assert message.to == [reader.email]
    assert "玩具小零件窒息风险" in message.body
    assert "电暖器过热风险" in message.body
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}


def test_a_rerun_of_the_digest_sends_nothing_twice(held_notices, mailoutbox):
    with freeze_time(at(3, 8, 1)):
        tasks.send_due_digests()
    with freeze_time(at(3, 8, 2)):
        again = tasks.send_due_digests()

    assert again == 0
    assert len(mailoutbox) == 1


def test_a_reader_with_their_own_digest_time_waits_for_it(held_notices, mailoutbox):
    reader, *_ = held_notices
    reader.digest_time = "18:30"
    reader.save()

    with freeze_time(at(2, 18, 29)):
        early = tasks.send_due_digests()
    with freeze_time(at(2, 18, 31)):
        on_time = tasks.send_due_digests()

    assert (early, on_time) == (0, 1)


def test_the_digest_time_setting_must_read_as_hours_and_minutes(settings):
    from subscriptions.digests import default_digest_time

    settings.HERALD_DIGEST_TIME = "eight"

    with pytest.raises(ValueError, match="HERALD_DIGEST_TIME must be HH:MM"):
        default_digest_time()
