from datetime import timedelta

import pytest
from django import forms
from django.utils import timezone, translation

from tests import factories


def test_the_home_page_groups_active_warnings_by_level_without_port_bulletins(
    warning_index, client
):
    serious = factories.warning(level=1, title="一级预警")
    general = factories.warning(level=4, title="四级预警")
    lifted = factories.lift(factories.warning(level=2, title="已解除预警"))
    bulletin = factories.warning(kind="port_bulletin", title="口岸通报")

    html = client.get("/").content.decode()

    assert serious.title in html and general.title in html
    assert html.index(serious.title) < html.index(general.title)
    assert lifted.title not in html
    assert bulletin.title not in html


def test_the_warning_list_filters_by_kind_status_origin_and_dates(
    warning_index, client
):
    now = timezone.now()
    advisory = factories.warning(kind="trade_advisory", origins=["DE"])
    old = factories.warning(start_time=now - timedelta(days=40), origins=["CN"])
    lifted = factories.lift(factories.warning())
    bulletin = factories.warning(kind="port_bulletin")
    day = (now - timedelta(days=10)).date().isoformat()

    def listed(query):
        html = client.get(f"/warnings/?{query}").content.decode()
        return {
            page.reference
            for page in (advisory, old, lifted, bulletin)
            if page.reference in html
        }

    assert listed("") == {advisory.reference, old.reference, lifted.reference}
    assert listed("kind=trade_advisory") == {advisory.reference}
    assert listed("kind=port_bulletin") == {
        advisory.reference,
        old.reference,
        lifted.reference,
    }
    assert listed("status=lifted") == {lifted.reference}
    assert listed("origin=de") == {advisory.reference}
    assert listed(f"date_to={day}") == {old.reference}
    assert listed(f"date_from={day}") == {advisory.reference, lifted.reference}
    assert "YYYY-MM-DD" in client.get("/warnings/?date_from=soon").content.decode()


def test_the_warning_list_filters_by_level_and_by_category_with_its_children(
    warning_index, client
):
    toy = factories.warning(level=2, categories=("toys-electric",))
    plush = factories.warning(level=3, categories=("toys-plush",))
    charger = factories.warning(level=3, categories=("electrical-chargers",))
    both = factories.warning(
        level=4, categories=("toys-plastic", "toys-magnetic", "electrical-plugs")
    )

    def listed(query):
        html = client.get(f"/warnings/?{query}").content.decode()
        return {
            page.reference
            for page in (toy, plush, charger, both)
            if page.reference in html
        }

    assert listed("level=3") == {plush.reference, charger.reference}
    assert listed("level=1") == set()
    assert listed("level=high") == listed("")
    assert listed("category=toys-plush") == {plush.reference}
    assert listed("category=toys") == {toy.reference, plush.reference, both.reference}
    assert listed("category=electrical") == {charger.reference, both.reference}
    assert listed("category=toys&level=3") == {plush.reference}
    html = client.get("/warnings/?category=toys").content.decode()
    assert html.count(f'<span class="ref">{both.reference}</span>') == 1


def test_the_warning_list_is_paginated(warning_index, client):
    for _ in range(21):
        factories.warning()

    first = client.get("/warnings/").content.decode()
    second = client.get("/warnings/?page=2").content.decode()

    assert first.count('class="card ') == 20
    assert second.count('class="card ') == 1
    assert 'rel="next"' in first


def test_a_warning_page_shows_level_scope_measures_advice_timeline_and_cap(
    warning_index, client
):
    page = factories.warning(
        level=3,
        hazards=["chemical"],
        measures=["recall", "destruction"],
        hs_codes="9503",
        ports="上海口岸",
        advice_zh="立即停止使用。",
    )
    factories.change_level(page, 2, reason="发现新的事故")
    factories.lift(page, reason="已全部召回")

    html = client.get(page.public_path(), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Level II · serious · orange" in html
    assert "Recall" in html and "Destruction" in html
    assert "上海口岸" in html and "9503" in html
    assert "发现新的事故" in html and "已全部召回" in html
    for sequence in (1, 2, 3):
        assert f"{page.public_path()}notices/{sequence}/" in html
    assert f"{page.public_path()}cap.xml" in html


def test_each_notice_has_its_own_page_and_a_lifting_notice_says_so(
    warning_index, client
):
    page = factories.lift(factories.warning(level=3), reason="问题已解决")

    lifting = client.get(f"{page.public_path()}notices/2/", HTTP_ACCEPT_LANGUAGE="en")
    missing = client.get(f"{page.public_path()}notices/3/")

    assert lifting.status_code == 200
    assert "Lifting notice" in lifting.content.decode()
    assert "问题已解决" in lifting.content.decode()
    assert f"{page.public_path()}notices/2/cap.xml" in lifting.content.decode()
    assert missing.status_code == 404


def test_pages_speak_chinese_first_and_english_after_the_switch(warning_index, client):
    page = factories.warning()

    chinese = client.get(page.public_path()).content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": page.public_path()})
    english = client.get(page.public_path()).content.decode()

    assert 'lang="zh-CN"' in chinese and page.title in chinese
    assert "时间线" in chinese
    assert 'lang="en"' in english and page.title_en in english
    assert "Timeline" in english


def test_editors_can_preview_a_port_bulletin_the_public_cannot_see(
    warning_index, client
):
    bulletin = factories.warning(kind="port_bulletin")

    preview = bulletin.make_preview_request()

    assert preview.status_code == 200
    assert bulletin.title in preview.rendered_content
    assert client.get(bulletin.public_path()).status_code == 404


def test_a_null_character_in_a_text_input_is_refused_in_plain_chinese():
    field = forms.CharField()

    with translation.override("zh-hans"):
        with pytest.raises(forms.ValidationError) as refused:
            field.clean("玩具\x00")
        messages = refused.value.messages

    assert messages == ["不能包含空字符。"]


@pytest.mark.parametrize(
    "address",
    [
        "/recalls/",
        "/recalls/{recall}/",
        "/blacklist/",
        "/blacklist/{entry}/",
        "/companies/{company}/",
        "/search/",
        "/search/?q=玩具",
        "/search/export.csv?q=玩具",
        "/subscribe/",
        "/warnings/{slug}/cap.xml",
        "/unsubscribe/{token}/",
        "/subscriptions/{token}/",
        "/subscriptions/{token}/delete/",
    ],
)
def test_a_head_request_is_answered_as_get_without_a_body_and_changes_nothing(
    warning_index, client, address
):
    from subscriptions.tokens import manage_token

    entry = factories.blacklist_entry()
    subscriber = factories.subscriber()
    url = address.format(
        recall=factories.recall().pk,
        entry=entry.pk,
        company=entry.company.pk,
        slug=factories.warning().slug,
        token=manage_token(subscriber),
    )

    got = client.get(url)
    head = client.head(url)
    options = client.options(url)

    subscriber.refresh_from_db()
    assert got.status_code == 200
    assert head.status_code == 200
    assert head["Content-Type"] == got["Content-Type"]
    body = b"".join(head.streaming_content) if head.streaming else head.content
    assert body == b""
    assert "HEAD" in options["Allow"]
    assert subscriber.left_at is None and subscriber.erased_at is None
