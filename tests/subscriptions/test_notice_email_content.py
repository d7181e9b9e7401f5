"""What a notice email tells its reader, in either language."""

import datetime

from django.utils import timezone

from subscriptions.messages import render_email
from tests import factories


def test_a_level_change_email_names_both_levels_the_reason_and_what_to_do(
    warning_index,
):
    person = factories.subscriber(language="en")
    page = factories.warning(
        level=3,
        advice_zh="请停止充电。",
        advice_en="Stop charging the toy.",
        start_time=timezone.make_aware(datetime.datetime(2026, 12, 1, 9, 30)),
    )
    factories.change_level(page, 1, reason="Two fires reported")

    subject, text, html = render_email(page.notices.get(sequence=2), person)

    assert "Level III · relatively serious · yellow" in text
    assert "Level I · particularly serious · red" in text
    assert "Two fires reported" in text and "Two fires reported" in html
    assert "Stop charging the toy." in text and "Stop charging the toy." in html
    assert "2026-12-01 09:30 +0800" in text
    assert "background:#b3261e" in html
    assert "Level I · particularly serious · red" in html


def test_a_chinese_reader_gets_the_chinese_advice_and_level_names(warning_index):
    person = factories.subscriber(language="zh-hans")
    page = factories.warning(level=4, advice_zh="请停止充电。", advice_en="Stop.")

    subject, text, html = render_email(page.notices.get(), person)

    assert "请停止充电。" in text and "Stop." not in text
    assert "IV级" in text and "蓝色" in text
    assert "background:#1d4ed8" in html


def test_a_lifting_email_gives_the_time_it_was_lifted(warning_index):
    person = factories.subscriber(language="en")
    page = factories.warning(level=2)
    factories.lift(page, reason="All units recalled")
    page.refresh_from_db()

    subject, text, html = render_email(page.notices.get(sequence=2), person)

    lifted = timezone.localtime(page.lifted_at).strftime("%Y-%m-%d %H:%M")
    assert "This warning has been lifted." in text
    assert f"Lifted at: {lifted} +0800" in text
    assert "All units recalled" in html
