"""Notice email: headers that survive any title, multipart with the badge."""

import email
import email.policy

from subscriptions.channels.email import build_message, clean_header
from subscriptions.messages import list_id, render_email
from subscriptions.models import Delivery
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


def _email_readers(count):
    return [factories.subscriber(phone=None) for _ in range(count)]


def test_a_mailbox_refused_for_good_fails_and_its_address_is_not_kept(
    warning_index, smtp_server, django_capture_on_commit_callbacks, caplog
):
    refused, accepted = _email_readers(2)
    smtp_server.refuse[refused.email] = (
        f"550 5.1.1 <{refused.email}>: Recipient address rejected"
    )

    with django_capture_on_commit_callbacks(execute=True):
        factories.warning()

    failed = Delivery.objects.get(subscriber=refused)
    assert (failed.status, failed.error_code, failed.attempts) == ("failed", "550", 1)
    assert failed.error_message == ("550 5.1.1 <[address]>: Recipient address rejected")
    assert failed.sent_at is None
    assert Delivery.objects.get(subscriber=accepted).status == "sent"
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("subscr")]
    assert ours
    assert not [line for line in ours if refused.email in line]


def test_a_connection_dropped_mid_chunk_costs_one_retry_and_the_rest_go_out(
    warning_index, smtp_server, settings, django_capture_on_commit_callbacks
):
    settings.HERALD_SEND_RETRY_BASE_SECONDS = 0
    people = _email_readers(4)
    smtp_server.drop.add(people[1].email)

    with django_capture_on_commit_callbacks(execute=True):
        factories.warning()

    attempts = dict(Delivery.objects.values_list("subscriber_id", "attempts"))
    received = [rcpt for rcpts, _raw in smtp_server.messages for rcpt in rcpts]
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}
    assert sorted(received) == sorted(person.email for person in people)
    assert [attempts[person.pk] for person in people] == [1, 2, 1, 1]
    # The chunk's connection, the one opened after the drop, and the retry's.
    assert smtp_server.connections == 3


def test_a_chunk_of_messages_goes_over_one_connection(
    warning_index, smtp_server, django_capture_on_commit_callbacks
):
    _email_readers(5)

    with django_capture_on_commit_callbacks(execute=True):
        factories.warning()

    assert len(smtp_server.messages) == 5
    assert smtp_server.connections == 1
