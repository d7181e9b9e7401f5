"""Confirmation messages, on their own queue so no fan-out delays them."""

import logging

from celery import shared_task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from .channels.email import open_connection, send_email
from .channels.sms import sms_provider
from .messages import absolute
from .models import Subscriber
from .signup import new_phone_code
from .tokens import email_confirmation_token

logger = logging.getLogger(__name__)


@shared_task
def send_email_confirmation(subscriber_id):
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    if subscriber is None or not subscriber.email or subscriber.email_confirmed_at:
        return False

    token = email_confirmation_token(subscriber)
    context = {
        "confirm_url": absolute(reverse("subscriptions:confirm_email", args=[token]))
    }
    with translation.override(subscriber.language):
        subject = render_to_string("subscriptions/email/confirm_subject.txt").strip()
        text = render_to_string("subscriptions/email/confirm.txt", context)
        html = render_to_string("subscriptions/email/confirm.html", context)
    connection = open_connection()
    try:
        send_email(connection, subscriber.email, subject, text, html)
    finally:
        connection.close()
    logger.info(
        "Email confirmation sent to subscriber %s",
        subscriber.pk,
        extra={"subscriber_id": subscriber.pk},
    )
    return True


@shared_task
def send_phone_code(subscriber_id):
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    if subscriber is None or not subscriber.phone or subscriber.phone_confirmed_at:
        return False

    code = new_phone_code(subscriber)
    with translation.override(subscriber.language):
        body = render_to_string("subscriptions/sms/code.txt", {"code": code}).strip()
    from django.conf import settings

    sms_provider().send(subscriber.phone, settings.HERALD_SMS_SIGNATURE + body)
    logger.info(
        "Verification code sent to subscriber %s",
        subscriber.pk,
        extra={"subscriber_id": subscriber.pk},
    )
    return True
