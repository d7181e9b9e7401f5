"""Public subscription pages: subscribe, confirm, manage, leave. No account
and no JavaScript needed; every link carries a signed token instead."""

import logging
from math import ceil

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from . import ratelimits, signup
from .channels.sms import sms_provider
from .confirmations import queue_confirmations, send_email_confirmation, send_phone_code
from .forms import ConfirmCodeForm, ManageForm, SubscribeForm
from .models import Channel
from .privacy import erase_subscriber
from .ratelimits import RateLimited
from .tokens import (
    manage_token,
    phone_verification_token,
    subscriber_for_confirmation_token,
    subscriber_for_manage_token,
    subscriber_for_verification_token,
    subscriber_who_left_by_manage_token,
)

logger = logging.getLogger(__name__)

# HEAD is answered as GET, and like GET it changes nothing: only POST acts.
PAGE_METHODS = ["GET", "HEAD", "POST"]

CODE_ERRORS = {
    "expired": gettext_lazy(
        "This code has expired or was replaced: ask for a new one."
    ),
    "too_many": gettext_lazy("Too many wrong tries: ask for a new code."),
    "wrong": gettext_lazy("That code is not right: check the message and try again."),
}


# What a visitor is told when a limit refuses a message, by its scope.
LIMIT_REASONS = {
    "ip": gettext_lazy("Too many requests came from your connection."),
    "email": gettext_lazy(
        "This email address has had as many messages as we may send it for now."
    ),
    "phone": gettext_lazy(
        "This mobile number has had as many codes as we may send it for now."
    ),
    "country": gettext_lazy(
        "We have sent as many codes to numbers of this country as we may in one day."
    ),
    "code_ip": gettext_lazy("Too many codes were typed in from your connection."),
    ratelimits.UNAVAILABLE: gettext_lazy(
        "We cannot check our sending limits just now."
    ),
}


def wait_in_words(seconds):
    """A wait as a person says it: minutes up to an hour, then hours."""
    if seconds > 3600:
        hours = ceil(seconds / 3600)
        return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
    minutes = max(1, ceil(seconds / 60))
    return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {
        "count": minutes
    }


def rate_limited(request, refusal):
    """The 429 page: which limit refused, and when to come back."""
    if refusal.retry_after:
        when = _("Please try again in %(wait)s.") % {
            "wait": wait_in_words(refusal.retry_after)
        }
    else:
        when = _("Please try again in a few minutes.")
    response = render(
        request,
        "subscriptions/rate_limited.html",
        {
            "reason": LIMIT_REASONS.get(refusal.scope, LIMIT_REASONS["ip"]),
            "when": when,
        },
        status=429,
    )
    if refusal.retry_after:
        response["Retry-After"] = str(refusal.retry_after)
    return response


def link_invalid(request, status=404):
    return render(request, "subscriptions/link_invalid.html", status=status)


def current_language():
    return "en" if (get_language() or "").startswith("en") else "zh-hans"


@require_http_methods(PAGE_METHODS)
def subscribe(request):
    form = SubscribeForm(request.POST or None, initial={"language": current_language()})
    if request.method == "POST":
        try:
            # Only a form that would send a message counts against the
            # visitor's address: fixing typing mistakes costs nothing.
            if form.is_valid():
                ratelimits.count(request, "ip")
                ratelimits.check_before_sending(
                    request, form.cleaned_data["email"], form.cleaned_data["phone"]
                )
        except RateLimited as refusal:
            return rate_limited(request, refusal)
    if request.method != "POST" or not form.is_valid():
        return render(request, "subscriptions/subscribe.html", {"form": form})

    email, phone = form.cleaned_data["email"], form.cleaned_data["phone"]
    sms_sender = sms_provider().sender()
    try:
        results = signup.subscribe(form.cleaned_data, sms_sender)
        for result in results:
            ratelimits.count_sent(
                request,
                email=email
                if result.email_confirmation or result.email_reminder
                else None,
                phone=phone if result.phone_code or result.phone_reminder else None,
            )
    except RateLimited as refusal:
        return rate_limited(request, refusal)
    for result in results:
        queue_confirmations(result)

    # The same answer whether or not the address was known: it depends only
    # on what was typed, and on an opt-out the person must undo by text.
    holder = next(
        (r.subscriber for r in results if phone and r.subscriber.phone == phone), None
    )
    return render(
        request,
        "subscriptions/subscribe_sent.html",
        {
            "email": email,
            "phone": phone,
            "phone_opted_out": any(result.phone_opted_out for result in results),
            "sms_sender": sms_sender,
            "verify_token": phone_verification_token(holder, phone) if phone else None,
            "code_form": ConfirmCodeForm(),
        },
    )


@require_http_methods(PAGE_METHODS)
def confirm_email(request, token):
    """GET asks for a click, so a mail scanner following the link confirms
    no one; POST confirms."""
    subscriber = subscriber_for_confirmation_token(token)
    if subscriber is None:
        return link_invalid(request, status=400)
    if request.method != "POST" and not subscriber.email_confirmed_at:
        return render(request, "subscriptions/confirm_email.html", {"token": token})

    signup.confirm_email(subscriber)
    return render(
        request,
        "subscriptions/confirmed.html",
        {"subscriber": subscriber, "token": manage_token(subscriber)},
    )


