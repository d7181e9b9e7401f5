"""CAP 1.2 (OASIS Common Alerting Protocol) messages of notices.

One `<alert>` per notice: a publication is an `Alert`, a level change an
`Update` and a lifting notice a `Cancel`. Each `Update` and `Cancel` lists
every earlier message of the same warning in `<references>`. The message
carries an `<info>` in Chinese (`zh-CN`) and, where the warning has an
English title, one in English (`en-US`). The content is the warning as it
stood in the revision the notice published, so a message never changes once
sent.
"""

import logging

from django.conf import settings
from django.utils import timezone
from lxml import etree

from .choices import (
    CAP_CATEGORY_FOR_HAZARD,
    CAP_SEVERITY,
    LEVEL_COLOUR_NAMES_ZH,
    LEVEL_COLOURS,
    LEVEL_NAMES_EN,
    LEVEL_NAMES_ZH,
    LEVEL_NUMERALS,
    NoticeKind,
    WarningKind,
)

logger = logging.getLogger(__name__)

CAP_NAMESPACE = "urn:oasis:names:tc:emergency:cap:1.2"
MSG_TYPES = {
    NoticeKind.PUBLICATION: "Alert",
    NoticeKind.ADJUSTMENT: "Update",
    NoticeKind.LIFTING: "Cancel",
}
EVENT_NAMES = {
    "zh-CN": {
        WarningKind.PORT_BULLETIN: "风险警示通报",
        WarningKind.TRADE_ADVISORY: "风险警示通告",
        WarningKind.PUBLIC_ANNOUNCEMENT: "风险警示公告",
    },
    "en-US": {
        WarningKind.PORT_BULLETIN: "Product safety port bulletin",
        WarningKind.TRADE_ADVISORY: "Product safety trade advisory",
        WarningKind.PUBLIC_ANNOUNCEMENT: "Product safety public announcement",
    },
}
# Fixed wording, not the translated kind labels: each <info> speaks its own
# language, and a message is the same bytes whoever asks for it.
AUDIENCES = {
    "zh-CN": {
        WarningKind.PORT_BULLETIN: "口岸及检验人员",
        WarningKind.TRADE_ADVISORY: "生产企业和进口商",
        WarningKind.PUBLIC_ANNOUNCEMENT: "社会公众",
    },
    "en-US": {
        WarningKind.PORT_BULLETIN: "Ports and inspection staff",
        WarningKind.TRADE_ADVISORY: "Producers and importers",
        WarningKind.PUBLIC_ANNOUNCEMENT: "The public",
    },
}
NOTICE_LABELS = {
    "zh-CN": {
        NoticeKind.PUBLICATION: "发布",
        NoticeKind.ADJUSTMENT: "等级调整",
        NoticeKind.LIFTING: "预警解除",
    },
    "en-US": {
        NoticeKind.PUBLICATION: "Publication",
        NoticeKind.ADJUSTMENT: "Level change",
        NoticeKind.LIFTING: "Lifting notice",
    },
}


def cap_time(value):
    """A CAP date-time: the zone written out, no fractional seconds."""
    local = timezone.localtime(value)
    return local.replace(microsecond=0).isoformat()


def cap_reference(notice):
    """`sender,identifier,sent` of a notice, as `<references>` lists it."""
    return ",".join(
        (settings.HERALD_CAP_SENDER, notice.cap_identifier, cap_time(notice.issued_at))
    )


def sender_name(language):
    """The authority's name in `language`, read at call time."""
    if language == "zh-CN":
        return settings.HERALD_AUTHORITY_NAME
    return settings.HERALD_AUTHORITY_NAME_EN or settings.HERALD_AUTHORITY_NAME


def notice_url(notice):
    return settings.HERALD_BASE_URL + notice.warning.notice_path(notice.sequence)


def _warning_as_issued(notice):
    """The warning as the revision of this notice left it."""
    if notice.revision_id:
        try:
            return notice.revision.as_object()
        except (LookupError, ValueError, TypeError):
            # A revision written before a later model change may no longer
            # load; the warning as it is now is the best remaining account.
            logger.warning(
                "Revision of notice %s no longer loads; using the live warning",
                notice.pk,
                extra={"notice_id": notice.pk},
            )
    return notice.warning


def _sub(parent, tag, text=None):
    element = etree.SubElement(parent, f"{{{CAP_NAMESPACE}}}{tag}")
    if text is not None:
        element.text = str(text)
    return element


def _categories(warning):
    categories = ["Safety"]
    for hazard in warning.hazards or []:
        category = CAP_CATEGORY_FOR_HAZARD.get(hazard)
        if category and category not in categories:
            categories.append(category)
    return categories


