"""RSS 2.0 and Atom 1.0 of notices, recalls and the blacklist, and the Atom
index of CAP messages, built with feedgen.

Every notice (publication, level change, lifting) is an entry of its own,
newest first. An entry's guid never changes for that notice: it is a tag URI
(RFC 4151) of HERALD_TAG_AUTHORITY, the warning's reference number and the
notice's sequence, none of which an editor can change, nor a move of the
site to a new address. Links are absolute, from HERALD_BASE_URL; times
carry the site's zone and are written in English whatever the locale. The
text of a feed is in the language the client asks for (`lang`), not the
language of the site, so its words are written here in both languages rather
than through gettext.
"""

import ipaddress
import re
from datetime import datetime
from email.utils import format_datetime
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone, translation
from django_countries import countries
from feedgen.feed import FeedGenerator
from lxml import etree

from .choices import (
    LEVEL_COLOUR_NAMES_ZH,
    LEVEL_COLOURS,
    LEVEL_NAMES_EN,
    LEVEL_NAMES_ZH,
    LEVEL_NUMERALS,
    NoticeKind,
    WarningKind,
)
from .models import ProductCategory

FEED_SIZE = 50

# Characters XML 1.0 cannot hold, pasted in from editors now and then.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")

# A domain name as RFC 4151 writes a taggingEntity: dot-separated labels of
# letters, digits and inner hyphens.
_DOMAIN_NAME = re.compile(
    r"^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
    r"(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$"
)

# A fixed date for the tag URIs of register entries: a tag names its
# authority as of a date, and that date must never move.
_TAG_DATE = "2026"

# The day before any Herald notice: the `updated` time of an empty feed, so
# that an empty feed's body (and ETag) is the same in every process.
_EMPTY_FEED_UPDATED = datetime(2026, 1, 1, tzinfo=timezone.get_fixed_timezone(480))

_WORDS = {
    "zh": {
        "warnings": "产品安全风险预警",
        "warnings_about": "产品质量安全风险预警、等级调整与解除通告",
        "cap": "产品安全风险预警 CAP 消息",
        "cap_about": "每条通告的 CAP 1.2 消息：发布为 Alert，等级调整为 Update，"
        "解除为 Cancel",
        "recalls": "缺陷产品召回",
        "recalls_about": "缺陷产品召回信息，最新在前",
        "blacklist": "质量安全违法企业黑名单",
        "blacklist_about": "因严重质量安全违法行为列入黑名单的企业",
        "kind_publication": "发布",
        "kind_adjustment": "等级调整",
        "kind_lifting": "解除",
        "adjustment": "【等级调整】",
        "lifting": "【预警解除】",
        "level": "等级",
        "kind": "类型",
        "category": "类别",
        "origin": "原产地",
        "status": "状态",
        "active": "生效中",
        "lifted": "已解除",
        "changed": "预警等级由{old}调整为{new}。",
        "lifted_text": "本预警已解除。",
        "reason": "原因：",
        "separator": "；",
        "filtered": "（{filters}）",
    },
    "en": {
        "warnings": "Product safety warnings",
        "warnings_about": "Product safety risk warnings, level changes and "
        "lifting notices",
        "cap": "Product safety warnings: CAP messages",
        "cap_about": "The CAP 1.2 message of every notice: Alert for a "
        "publication, Update for a level change, Cancel for a lifting",
        "recalls": "Defective product recalls",
        "recalls_about": "Recalls of defective products, newest first",
        "blacklist": "Blacklist of companies",
        "blacklist_about": "Companies listed for serious quality-safety violations",
        "kind_publication": "publication",
        "kind_adjustment": "level change",
        "kind_lifting": "lifting",
        "adjustment": "Level change: ",
        "lifting": "Lifted: ",
        "level": "level",
        "kind": "kind",
        "category": "category",
        "origin": "origin",
        "status": "status",
        "active": "active",
        "lifted": "lifted",
        "changed": "The level changed from {old} to {new}.",
        "lifted_text": "This warning no longer applies.",
        "reason": "Reason: ",
        "separator": "; ",
        "filtered": " ({filters})",
    },
}

