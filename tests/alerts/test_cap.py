import re

import pytest
from django.test import override_settings
from lxml import etree

from alerts.cap import render_alert
from alerts.models import Notice
from tests import factories

NS = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}
CAP_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")


def lifecycle_of_one_warning():
    page = factories.warning(
        level=3,
        hazards=["physical", "chemical"],
        hs_codes="9503, 950300",
        advice_zh="立即停止给玩具充电。",
        advice_en="Stop charging the toy at once.",
        review_date=None,
    )
    factories.change_level(page, 1, reason="出现多起起火事故")
    factories.lift(page, reason="问题产品已全部召回")
    return page, list(Notice.objects.filter(warning=page).order_by("sequence"))


@override_settings(HERALD_CAP_SENDER="alerts@herald.example.gov.cn")
def test_alert_update_and_cancel_all_validate_against_the_cap_schema(
    warning_index, cap_schema, parse_xml
):
    page, notices = lifecycle_of_one_warning()

    documents = [parse_xml(render_alert(notice)) for notice in notices]

    for document in documents:
        assert cap_schema.validate(document), cap_schema.error_log
    assert [d.findtext("cap:msgType", namespaces=NS) for d in documents] == [
        "Alert",
        "Update",
        "Cancel",
    ]


def test_each_update_and_cancel_references_every_earlier_message(
    warning_index, parse_xml
):
    page, (alert, update, cancel) = lifecycle_of_one_warning()

    update_doc = parse_xml(render_alert(update))
    cancel_doc = parse_xml(render_alert(cancel))
    alert_doc = parse_xml(render_alert(alert))

    sent = [
        parse_xml(render_alert(n)).findtext("cap:sent", namespaces=NS)
        for n in (alert, update)
    ]
    sender = "alerts@herald.example.gov.cn"
    assert alert_doc.find("cap:references", NS) is None
    assert update_doc.findtext("cap:references", namespaces=NS) == (
        f"{sender},{alert.cap_identifier},{sent[0]}"
    )
    assert cancel_doc.findtext("cap:references", namespaces=NS).split() == [
        f"{sender},{alert.cap_identifier},{sent[0]}",
        f"{sender},{update.cap_identifier},{sent[1]}",
    ]


def test_identifiers_are_distinct_and_times_carry_a_zone_without_fractions(
    warning_index, parse_xml
):
    page, notices = lifecycle_of_one_warning()

    documents = [parse_xml(render_alert(n)) for n in notices]

    identifiers = [d.findtext("cap:identifier", namespaces=NS) for d in documents]
    assert len(set(identifiers)) == 3
    assert identifiers[0] == f"herald-{page.reference}-1"
    for document in documents:
        for element in document.xpath("//cap:sent | //cap:effective", namespaces=NS):
            assert CAP_TIME.match(element.text), element.text


@pytest.mark.parametrize(
    ("level", "severity", "colour_en"),
    [
        (1, "Extreme", "red"),
        (2, "Severe", "orange"),
        (3, "Moderate", "yellow"),
        (4, "Minor", "blue"),
    ],
)
def test_level_maps_to_severity_and_colour_in_both_languages(
    warning_index, parse_xml, level, severity, colour_en
):
    page = factories.warning(level=level, hazards=["health"])

    document = parse_xml(render_alert(page.notices.get()))

    infos = document.findall("cap:info", NS)
    assert [i.findtext("cap:language", namespaces=NS) for i in infos] == [
        "zh-CN",
        "en-US",
    ]
    assert {i.findtext("cap:severity", namespaces=NS) for i in infos} == {severity}
    english = infos[1]
    parameters = {
        p.findtext("cap:valueName", namespaces=NS): p.findtext(
            "cap:value", namespaces=NS
        )
        for p in english.findall("cap:parameter", NS)
    }
    assert parameters["levelColour"] == colour_en
    assert parameters["reference"] == page.reference
    assert [c.text for c in english.findall("cap:category", NS)] == ["Safety", "Health"]