def _texts(notice, warning, language):
    """Headline, description and instruction of one language."""
    zh = language == "zh-CN"
    level = notice.level
    title = notice.title_zh if zh else (notice.title_en or notice.title_zh)
    summary = notice.summary_zh if zh else (notice.summary_en or notice.summary_zh)
    advice = warning.advice_zh if zh else (warning.advice_en or warning.advice_zh)
    label = NOTICE_LABELS[language][notice.kind]
    level_text = (
        f"{LEVEL_NUMERALS[level]}级（{LEVEL_NAMES_ZH[level]}）"
        if zh
        else f"Level {LEVEL_NUMERALS[level]} ({LEVEL_NAMES_EN[level]})"
    )
    headline = f"{label}: {title}" if not zh else f"【{label}】{title}"
    lines = [f"{warning.reference} · {level_text}", summary]
    if notice.kind == NoticeKind.ADJUSTMENT and notice.previous_level:
        previous = notice.previous_level
        lines.append(
            f"预警等级由{LEVEL_NUMERALS[previous]}级调整为{LEVEL_NUMERALS[level]}级。"
            if zh
            else f"Level changed from {LEVEL_NUMERALS[previous]} to "
            f"{LEVEL_NUMERALS[level]}."
        )
    if notice.reason:
        lines.append(("原因：" if zh else "Reason: ") + notice.reason)
    return headline, "\n".join(line for line in lines if line), advice


def _info(alert, notice, warning, language):
    zh = language == "zh-CN"
    lifting = notice.kind == NoticeKind.LIFTING
    info = _sub(alert, "info")
    _sub(info, "language", language)
    for category in _categories(warning):
        _sub(info, "category", category)
    _sub(info, "event", EVENT_NAMES[language][warning.kind])
    if not lifting:
        _sub(info, "responseType", "Avoid")
    _sub(info, "urgency", "Past" if lifting else "Immediate")
    _sub(info, "severity", "Minor" if lifting else CAP_SEVERITY[notice.level])
    _sub(info, "certainty", "Observed")
    _sub(info, "audience", AUDIENCES[language][warning.kind])
    for code in (warning.hs_codes or "").replace(",", " ").split():
        event_code = _sub(info, "eventCode")
        _sub(event_code, "valueName", "HS")
        _sub(event_code, "value", code)
    effective = warning.lifted_at if lifting and warning.lifted_at else None
    _sub(info, "effective", cap_time(effective or warning.start_time))
    if warning.review_date and not lifting:
        _sub(info, "expires", cap_time(warning.review_date))
    _sub(info, "senderName", sender_name(language))
    headline, description, advice = _texts(notice, warning, language)
    _sub(info, "headline", headline)
    _sub(info, "description", description)
    if advice and not lifting:
        _sub(info, "instruction", advice)
    _sub(info, "web", notice_url(notice))
    _sub(info, "contact", settings.HERALD_BASE_URL + "/")
    colour = LEVEL_COLOUR_NAMES_ZH[notice.level] if zh else LEVEL_COLOURS[notice.level]
    for name, value in (
        ("reference", warning.reference),
        ("level", LEVEL_NUMERALS[notice.level]),
        ("levelColour", colour),
    ):
        parameter = _sub(info, "parameter")
        _sub(parameter, "valueName", name)
        _sub(parameter, "value", value)
    area = _sub(info, "area")
    _sub(area, "areaDesc", _area_description(warning, zh))
    return info


def _area_description(warning, zh):
    ports = [
        line.strip() for line in (warning.ports or "").splitlines() if line.strip()
    ]
    if ports:
        return ("口岸：" if zh else "Ports: ") + ", ".join(ports)
    return "中华人民共和国全境" if zh else "Nationwide (People's Republic of China)"


def build_alert(notice):
    """The `<alert>` element of one notice."""
    warning = _warning_as_issued(notice)
    alert = etree.Element(f"{{{CAP_NAMESPACE}}}alert", nsmap={None: CAP_NAMESPACE})
    _sub(alert, "identifier", notice.cap_identifier)
    _sub(alert, "sender", settings.HERALD_CAP_SENDER)
    _sub(alert, "sent", cap_time(notice.issued_at))
    _sub(alert, "status", "Actual")
    _sub(alert, "msgType", MSG_TYPES[notice.kind])
    _sub(alert, "scope", "Public" if warning.is_public else "Restricted")
    if not warning.is_public:
        _sub(alert, "restriction", "Ports and inspection staff only")
    earlier = notice.warning.notices.filter(sequence__lt=notice.sequence).order_by(
        "sequence"
    )
    if notice.kind != NoticeKind.PUBLICATION and earlier:
        _sub(alert, "references", " ".join(cap_reference(n) for n in earlier))
    _sub(alert, "incidents", warning.reference)
    _info(alert, notice, warning, "zh-CN")
    if notice.title_en:
        _info(alert, notice, warning, "en-US")
    return alert


def render_alert(notice):
    """The CAP 1.2 document of a notice, as UTF-8 bytes."""
    return etree.tostring(
        build_alert(notice), xml_declaration=True, encoding="UTF-8", pretty_print=True
    )
