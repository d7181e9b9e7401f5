import pytest
from django.test import override_settings
from django.utils import timezone

from alerts.models import WarningPage
from tests import factories


def make_form(data, instance=None, parent=None, user=None):
    form_class = WarningPage.get_edit_handler().get_form_class()
    instance = instance or WarningPage()
    return form_class(data, instance=instance, parent_page=parent, for_user=user)


@pytest.fixture
def editor(admin_user):
    return admin_user


def test_a_valid_warning_saves_its_hazards_and_measures_as_lists(
    warning_index, warning_form_data, editor
):
    form = make_form(warning_form_data(), parent=warning_index, user=editor)

    assert form.is_valid(), form.errors
    page = form.save(commit=False)
    assert page.hazards == ["physical", "chemical"]
    assert page.measures == ["recall", "sales_suspension"]
    assert page.hs_codes == "9503, 950300"


def test_hazards_and_measures_are_checkboxes_not_raw_json(
    warning_index, warning_form_data, editor
):
    form = make_form(warning_form_data(), parent=warning_index, user=editor)

    html = str(form["measures"])

    assert 'type="checkbox"' in html
    assert 'value="seal_and_seizure"' in html


def test_an_hs_code_that_is_not_4_to_10_digits_is_named_in_the_error(
    warning_index, warning_form_data, editor
):
    form = make_form(
        warning_form_data(hs_codes="9503, 95A3, 123, 12345678901"),
        parent=warning_index,
        user=editor,
    )

    assert not form.is_valid()
    message = form.errors["hs_codes"][0]
    assert "95A3, 123, 12345678901" in message
    assert "9503," not in message


def test_a_review_date_before_the_start_time_is_refused(
    warning_index, warning_form_data, editor
):
    form = make_form(
        warning_form_data(review_date="2026-11-30 09:00"),
        parent=warning_index,
        user=editor,
    )

    assert not form.is_valid()
    assert "after the start time" in form.errors["review_date"][0]


@pytest.mark.parametrize("kind", ["public_announcement", "trade_advisory"])
def test_a_public_warning_needs_its_title_and_summary_in_english(
    warning_index, warning_form_data, editor, kind
):
    form = make_form(
        warning_form_data(kind=kind, title_en="", summary_en=" "),
        parent=warning_index,
        user=editor,
    )

    assert not form.is_valid()
    assert "in English too" in form.errors["title_en"][0]
    assert "in English too" in form.errors["summary_en"][0]


def test_a_port_bulletin_may_be_written_in_chinese_only(
    warning_index, warning_form_data, editor
):
    form = make_form(
        warning_form_data(kind="port_bulletin", title_en="", summary_en=""),
        parent=warning_index,
        user=editor,
    )

    assert form.is_valid(), form.errors
    assert "port bulletin may be" in str(form.fields["title_en"].help_text)


@override_settings(
    HERALD_SMS_SIGNATURE="【产品安全预警】",
    HERALD_SMS_MAX_SEGMENTS=2,
    HERALD_BASE_URL="http://testserver",
)
def test_an_sms_text_is_refused_when_the_longest_message_it_can_go_out_in_is_over(
    warning_index, warning_form_data, editor
):
    # The longest frame is an English level change: the signature (8), "Level
    # changed: [Level III] " (27), then " http://testserver/w/0000-0000/ Reply
    # STOP to opt out" (53): 88 UCS-2 units, leaving 46 of two segments' 134.
    over = make_form(
        warning_form_data(sms_text="停" * 47), parent=warning_index, user=editor
    )
    fits = make_form(
        warning_form_data(sms_text="停" * 46), parent=warning_index, user=editor
    )

    assert not over.is_valid()
    assert "3 segments" in over.errors["sms_text"][0]
    assert "135 UCS-2" in over.errors["sms_text"][0]
    assert fits.is_valid(), fits.errors


@override_settings(HERALD_BASE_URL="https://alerts.samr.example.gov.cn")
def test_a_longer_site_address_leaves_less_room_for_the_text(
    warning_index, warning_form_data, editor
):
    # The link is 17 characters longer than on http://testserver.
    form = make_form(
        warning_form_data(sms_text="停" * 46), parent=warning_index, user=editor
    )

    assert "sms_text" in form.errors


def test_without_an_sms_text_the_title_that_is_sent_in_its_place_must_fit(
    warning_index, warning_form_data, editor
):
    long_title = make_form(
        warning_form_data(sms_text="", title="儿童电动玩具电池过热" * 8),
        parent=warning_index,
        user=editor,
    )
    long_english = make_form(
        warning_form_data(sms_text="", title_en="Toy batteries overheat " * 5),
        parent=warning_index,
        user=editor,
    )
    short_titles = make_form(
        warning_form_data(sms_text=""), parent=warning_index, user=editor
    )

    assert "the title is sent" in long_title.errors["sms_text"][0]
    assert "the title is sent" in long_english.errors["sms_text"][0]
    assert short_titles.is_valid(), short_titles.errors