def test_info_carries_instruction_web_and_expires_where_a_review_date_exists(
    warning_index, parse_xml
):
    from datetime import timedelta

    from django.utils import timezone

    start = timezone.now()
    page = factories.warning(
        start_time=start,
        review_date=start + timedelta(days=30),
        advice_en="Stop charging the toy at once.",
    )

    english = parse_xml(render_alert(page.notices.get())).findall("cap:info", NS)[1]

    assert english.findtext("cap:instruction", namespaces=NS) == (
        "Stop charging the toy at once."
    )
    assert english.findtext("cap:web", namespaces=NS) == (
        f"http://testserver/warnings/{page.slug}/notices/1/"
    )
    assert english.findtext("cap:expires", namespaces=NS).startswith(
        timezone.localtime(start + timedelta(days=30)).strftime("%Y-%m-%dT")
    )


CAP_EXAMPLES = [
    "v1dot2_appendix_adot1.xml",
    "v1dot2_appendix_adot2.xml",
    "v1dot2_appendix_adot3.xml",
    "v1dot2_appendix_adot4.xml",
    "canada.cap",
    "thunderstorm.cap",
    "wcatwc-warning.cap",
    "google-PAAQ-4-mg5a94.xml",
    "ipaws-5e6dd9de023f1930ef6548d9.xml",
]


def element_order(element):
    """The CAP child element names of `element` in document order, a repeated
    element named once; signatures and other namespaces left out."""
    names = []
    for child in element:
        if not isinstance(child.tag, str) or etree.QName(child).namespace != NS["cap"]:
            continue
        name = etree.QName(child).localname
        if not names or names[-1] != name:
            names.append(name)
    return names


def in_the_same_order(ours, theirs):
    """True when every element both lists name comes in the same order."""
    positions = [theirs.index(name) for name in ours if name in theirs]
    return positions == sorted(positions)


def test_alert_info_and_area_follow_the_element_order_of_real_cap_messages(
    warning_index, parse_xml, shared_data
):
    from datetime import timedelta

    from django.utils import timezone

    examples = {
        name: etree.parse(
            str(shared_data / "cap" / "examples" / name),
            etree.XMLParser(resolve_entities=False, no_network=True),
        ).getroot()
        for name in CAP_EXAMPLES
    }
    page = factories.warning(
        level=3,
        hazards=["chemical"],
        hs_codes="9503",
        ports="上海口岸",
        advice_zh="立即停止充电。",
        advice_en="Stop charging at once.",
        review_date=timezone.now() + timedelta(days=30),
    )
    factories.change_level(page, 2, reason="出现起火事故")
    factories.lift(page, reason="问题产品已全部召回")
    ours = {
        n.kind: parse_xml(render_alert(n)) for n in page.notices.order_by("sequence")
    }

    for name, example in examples.items():
        example_infos = example.findall("cap:info", NS)
        for kind, document in ours.items():
            assert in_the_same_order(element_order(document), element_order(example)), (
                kind,
                name,
            )
            for info in document.findall("cap:info", NS):
                for example_info in example_infos:
                    assert in_the_same_order(
                        element_order(info), element_order(example_info)
                    ), (kind, name)
                    for example_area in example_info.findall("cap:area", NS):
                        assert in_the_same_order(
                            element_order(info.find("cap:area", NS)),
                            element_order(example_area),
                        ), (kind, name)
    ipaws = examples["ipaws-5e6dd9de023f1930ef6548d9.xml"]
    cancel = ours["lifting"]
    assert ipaws.findtext("cap:msgType", namespaces=NS) == "Cancel"
    assert cancel.findtext("cap:msgType", namespaces=NS) == "Cancel"
    assert element_order(cancel)[:5] == element_order(ipaws)[:5]
    assert cancel.find("cap:references", NS) is not None
    for kind, document in ours.items():
        infos = document.findall("cap:info", NS)
        assert len(infos) == 2, kind
        for info in infos:
            present = set(element_order(info))
            assert {"event", "urgency", "severity", "certainty", "contact"} <= (
                present
            ), kind
            assert "area" in present and "areaDesc" in element_order(
                info.find("cap:area", NS)
            ), kind


def test_the_cap_address_serves_the_latest_notice_and_each_notice(
    warning_index, client, parse_xml
):
    page, notices = lifecycle_of_one_warning()

    latest = client.get(f"/warnings/{page.slug}/cap.xml")
    first = client.get(f"/warnings/{page.slug}/notices/1/cap.xml")

    assert latest.status_code == 200
    assert latest["Content-Type"].startswith("application/cap+xml")
    assert parse_xml(latest.content).findtext("cap:msgType", namespaces=NS) == "Cancel"
    assert parse_xml(first.content).findtext("cap:msgType", namespaces=NS) == "Alert"
    assert client.get(f"/warnings/{page.slug}/notices/9/cap.xml").status_code == 404