_KIND_NAMES = {
    "zh": {
        WarningKind.TRADE_ADVISORY: "风险警示通告",
        WarningKind.PUBLIC_ANNOUNCEMENT: "风险警示公告",
    },
    "en": {
        WarningKind.TRADE_ADVISORY: "trade advisory",
        WarningKind.PUBLIC_ANNOUNCEMENT: "public announcement",
    },
}


def xml_text(value):
    """`value` without the characters XML 1.0 cannot hold."""
    return _NOT_XML.sub("", value or "")


def local_time(value):
    """A datetime in the site's zone, to the second."""
    return timezone.localtime(value).replace(microsecond=0)


def _domain_name(host):
    """`host` lower-cased when it is a domain name, else None (an IP address
    is no taggingEntity)."""
    host = (host or "").strip().lower().rstrip(".")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return host if _DOMAIN_NAME.match(host) else None
    return None


def tag_authority():
    """The domain name that tag: ids are minted under, read at call time.

    HERALD_TAG_AUTHORITY when set, so that ids outlive a change of address;
    else the host of HERALD_BASE_URL when it is a domain name (what ids were
    made of before the setting existed); else the domain of
    HERALD_CAP_SENDER."""
    configured = getattr(settings, "HERALD_TAG_AUTHORITY", "")
    if configured:
        authority = _domain_name(configured)
        if authority is None:
            raise ImproperlyConfigured(
                f"HERALD_TAG_AUTHORITY must be a domain name such as "
                f"alerts.example.gov.cn, not {configured!r}."
            )
        return authority
    authority = _domain_name(urlsplit(settings.HERALD_BASE_URL).hostname)
    if authority is None:
        sender = getattr(settings, "HERALD_CAP_SENDER", "")
        authority = _domain_name(sender.rpartition("@")[2])
    return authority or "localhost"


def notice_guid(notice):
    """The guid / Atom id of a notice's entry, the same for ever."""
    reference = notice.warning.reference
    year = reference.split("-", 1)[0]
    return f"tag:{tag_authority()},{year}:notice/{reference}/{notice.sequence}"


def cap_entry_id(notice):
    """The Atom id of a notice's entry in the CAP index."""
    reference = notice.warning.reference
    year = reference.split("-", 1)[0]
    return f"tag:{tag_authority()},{year}:cap/{reference}/{notice.sequence}"


def recall_guid(entry):
    source_id = quote(entry.source_id, safe="")
    return f"tag:{tag_authority()},{_TAG_DATE}:recall/{entry.source}/{source_id}"


def blacklist_guid(entry):
    return f"tag:{tag_authority()},{_TAG_DATE}:blacklist/{entry.pk}"


def notice_path(notice):
    return f"{notice.warning.public_path()}notices/{notice.sequence}/"


def notice_cap_path(notice):
    return notice_path(notice) + "cap.xml"


def level_label(level, lang):
    numeral = LEVEL_NUMERALS[level]
    if lang == "en":
        return f"Level {numeral} · {LEVEL_NAMES_EN[level]} ({LEVEL_COLOURS[level]})"
    return f"{numeral}级·{LEVEL_NAMES_ZH[level]}（{LEVEL_COLOUR_NAMES_ZH[level]}）"


def describe_filters(filters, lang):
    """The filters applied, in words, for a feed's title; "" for none."""
    words = _WORDS[lang]
    parts = []
    for name, value in filters.items():
        if name == "level":
            shown = level_label(int(value), lang)
        elif name == "kind":
            shown = _KIND_NAMES[lang][value]
        elif name == "category":
            category = ProductCategory.objects.get(code=value)
            shown = category.name_en if lang == "en" else category.name_zh
        elif name == "origin":
            with translation.override("en" if lang == "en" else "zh-hans"):
                shown = str(countries.name(value))
        elif name == "status":
            shown = words[value]
        else:
            shown = value
        parts.append(
            f"{words[name]}: {shown}" if lang == "en" else f"{words[name]}：{shown}"
        )
    if not parts:
        return ""
    return words["filtered"].format(filters=words["separator"].join(parts))


