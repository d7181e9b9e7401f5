"""RSS 2.0 of notices, built with feedgen. Every notice is its own entry,
newest first, with a guid that never changes for that notice."""

import re

from django.conf import settings
from feedgen.feed import FeedGenerator

from .choices import LEVEL_NUMERALS, NoticeKind

# Characters XML 1.0 cannot hold, pasted in from editors now and then.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(value):
    return _NOT_XML.sub("", value or "")


def notice_guid(notice):
    reference = notice.warning.reference
    year = reference.split("-", 1)[0]
    return f"tag:{_authority_host()},{year}:notice/{reference}/{notice.sequence}"


def _authority_host():
    return settings.HERALD_BASE_URL.split("//", 1)[-1].split("/", 1)[0].split(":")[0]


def notice_title(notice):
    prefix = {
        NoticeKind.ADJUSTMENT: "【等级调整】",
        NoticeKind.LIFTING: "【预警解除】",
    }.get(notice.kind, "")
    level = f"[{LEVEL_NUMERALS[notice.level]}级]"
    return f"{prefix}{level} {notice.title_zh}"


def warnings_feed(notices, self_url, title_suffix=""):
    base = settings.HERALD_BASE_URL
    feed = FeedGenerator()
    feed.title(xml_text("产品安全风险预警 Herald warnings" + title_suffix))
    feed.link(href=base + "/warnings/", rel="alternate")
    feed.link(href=self_url, rel="self")
    feed.id(self_url)
    feed.description("产品质量安全风险预警、等级调整与解除通告")
    feed.language("zh-CN")
    for notice in reversed(list(notices)):
        warning = notice.warning
        link = base + warning.public_path()
        entry = feed.add_entry()
        entry.guid(notice_guid(notice), permalink=False)
        entry.title(xml_text(notice_title(notice)))
        entry.link(href=link)
        entry.description(xml_text(notice.summary_zh or notice.title_zh))
        entry.published(notice.issued_at)
        entry.updated(notice.issued_at)
        for category in warning.categories.all():
            entry.category(term=category.code, label=category.name_zh)
    return feed
