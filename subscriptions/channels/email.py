"""Email through Django's configured backend: SMTP in production, the
outbox by default."""

from email.header import Header

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection


class EmailSendError(Exception):
    """A send that failed. `permanent` says whether a retry can help."""

    def __init__(self, message, code="", permanent=False):
        super().__init__(message)
        self.code = str(code)
        self.permanent = permanent


def open_connection():
    """One connection for a chunk of messages."""
    connection = get_connection(fail_silently=False)
    connection.open()
    return connection


def clean_header(value):
    """Header values never carry a line break, whatever an editor typed."""
    return " ".join(str(value).split())


def send_email(connection, to, subject, text, html, unsubscribe_url=None, list_id=None):
    headers = {}
    if unsubscribe_url:
        headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    if list_id:
        headers["List-Id"] = Header(list_id, "utf-8").encode()
    message = EmailMultiAlternatives(
        subject=clean_header(subject),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers=headers,
        connection=connection,
    )
    message.attach_alternative(html, "text/html")
    try:
        message.send()
    except Exception as error:  # smtplib's errors carry the reply code
        code = getattr(error, "smtp_code", "") or ""
        if not code and getattr(error, "recipients", None):
            first = next(iter(error.recipients.values()))
            code = first[0] if isinstance(first, tuple) else ""
        permanent = bool(code) and 500 <= int(code) < 600
        raise EmailSendError(str(error), code=code, permanent=permanent) from error
