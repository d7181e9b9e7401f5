"""What a subscriber receives about a notice, by email and by SMS."""

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from alerts.choices import LEVEL_NUMERALS, NoticeKind
from alerts.sms_notice import notice_sms

from .tokens import manage_token


def absolute(path):
    return settings.HERALD_BASE_URL + path


def list_id():
    """The List-Id of notice mail (RFC 2919): a name and a dotted id."""
    host = settings.HERALD_BASE_URL.split("//")[-1].split("/")[0].split(":")[0]
    return f"Herald <notices.{host}>"


def subscriber_links(subscriber):
    token = manage_token(subscriber)
    return {
        "manage_url": absolute(reverse("subscriptions:manage", args=[token])),
        "unsubscribe_url": absolute(reverse("subscriptions:unsubscribe", args=[token])),
    }


def warning_url(notice):
    """The public address of the notice's warning, worked out once per notice
    object (Wagtail's page URL costs a cache lookup): a fan-out shares one
    notice object between its messages."""
    url = getattr(notice, "_public_warning_url", None)
    if url is None:
        warning = notice.warning
        url = absolute(warning.public_path())
        notice._public_warning_url = url
    return url


def notice_context(notice, subscriber, links=True):
    warning = notice.warning
    english = subscriber.language == "en"
    return {
        "notice": notice,
        "warning": warning,
        "english": english,
        "title": (notice.title_en if english and notice.title_en else notice.title_zh),
        "summary": (
            notice.summary_en if english and notice.summary_en else notice.summary_zh
        ),
        "level_numeral": LEVEL_NUMERALS[notice.level],
        "is_adjustment": notice.kind == NoticeKind.ADJUSTMENT,
        "is_lifting": notice.kind == NoticeKind.LIFTING,
        "warning_url": warning_url(notice),
        "short_url": absolute(warning.short_path()),
        # Signing the manage and unsubscribe links costs; an SMS carries none.
        **(subscriber_links(subscriber) if links else {}),
    }


def render_email(notice, subscriber):
    """(subject, text, html) in the subscriber's language."""
    context = notice_context(notice, subscriber)
    with translation.override(subscriber.language):
        subject = render_to_string(
            "subscriptions/email/notice_subject.txt", context
        ).strip()
        text = render_to_string("subscriptions/email/notice.txt", context)
        html = render_to_string("subscriptions/email/notice.html", context)
    return subject, text, html


def render_sms(notice, subscriber):
    """The SMS in the subscriber's language, laid out by alerts: the layout
    the editor's segment budget counts (`alerts.sms_notice`)."""
    context = notice_context(notice, subscriber, links=False)
    with translation.override(subscriber.language):
        return notice_sms(
            notice.kind,
            notice.level,
            notice.sms_text or context["title"],
            context["short_url"],
        )