def test_the_sms_field_carries_the_frames_the_live_counter_counts(
    warning_index, warning_form_data, editor
):
    import json

    from lxml import html as lxml_html

    from alerts.sms_notice import worst_case_frames

    form = make_form(warning_form_data(), parent=warning_index, user=editor)

    textarea = lxml_html.fragment_fromstring(str(form["sms_text"]))

    assert textarea.get("data-sms-counter") == ""
    assert json.loads(textarea.get("data-sms-frames")) == [
        list(frame) for frame in worst_case_frames()
    ]
    assert textarea.get("data-max-segments") == "2"
    assert "js/sms-counter.js" in str(form.media)


def test_a_level_change_of_a_published_warning_needs_a_reason(
    warning_index, warning_form_data, editor
):
    page = factories.warning(level=3, slug="toy-batteries")

    without = make_form(
        warning_form_data(level="4", change_reason=""), instance=page, user=editor
    )
    with_reason = make_form(
        warning_form_data(level="4", change_reason="事故率下降"),
        instance=page,
        user=editor,
    )

    assert not without.is_valid()
    assert "say why" in without.errors["change_reason"][0]
    assert with_reason.is_valid(), with_reason.errors


def test_a_second_level_change_cannot_reuse_the_reason_of_the_first(
    warning_index, warning_form_data, editor
):
    page = factories.warning(level=3, slug="toy-batteries")
    factories.change_level(page, 4, reason="事故率下降")

    form = make_form(
        warning_form_data(level="3", change_reason="事故率下降"),
        instance=page,
        user=editor,
    )

    assert not form.is_valid()
    assert "change_reason" in form.errors


def test_a_lifting_time_needs_a_reason_and_a_reason_needs_a_time(
    warning_index, warning_form_data, editor
):
    page = factories.warning(level=3, slug="toy-batteries")

    time_only = make_form(
        warning_form_data(lifted_at="2026-12-02 10:00"), instance=page, user=editor
    )
    reason_only = make_form(
        warning_form_data(lifting_reason="召回完成"), instance=page, user=editor
    )

    assert "lifting_reason" in time_only.errors
    assert "lifted_at" in reason_only.errors


def test_publishing_a_level_ii_warning_directly_is_refused_with_what_to_do(
    warning_index, warning_form_data, editor
):
    data = warning_form_data(level="2")
    data["action-publish"] = "action-publish"

    form = make_form(data, parent=warning_index, user=editor)
    draft = make_form(warning_form_data(level="2"), parent=warning_index, user=editor)

    assert not form.is_valid()
    assert "approver other than its author" in form.errors["level"][0]
    assert draft.is_valid(), draft.errors


def test_lifting_a_warning_that_never_issued_a_notice_is_refused(
    warning_index, warning_form_data, editor
):
    draft = factories.warning(level=3, slug="toy-batteries", publish=False)
    data = warning_form_data(lifted_at="2026-12-02 10:00", lifting_reason="召回完成")

    new = make_form(data, parent=warning_index, user=editor)
    unpublished = make_form(data, instance=draft, user=editor)

    assert "nothing to lift" in new.errors["lifted_at"][0]
    assert "nothing to lift" in unpublished.errors["lifted_at"][0]


def test_a_lifting_time_in_the_future_is_refused_with_the_way_to_lift_later(
    warning_index, warning_form_data, editor
):
    page = factories.warning(level=3, slug="toy-batteries")

    form = make_form(
        warning_form_data(lifted_at="2099-01-01 10:00", lifting_reason="召回完成"),
        instance=page,
        user=editor,
    )

    assert not form.is_valid()
    assert "schedule this publish" in form.errors["lifted_at"][0]


def test_a_lifted_warning_can_be_neither_reopened_nor_regraded(
    warning_index, warning_form_data, editor
):
    page = factories.lift(factories.warning(level=3, slug="toy-batteries"))
    lifted_at = timezone.localtime(page.lifted_at).strftime("%Y-%m-%d %H:%M")

    reopened = make_form(warning_form_data(), instance=page, user=editor)
    regraded = make_form(
        warning_form_data(
            level="4",
            change_reason="风险降低",
            lifted_at=lifted_at,
            lifting_reason="风险已消除",
        ),
        instance=page,
        user=editor,
    )
    typo_fix = make_form(
        warning_form_data(lifted_at=lifted_at, lifting_reason="风险已消除。"),
        instance=page,
        user=editor,
    )

    assert "cannot be reopened" in reopened.errors["lifted_at"][0]
    assert "has been lifted" in regraded.errors["level"][0]
    assert typo_fix.is_valid(), typo_fix.errors