def content_language(lang):
    """The Content-Language of a feed written in `lang`, as its <language>."""
    return "en" if lang == "en" else "zh-CN"


def rss_bytes(feed):
    """The RSS document of `feed`, its dates written here. feedgen 1.0.0
    writes RFC 822 dates by switching the process's C locale around
    strftime, which is not thread-safe: under a threaded server another
    request's switch can turn the day names Chinese. So feedgen is given no
    RSS dates (it keeps them apart from the Atom ones, under private names)
    and the dates are put in after, in English whatever the locale.
    TODO: serialise with `feed.rss_str()` once feedgen formats dates without
    setlocale."""
    feed._FeedGenerator__rss_lastBuildDate = None
    for entry in feed.entry():
        entry._FeedEntry__rss_pubDate = None
    root, document = feed._create_rss()

    channel = root.find("channel")
    built = etree.Element("lastBuildDate")
    built.text = format_datetime(feed.updated())
    after = channel.find("language")
    if after is None:
        channel.append(built)
    else:
        after.addnext(built)
    for item, entry in zip(channel.findall("item"), feed.entry(), strict=True):
        if entry.published() is not None:
            etree.SubElement(item, "pubDate").text = format_datetime(entry.published())
    return etree.tostring(
        document, pretty_print=True, encoding="UTF-8", xml_declaration=True
    )


def atom_bytes(feed):
    """The Atom document of `feed`. feedgen 1.0.0 loses the `rel` and `type`
    of entry links (it reuses one name for the dict and the new element), so
    two alternates would look alike; they are put back before serialising.
    TODO: serialise with `feed.atom_str()` once feedgen keeps them."""
    # feedgen names its elements without a namespace and declares Atom as
    # the default one when serialising.
    root, document = feed._create_atom()
    for element, entry in zip(root.findall("entry"), feed.entry(), strict=True):
        for link_element, link in zip(
            element.findall("link"), entry.link(), strict=True
        ):
            for name in ("rel", "type", "hreflang", "title", "length"):
                if link.get(name):
                    link_element.set(name, link[name])
    return etree.tostring(
        document, pretty_print=True, encoding="UTF-8", xml_declaration=True
    )


def _feed(*, title, about, self_url, alternate_url, lang, updated):
    base = settings.HERALD_BASE_URL
    feed = FeedGenerator()
    feed.id(self_url)
    feed.title(xml_text(title))
    feed.subtitle(xml_text(about))
    feed.description(xml_text(about))
    feed.author(
        {
            "name": settings.HERALD_AUTHORITY_NAME_EN
            if lang == "en"
            else settings.HERALD_AUTHORITY_NAME
        }
    )
    # feedgen takes the RSS <link> from the last link added: self goes first.
    feed.link(href=self_url, rel="self")
    feed.link(href=alternate_url, rel="alternate", type="text/html")
    feed.language("en" if lang == "en" else "zh-CN")
    feed.generator("Herald", uri=base + "/feeds/")
    feed.docs("https://www.rssboard.org/rss-specification")
    feed.updated(updated)
    return feed


def _text(notice_or_page, field, lang):
    english = getattr(notice_or_page, f"{field}_en", "")
    if lang == "en" and english:
        return english
    return getattr(notice_or_page, f"{field}_zh", "") or english


def _shown_title(title_zh, title_en, lang):
    return (title_en or title_zh) if lang == "en" else title_zh


def notice_title(notice, lang="zh"):
    """The entry title: what happened, the level, and the warning's title as
    it reads now (an editor's typo fix shows, under the same guid)."""
    warning = notice.warning
    words = _WORDS[lang]
    prefix = {
        NoticeKind.ADJUSTMENT: words["adjustment"],
        NoticeKind.LIFTING: words["lifting"],
    }.get(notice.kind, "")
    title = _shown_title(warning.title, warning.title_en, lang)
    return f"{prefix}[{level_label(notice.level, lang)}] {title}"