@require_http_methods(PAGE_METHODS)
def verify_phone(request, token):
    """Where the 6-digit code is typed in, and a new one asked for."""
    subscriber = subscriber_for_verification_token(token)
    form = ConfirmCodeForm(request.POST if "code" in request.POST else None)
    context = {"token": token, "code_form": form}
    if request.method == "POST" and "resend" in request.POST:
        return _resend_code(request, subscriber, context)
    if request.method == "POST":
        try:
            ratelimits.count(request, "code_ip")
        except RateLimited as refusal:
            return rate_limited(request, refusal)
        if form.is_valid():
            ok, reason = (
                signup.check_phone_code(subscriber, form.cleaned_data["code"])
                if subscriber is not None
                else (False, "expired")
            )
            if ok:
                messages.success(request, _("Your mobile number is confirmed."))
                return redirect("subscriptions:manage", token=manage_token(subscriber))
            form.add_error("code", CODE_ERRORS[reason])
    return render(request, "subscriptions/verify_phone.html", context)


def _resend_code(request, subscriber, context):
    sender = sms_provider().sender()
    try:
        ratelimits.count(request, "ip")
        if subscriber is not None:
            ratelimits.check_before_sending(request, phone=subscriber.phone)
        due = subscriber is not None and signup.may_resend_code(subscriber, sender)
        if due:
            ratelimits.count_sent(request, phone=subscriber.phone)
    except RateLimited as refusal:
        return rate_limited(request, refusal)
    if due:
        send_phone_code.delay(subscriber.pk)
    context["resent"] = True
    return render(request, "subscriptions/verify_phone.html", context)


def _manage_initial(subscriber):
    return {
        **{name: getattr(subscriber, name) for name in signup.PREFERENCES},
        "digest_time": (subscriber.digest_time.strftime("%H:00"))
        if subscriber.digest_time
        else None,
        "origins": [str(code) for code in subscriber.origins],
        "categories": list(subscriber.categories.all()),
        "email_active": subscriber.email_active,
        "sms_active": subscriber.sms_active,
    }


@require_http_methods(PAGE_METHODS)
def manage(request, token):
    subscriber = subscriber_for_manage_token(token)
    if subscriber is None:
        return link_invalid(request)
    form = ManageForm(
        request.POST or None,
        initial=_manage_initial(subscriber),
        subscriber=subscriber,
    )
    if request.method == "POST" and form.is_valid():
        new_email = form.cleaned_data["new_email"]
        new_phone = form.cleaned_data["new_phone"]
        try:
            if new_email or new_phone:
                ratelimits.count(request, "ip")
                ratelimits.check_before_sending(request, new_email, new_phone)
        except RateLimited as refusal:
            return rate_limited(request, refusal)
        signup.update_preferences(subscriber, form.cleaned_data)
        messages.success(request, _("Your choices are saved."))
        sender = sms_provider().sender()
        if subscriber.sms_active and signup.phone_opted_out(subscriber.phone, sender):
            # Texts stay stopped until the number itself says START.
            messages.warning(request, opted_out_message(sender))
        phone_opted_out = bool(new_phone) and signup.phone_opted_out(new_phone, sender)
        try:
            email_due = bool(new_email) and signup.change_address(
                subscriber, Channel.EMAIL, new_email
            )
            phone_due = (
                bool(new_phone)
                and not phone_opted_out
                and signup.change_address(subscriber, Channel.SMS, new_phone)
            )
            ratelimits.count_sent(
                request,
                email=new_email if email_due else None,
                phone=new_phone if phone_due else None,
            )
        except RateLimited as refusal:
            return rate_limited(request, refusal)
        if email_due:
            send_email_confirmation.delay(subscriber.pk)
        if new_email:
            messages.info(
                request,
                _("Open the link we are sending to the new address to confirm it."),
            )
        if new_phone:
            if phone_opted_out:
                messages.warning(request, opted_out_message(sender))
            elif phone_due:
                send_phone_code.delay(subscriber.pk)
            subscriber.refresh_from_db()
            holder = subscriber if subscriber.phone == new_phone else None
            return redirect(
                "subscriptions:verify_phone",
                token=phone_verification_token(holder, new_phone),
            )
        return redirect("subscriptions:manage", token=token)
    return render(
        request,
        "subscriptions/manage.html",
        {
            "subscriber": subscriber,
            "token": token,
            "form": form,
            "verify_token": (
                phone_verification_token(subscriber, subscriber.phone)
                if subscriber.phone and not subscriber.phone_confirmed_at
                else None
            ),
        },
    )


def opted_out_message(sender):
    return _(
        "This number asked us to stop texting it. Text START to %(sender)s "
        "first, then ask for a new code."
    ) % {"sender": sender}


@require_http_methods(PAGE_METHODS)
def delete(request, token):
    """Delete everything Herald holds about the subscriber, after a click."""
    subscriber = subscriber_for_manage_token(token)
    if subscriber is None:
        return link_invalid(request)
    if request.method != "POST":
        return render(request, "subscriptions/delete.html", {"token": token})

    erase_subscriber(subscriber.pk)
    return render(request, "subscriptions/deleted.html")


@csrf_exempt
@require_http_methods(PAGE_METHODS)
def unsubscribe(request, token):
    """GET shows a confirm page and changes nothing (link scanners follow
    links); POST, with or without a session or CSRF token, unsubscribes:
    RFC 8058 one-click. The manage key rotates, voiding every link sent."""
    subscriber = subscriber_for_manage_token(token)
    if request.method != "POST":
        if subscriber is None:
            return link_invalid(request)
        return render(
            request,
            "subscriptions/unsubscribe.html",
            {
                "token": token,
                "manage_url": reverse("subscriptions:manage", args=[token]),
            },
        )

    if subscriber is not None:
        signup.unsubscribe_everything(subscriber)
    elif subscriber_who_left_by_manage_token(token) is None:
        # Told "unsubscribed" only when it is true: a repeated click (or a
        # mail provider's retry) after leaving is, a bad link is not.
        return link_invalid(request)
    return render(request, "subscriptions/unsubscribed.html")
