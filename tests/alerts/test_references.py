"""Reference numbers: one sequence per year, by the local calendar."""

from datetime import datetime
from zoneinfo import ZoneInfo

from freezegun import freeze_time

from alerts.models import ReferenceCounter
from tests import factories

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_reference_numbers_run_in_sequence_and_start_again_in_a_new_year(
    warning_index,
):
    with freeze_time("2026-12-31 15:00:00"):  # 23:00 in Shanghai
        first = factories.warning()
        second = factories.warning(publish=False)
    with freeze_time("2026-12-31 16:30:00"):  # 00:30 on 1 January in Shanghai
        new_year = factories.warning()
        next_in_new_year = factories.warning()
    backdated = factories.warning(start_time=datetime(2026, 12, 30, 9, tzinfo=SHANGHAI))

    second.title = second.title + "（修改）"
    second.save_revision().publish()
    second.refresh_from_db()

    assert [first.reference, second.reference] == ["2026-0001", "2026-0002"]
    assert [new_year.reference, next_in_new_year.reference] == [
        "2027-0001",
        "2027-0002",
    ]
    assert backdated.reference == "2026-0003"
    assert dict(ReferenceCounter.objects.values_list("year", "last")) == {
        2026: 3,
        2027: 2,
    }


def test_a_copy_takes_the_next_number_of_its_own_year(warning_index):
    with freeze_time("2027-03-01 02:00:00"):
        original = factories.warning()
        copy = original.copy(update_attrs={"slug": "copy", "title": "复制的预警"})

    assert original.reference == "2027-0001"
    assert copy.specific.reference == "2027-0002"
