"""Confirmation messages, on their own queue so no fan-out delays them.

Each task takes a subscriber id and returns early when nothing is due (the
address was confirmed meanwhile, or erased), so a rerun sends nothing
twice that should not go twice. Each message takes its slot of the
provider's rate limit like any notice: the provider counts them all."""

import logging

from celery import shared_task
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from . import queues, throttle
from .channels.email import open_connection, send_email
from .channels.sms import sms_provider
from .messages import absolute
from .models import Channel, Subscriber
from .signup import new_phone_code
from .tokens import email_confirmation_token, manage_token

logger = logging.getLogger(__name__)


def queue_confirmations(signup):
    """Queue what a subscribe request led to (see signup.Signup)."""
    subscriber_id = signup.subscriber.pk
    if signup.email_confirmation:
        send_email_confirmation.apply_async(
            args=[subscriber_id], queue=queues.VERIFICATION
        )
    if signup.phone_code:
        send_phone_code.apply_async(args=[subscriber_id], queue=queues.VERIFICATION)
    if signup.email_reminder:
        send_manage_link_by_email.apply_async(
            args=[subscriber_id], queue=queues.VERIFICATION
        )
    if signup.phone_reminder:
        send_manage_link_by_sms.apply_async(
            args=[subscriber_id], queue=queues.VERIFICATION
        )


def _send_one_email(subscriber, template, context):
    with translation.override(subscriber.language):
        subject = render_to_string(f"{template}_subject.txt", context).strip()
        text = render_to_string(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    connection = open_connection()
    try:
        throttle.wait_for_slot(Channel.EMAIL)
        send_email(connection, subscriber.email, subject, text, html)
    finally:
        connection.close()


@shared_task
def send_email_confirmation(subscriber_id):
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    if subscriber is None or not subscriber.email or subscriber.email_confirmed_at:
        return False

    token = email_confirmation_token(subscriber)
    confirm_url = absolute(reverse("subscriptions:confirm_email", args=[token]))
    _send_one_email(
        subscriber, "subscriptions/email/confirm", {"confirm_url": confirm_url}
    )
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
    throttle.wait_for_slot(Channel.SMS)
    sms_provider().send(subscriber.phone, settings.HERALD_SMS_SIGNATURE + body)
    logger.info(
        "Verification code sent to subscriber %s",
        subscriber.pk,
        extra={"subscriber_id": subscriber.pk},
    )
    return True


def _manage_url(subscriber):
    return absolute(reverse("subscriptions:manage", args=[manage_token(subscriber)]))


@shared_task
def send_manage_link_by_email(subscriber_id):
    """To a confirmed address someone subscribed again: its manage link, so
    the owner, and only the owner, can change their choices."""
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    if subscriber is None or not subscriber.email or not subscriber.email_confirmed_at:
        return False

    _send_one_email(
        subscriber,
        "subscriptions/email/confirm_known",
        {"manage_url": _manage_url(subscriber)},
    )
    logger.info(
        "Manage link sent by email to subscriber %s",
        subscriber.pk,
        extra={"subscriber_id": subscriber.pk},
    )
    return True


@shared_task
def send_manage_link_by_sms(subscriber_id):
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    if subscriber is None or not subscriber.phone or not subscriber.phone_confirmed_at:
        return False

    with translation.override(subscriber.language):
        body = render_to_string(
            "subscriptions/sms/manage_link.txt",
            {"manage_url": _manage_url(subscriber)},
        ).strip()
    throttle.wait_for_slot(Channel.SMS)
    sms_provider().send(subscriber.phone, settings.HERALD_SMS_SIGNATURE + body)
    logger.info(
        "Manage link sent by SMS to subscriber %s",
        subscriber.pk,
        extra={"subscriber_id": subscriber.pk},
    )
    return True