def notice_updated(notice, lang="zh"):
    """When the entry of a notice last changed for a reader of `lang`.

    An entry shows the warning's title and summary as they read now, so an
    edit of either changes it under the same guid; the notice keeps them as
    issued. While they still read so, the entry is as issued; once they
    differ, it changed at the warning's last publish (no earlier than the
    edit; a later republish that changes nothing moves it again, which a
    reader takes for a harmless refresh)."""
    issued = local_time(notice.issued_at)
    warning = notice.warning
    now = (
        _shown_title(warning.title, warning.title_en, lang),
        _text(warning, "summary", lang),
    )
    as_issued = (
        _shown_title(notice.title_zh, notice.title_en, lang),
        _text(notice, "summary", lang),
    )
    if now == as_issued or warning.last_published_at is None:
        return issued
    return max(issued, local_time(warning.last_published_at))


def notice_summary(notice, lang="zh"):
    words = _WORDS[lang]
    lines = []
    if notice.kind == NoticeKind.ADJUSTMENT and notice.previous_level:
        lines.append(
            words["changed"].format(
                old=level_label(notice.previous_level, lang),
                new=level_label(notice.level, lang),
            )
        )
    elif notice.kind == NoticeKind.LIFTING:
        lines.append(words["lifted_text"])
    if notice.reason:
        lines.append(words["reason"] + notice.reason)
    lines.append(_text(notice.warning, "summary", lang))
    return "\n".join(line for line in lines if line)


def _notice_categories(entry, notice, lang):
    base = settings.HERALD_BASE_URL
    warning = notice.warning
    entry.category(
        term=LEVEL_NUMERALS[notice.level],
        scheme=base + "/feeds/#level",
        label=level_label(notice.level, lang),
    )
    entry.category(
        term=str(notice.kind),
        scheme=base + "/feeds/#notice-kind",
        label=_WORDS[lang][f"kind_{notice.kind}"],
    )
    for category in warning.categories.all():
        entry.category(
            term=category.code,
            scheme=base + "/feeds/#category",
            label=xml_text(category.name_en if lang == "en" else category.name_zh),
        )


def warnings_feed(notices, *, self_url, filters, lang="zh"):
    """RSS and Atom of these notices (newest first), one entry each."""
    base = settings.HERALD_BASE_URL
    notices = list(notices)
    words = _WORDS[lang]
    updated = {notice.pk: notice_updated(notice, lang) for notice in notices}
    feed = _feed(
        title=words["warnings"] + describe_filters(filters, lang),
        about=words["warnings_about"],
        self_url=self_url,
        alternate_url=base + "/warnings/",
        lang=lang,
        updated=max(updated.values(), default=_EMPTY_FEED_UPDATED),
    )
    # feedgen puts each new entry first unless told otherwise.
    for notice in notices:
        issued = local_time(notice.issued_at)
        entry = feed.add_entry(order="append")
        entry.guid(notice_guid(notice), permalink=False)
        entry.title(xml_text(notice_title(notice, lang)))
        entry.link(
            href=base + notice_cap_path(notice),
            rel="alternate",
            type="application/cap+xml",
        )
        entry.link(href=base + notice.warning.public_path(), rel="related")
        # The RSS <link> is the last alternate: the notice's own page.
        entry.link(href=base + notice_path(notice), rel="alternate", type="text/html")
        entry.description(xml_text(notice_summary(notice, lang)))
        entry.published(issued)
        entry.updated(updated[notice.pk])
        _notice_categories(entry, notice, lang)
    return feed


