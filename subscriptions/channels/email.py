"""Email through Django's configured backend: SMTP in production, the
outbox by default.

Over SMTP the message is claimed (see `queries.claim`) at the last possible
moment: after the server has taken the whole text but before the final
"." that commits it. A worker killed before the claim leaves nothing at the
server (it drops a message whose data never ended) and the delivery is sent
again later; a worker killed after it leaves the delivery marked as handed
over, so nobody gets a second copy.
"""

import contextlib
import logging
import re
import smtplib
from email.message import Message

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpEmailBackend
from django.utils.module_loading import import_string

from . import ClaimLost, scrubbed

logger = logging.getLogger(__name__)

# The server closes the connection after this answer (RFC 5321, 3.8).
SMTP_CLOSING = 421


class EmailSendError(Exception):
    """A send that failed. `permanent` says whether a retry can help;
    `connection_lost` that the connection is gone and must be opened again.
    The message is kept without the address it may quote."""

    def __init__(self, message, code="", permanent=False, connection_lost=False):
        super().__init__(scrubbed(message))
        self.code = str(code)
        self.permanent = permanent
        self.connection_lost = connection_lost


class _HandOffMixin:
    """smtplib's DATA command with a hook before the closing dot."""

    before_final_dot = None

    def data(self, msg):
        hook = self.before_final_dot
        if hook is None:
            return super().data(msg)
        self.putcmd("data")
        code, reply = self.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        text = re.sub(rb"(?m)^\.", b"..", msg)
        if not text.endswith(b"\r\n"):
            text += b"\r\n"
        self.send(text)
        handed = hook()
        if not handed:
            # The server is still reading data: only dropping the connection
            # makes it forget the message.
            self.close()
            raise ClaimLost()
        try:
            self.send(b".\r\n")
        finally:
            if callable(handed):
                handed()  # the hand-off mark, sent just before the dot
        return self.getreply()


class HandOffSMTP(_HandOffMixin, smtplib.SMTP):
    pass


class HandOffSMTPSSL(_HandOffMixin, smtplib.SMTP_SSL):
    pass


class HandOffEmailBackend(SmtpEmailBackend):
    """Django's SMTP backend, calling `hand_off()` before each closing dot."""

    hand_off = None

    @property
    def connection_class(self):
        return HandOffSMTPSSL if self.use_ssl else HandOffSMTP

    def _send(self, email_message):
        if self.connection is not None:
            self.connection.before_final_dot = self.hand_off
        try:
            return super()._send(email_message)
        except ClaimLost:
            self.connection = None  # closed in data(); opened again when needed
            raise


def open_connection():
    """One connection for a chunk of messages."""
    backend = import_string(settings.EMAIL_BACKEND)
    if issubclass(backend, SmtpEmailBackend):
        connection = HandOffEmailBackend(fail_silently=False)
    else:
        connection = get_connection(fail_silently=False)
    connection.open()
    return connection


class SharedConnection:
    """The one connection a run of sends (a chunk, a round of digests) uses:
    opened when the first message needs it, and opened again after it
    dropped, so one lost connection costs one message a retry, not the
    rest of the run."""

    def __init__(self):
        self.connection = None
        self.opened = 0

    def get(self):
        if self.connection is None:
            try:
                self.connection = open_connection()
            except (smtplib.SMTPException, OSError) as error:
                raise EmailSendError(
                    _error_text(error), code="connect", connection_lost=True
                ) from error
            self.opened += 1
        return self.connection

    def drop(self):
        """Forget a connection that failed; the next message opens another."""
        connection, self.connection = self.connection, None
        if connection is not None:
            # A dead socket may fail to close in any way; it is gone anyway.
            with contextlib.suppress(Exception):
                connection.close()

    def close(self):
        connection, self.connection = self.connection, None
        if connection is not None:
            try:
                connection.close()
            except Exception:
                logger.warning("Could not close the SMTP connection cleanly")


