"""Notice email: headers that survive any title, multipart with the badge."""

import email
import email.policy

from subscriptions.channels.email import build_message, clean_header
from subscriptions.messages import list_id, render_email
from tests import factories


def _wire(message):
    """The message as it goes over SMTP, parsed back."""
    raw = message.message().as_bytes(linesep="\r\n")
    return raw, email.message_from_bytes(raw, policy=email.policy.default)


def test_a_long_unsubscribe_url_stays_on_one_unbroken_line(settings):
    url = "http://testserver/unsubscribe/" + "eyJhbGciOiJIUzI1NiJ9" * 20 + ":1vQ:x/"
    settings.DEFAULT_FROM_EMAIL = (
        "产品质量安全风险预警中心" * 4 + " <alerts@example.cn>"
    )

    raw, parsed = _wire(
        build_message(
            None, "a@example.com", "标题" * 60, "text", "<p>html</p>", url, list_id()
        )
    )

    assert f"<{url}>".encode() in raw
    assert parsed["List-Unsubscribe"] == f"<{url}>"
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert parsed["List-Id"] == "Herald <notices.testserver>"
    assert parsed["Subject"].strip() == "标题" * 60


def test_a_title_with_a_line_break_becomes_one_header_line():
    raw, parsed = _wire(
        build_message(
            None, "a@example.com", "召回\r\nBcc: x@evil.test", "t", "<p>h</p>"
        )
    )

    assert parsed["Subject"] == "召回 Bcc: x@evil.test"
    assert parsed["Bcc"] is None
    assert clean_header("a\nb\tc") == "a b c"


def test_notice_email_is_multipart_text_and_html_with_the_level_badge(warning_index):
    person = factories.subscriber(language="en")
    page = factories.warning(level=1, title_en="Heaters\ncatch fire")

    subject, text, html = render_email(page.notices.get(), person)
    raw, parsed = _wire(build_message(None, person.email, subject, text, html))

    assert [part.get_content_type() for part in parsed.iter_parts()] == [
        "text/plain",
        "text/html",
    ]
    assert "Level I" in subject
    assert "Level I" in text
    assert "Level I" in html
