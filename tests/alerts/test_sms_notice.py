"""The SMS a subscriber receives is the one the editor's budget counted."""

import pytest

from alerts.sms_notice import worst_case_count
from alerts.sms_segments import count_segments
from subscriptions.messages import render_sms
from tests import factories

# The longest SMS text two segments leave room for on http://testserver.
LONGEST_TEXT = "部分儿童电动玩具电池过热请停止充电使用" * 2 + "并联系经销商退货"


@pytest.fixture
def notices_of_every_kind(warning_index):
    page = factories.warning(level=4, sms_text=LONGEST_TEXT)
    factories.change_level(page, 3)
    factories.lift(page)
    return list(page.notices.order_by("sequence"))


def test_the_longest_text_the_budget_allows_goes_out_in_the_budget_and_no_more(
    notices_of_every_kind, settings
):
    budget = settings.HERALD_SMS_MAX_SEGMENTS
    counted = worst_case_count(LONGEST_TEXT)

    sent = {
        (language, notice.kind, notice.level): count_segments(
            render_sms(notice, factories.subscriber(language=language))
        )
        for notice in notices_of_every_kind
        for language in ("zh-hans", "en")
    }

    assert counted.segments == budget
    assert max(count.segments for count in sent.values()) == budget
    assert all(count.units <= counted.units for count in sent.values())
    # The worst case is an English level change at level III: counted exactly.
    assert sent[("en", "adjustment", 3)].units == counted.units


def test_a_text_one_character_longer_would_have_gone_out_in_more_segments(
    notices_of_every_kind,
):
    longer = LONGEST_TEXT + "。"

    assert (
        worst_case_count(longer).segments == worst_case_count(LONGEST_TEXT).segments + 1
    )


def test_every_notice_sms_says_how_to_stop_in_the_subscriber_s_language(
    warning_index,
):
    page = factories.warning(level=3)
    notice = page.notices.get()

    chinese = render_sms(notice, factories.subscriber(language="zh-hans"))
    english = render_sms(notice, factories.subscriber(language="en"))

    assert chinese.startswith("【产品安全预警】[III级] ")
    assert chinese.endswith(f"http://testserver/w/{page.reference}/ 回复TD退订")
    assert english.startswith("【产品安全预警】[Level III] ")
    assert english.endswith(
        f"http://testserver/w/{page.reference}/ Reply STOP to opt out"
    )