def clean_header(value):
    """Header values never carry a line break, whatever an editor typed."""
    return " ".join(str(value).split())


def build_message(
    connection, to, subject, text, html, unsubscribe_url=None, list_id=None
):
    headers = {}
    if list_id:
        headers["List-Id"] = clean_header(list_id)
    if unsubscribe_url:
        headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message = NoticeEmail(
        subject=clean_header(subject),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers=headers,
        connection=connection,
    )
    message.attach_alternative(html, "text/html")
    return message


class NoticeEmail(EmailMultiAlternatives):
    """Writes List-Unsubscribe on one line. Python's email package folds a
    header longer than 78 characters, and before a long URL it breaks the
    line after the colon; some clients then read the value with a leading
    space, or not at all. A URL of ASCII characters needs no encoding and
    RFC 5322 allows lines of 998 characters, so it is written as is."""

    def message(self, *args, **kwargs):
        message = super().message(*args, **kwargs)
        value = self.extra_headers.get("List-Unsubscribe")
        if value:
            if not value.isascii() or len(value) > 950:
                raise EmailSendError(
                    "the unsubscribe URL must be ASCII and under 950 characters",
                    code="header",
                    permanent=True,
                )
            del message["List-Unsubscribe"]
            # Django's setter would turn the value back into a plain string.
            Message.__setitem__(message, "List-Unsubscribe", _Unfolded(value))
        return message


class _Unfolded:
    """A header value the email package writes out as it is."""

    def __init__(self, value):
        self.value = value

    def encode(self, linesep="\n", splitchars=None, maxlinelen=None):
        return self.value

    def __str__(self):
        return self.value


def send_email(
    connection,
    to,
    subject,
    text,
    html,
    unsubscribe_url=None,
    list_id=None,
    hand_off=None,
):
    """Send one message. `hand_off()` is called once, just before the server
    commits the message; when it returns False, nothing is sent and
    `ClaimLost` is raised; when it returns a callable, that is called once
    the final dot is written (to collect an answer sent ahead)."""
    message = build_message(
        connection, to, subject, text, html, unsubscribe_url, list_id
    )
    smtp = isinstance(connection, HandOffEmailBackend)
    if smtp:
        connection.hand_off = hand_off
    elif hand_off is not None:
        handed = hand_off()
        if not handed:
            raise ClaimLost()
        if callable(handed):
            handed()
    try:
        message.send()
    except ClaimLost:
        raise
    except (smtplib.SMTPException, OSError) as error:
        code = _smtp_code(error)
        permanent = bool(code) and 500 <= code < 600
        lost = (
            isinstance(error, smtplib.SMTPServerDisconnected)
            or not isinstance(error, smtplib.SMTPException)
            or code == SMTP_CLOSING
        )
        raise EmailSendError(
            _error_text(error),
            code=code or "network",
            permanent=permanent,
            connection_lost=lost,
        ) from error
    finally:
        if smtp:
            connection.hand_off = None


def _smtp_code(error):
    """The server's reply code, also when it refused the only recipient."""
    code = getattr(error, "smtp_code", None)
    if not code and getattr(error, "recipients", None):
        first = next(iter(error.recipients.values()))
        code = first[0] if isinstance(first, tuple) else None
    try:
        return int(code or 0)
    except (TypeError, ValueError):
        return 0


def _error_text(error):
    """The server's reply text, not the exception's repr: a refused
    recipient's exception is a dict keyed by the address."""
    reply = getattr(error, "smtp_error", None)
    if reply is None and getattr(error, "recipients", None):
        first = next(iter(error.recipients.values()))
        reply = first[1] if isinstance(first, tuple) else None
    if isinstance(reply, bytes):
        reply = reply.decode(errors="replace")
    code = _smtp_code(error)
    if reply:
        return f"{code} {reply}" if code else str(reply)
    return str(error) or type(error).__name__
