"""The outbox: where messages go when no SMTP server is configured, so
staff can open them in the admin instead."""

from django.core.mail.backends.base import BaseEmailBackend

from ..models import Channel, OutboxMessage


class OutboxEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        count = 0
        for message in email_messages:
            html = ""
            for content, mimetype in getattr(message, "alternatives", []):
                if mimetype == "text/html":
                    html = content
            for recipient in message.recipients():
                OutboxMessage.objects.create(
                    channel=Channel.EMAIL,
                    to=recipient,
                    subject=message.subject,
                    body=message.body,
                    html=html,
                    headers=dict(message.extra_headers),
                )
            count += 1
        return count