def test_a_port_bulletin_has_no_public_cap_or_page(warning_index, client):
    page = factories.warning(kind="port_bulletin")

    responses = [
        client.get(path)
        for path in (
            f"/warnings/{page.slug}/",
            f"/warnings/{page.slug}/cap.xml",
            f"/warnings/{page.slug}/notices/1/cap.xml",
            f"/warnings/{page.slug}/notices/1/",
        )
    ]

    assert [r.status_code for r in responses] == [404, 404, 404, 404]


def test_a_port_bulletin_without_english_has_only_the_chinese_info(
    warning_index, cap_schema, parse_xml
):
    # Public warnings must be written in both languages (WarningPageForm);
    # a port bulletin, for port staff, may be Chinese only.
    page = factories.warning(kind="port_bulletin", title_en="", summary_en="")

    document = parse_xml(render_alert(page.notices.get()))

    assert cap_schema.validate(document), cap_schema.error_log
    assert [
        i.findtext("cap:language", namespaces=NS)
        for i in document.findall("cap:info", NS)
    ] == ["zh-CN"]


def test_a_port_bulletin_message_is_restricted_and_still_valid(
    warning_index, cap_schema, parse_xml
):
    page = factories.warning(kind="port_bulletin", ports="上海口岸\n宁波口岸")

    document = parse_xml(render_alert(page.notices.get()))

    assert cap_schema.validate(document), cap_schema.error_log
    assert document.findtext("cap:scope", namespaces=NS) == "Restricted"
    assert document.findtext("cap:info/cap:area/cap:areaDesc", namespaces=NS) == (
        "口岸：上海口岸, 宁波口岸"
    )


def test_a_sent_message_does_not_change_when_the_warning_is_edited_later(
    warning_index, parse_xml
):
    page = factories.warning(advice_zh="停止充电。")
    notice = page.notices.get()
    before = render_alert(notice)

    page.advice_zh = "停止充电并联系经销商退货。"
    page.save_revision().publish()

    assert render_alert(notice) == before
    assert "停止充电。" in parse_xml(before).findtext(
        "cap:info/cap:instruction", namespaces=NS
    )


def rendered_for_each_language(notice):
    """A notice's alert rendered during a Chinese and an English request."""
    from django.utils import translation

    with translation.override("zh-hans"):
        chinese = render_alert(notice)
    with translation.override("en"):
        english = render_alert(notice)
    return chinese, english


def test_each_info_names_its_audience_in_its_own_language_whatever_the_request(
    warning_index, parse_xml
):
    page = factories.warning(kind="trade_advisory")

    chinese_request, english_request = rendered_for_each_language(page.notices.get())

    audiences = [
        info.findtext("cap:audience", namespaces=NS)
        for info in parse_xml(english_request).findall("cap:info", NS)
    ]
    assert chinese_request == english_request
    assert audiences == ["生产企业和进口商", "Producers and importers"]


def test_each_info_names_the_sender_in_its_own_language_whatever_the_request(
    warning_index, cap_schema, parse_xml, settings
):
    settings.HERALD_AUTHORITY_NAME = "产品质量安全风险预警中心"
    settings.HERALD_AUTHORITY_NAME_EN = "Product Safety Risk Warning Centre"
    page = factories.warning(kind="public_announcement")

    chinese_request, english_request = rendered_for_each_language(page.notices.get())

    document = parse_xml(english_request)
    senders = {
        info.findtext("cap:language", namespaces=NS): info.findtext(
            "cap:senderName", namespaces=NS
        )
        for info in document.findall("cap:info", NS)
    }
    assert chinese_request == english_request
    assert cap_schema.validate(document), cap_schema.error_log
    assert senders == {
        "zh-CN": "产品质量安全风险预警中心",
        "en-US": "Product Safety Risk Warning Centre",
    }


def test_the_english_sender_name_has_a_default_in_english(settings):
    from herald.settings import base

    assert base.HERALD_AUTHORITY_NAME_EN.isascii()
    assert settings.HERALD_AUTHORITY_NAME_EN == base.HERALD_AUTHORITY_NAME_EN