def cap_index_feed(notices, *, self_url, filters, lang="zh"):
    """Atom index of CAP messages: one entry per notice, linking its cap.xml.
    The entries speak `lang`; the message each links holds both languages."""
    base = settings.HERALD_BASE_URL
    notices = list(notices)
    words = _WORDS[lang]
    updated = {notice.pk: notice_updated(notice, lang) for notice in notices}
    feed = _feed(
        title=words["cap"] + describe_filters(filters, lang),
        about=words["cap_about"],
        self_url=self_url,
        alternate_url=base + "/warnings/",
        lang=lang,
        updated=max(updated.values(), default=_EMPTY_FEED_UPDATED),
    )
    for notice in notices:
        issued = local_time(notice.issued_at)
        entry = feed.add_entry(order="append")
        entry.id(cap_entry_id(notice))
        entry.title(xml_text(notice_title(notice, lang)))
        entry.link(href=base + notice.warning.public_path(), type="text/html")
        entry.link(
            href=base + notice_cap_path(notice),
            rel="alternate",
            type="application/cap+xml",
        )
        entry.summary(xml_text(notice_summary(notice, lang)))
        entry.published(issued)
        entry.updated(updated[notice.pk])
        _notice_categories(entry, notice, lang)
    return feed


def _day_start(day):
    return local_time(timezone.make_aware(datetime(day.year, day.month, day.day)))


def _register_feed(rows, entry_of, *, family, self_url, filters, lang):
    """RSS and Atom of register rows (recalls, blacklist) in the order given;
    `entry_of(row, lang)` says what the row's entry holds."""
    base = settings.HERALD_BASE_URL
    entries = [entry_of(row, lang) for row in rows]
    words = _WORDS[lang]
    feed = _feed(
        title=words[family] + describe_filters(filters, lang),
        about=words[f"{family}_about"],
        self_url=self_url,
        alternate_url=f"{base}/{family}/",
        lang=lang,
        updated=max((e["updated"] for e in entries), default=_EMPTY_FEED_UPDATED),
    )
    for values in entries:
        entry = feed.add_entry(order="append")
        entry.guid(values["guid"], permalink=False)
        entry.title(xml_text(values["title"]))
        entry.link(href=base + values["path"], type="text/html")
        entry.description(xml_text(values["description"]))
        entry.published(values["published"])
        entry.updated(values["updated"])
        for scheme, term, label in values["categories"]:
            entry.category(
                term=xml_text(term),
                scheme=f"{base}/feeds/#{scheme}",
                label=xml_text(label),
            )
    return feed


def _recall_entry(recall, lang):
    published = (
        _day_start(recall.recall_date)
        if recall.recall_date
        else local_time(recall.created_at)
    )
    title = " · ".join(p for p in (recall.product, recall.brand) if p)
    categories = []
    if recall.category_id:
        category = recall.category
        name = category.name_en if lang == "en" else category.name_zh
        categories.append(("category", category.code, name))
    if recall.hazard:
        categories.append(("hazard", recall.hazard, recall.hazard))
    return {
        "guid": recall_guid(recall),
        "title": title,
        "path": f"/recalls/{recall.pk}/",
        "description": recall.defect or recall.hazard_text or title,
        "published": published,
        "updated": max(published, local_time(recall.updated_at)),
        "categories": categories,
    }


def _blacklist_entry(listing, lang):
    published = _day_start(listing.listed_on)
    return {
        "guid": blacklist_guid(listing),
        "title": f"{listing.company_name} ({listing.credit_code})",
        "path": f"/blacklist/{listing.pk}/",
        "description": listing.violation,
        "published": published,
        "updated": max(published, local_time(listing.updated_at)),
        "categories": [("region", listing.region, listing.region)]
        if listing.region
        else [],
    }


def recalls_feed(recalls, *, self_url, filters, lang="zh"):
    """RSS and Atom of recall entries, newest recall first."""
    return _register_feed(
        recalls,
        _recall_entry,
        family="recalls",
        self_url=self_url,
        filters=filters,
        lang=lang,
    )


def blacklist_feed(entries, *, self_url, lang="zh"):
    """RSS and Atom of listed companies, newest listing first."""
    return _register_feed(
        entries,
        _blacklist_entry,
        family="blacklist",
        self_url=self_url,
        filters={},
        lang=lang,
    )
