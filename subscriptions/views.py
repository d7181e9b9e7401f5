"""Public subscription pages: subscribe, confirm, manage, leave. No account
and no JavaScript needed."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from alerts.models import ProductCategory

from . import signup
from .confirmations import send_email_confirmation, send_phone_code
from .forms import ConfirmCodeForm, SubscribeForm
from .tokens import (
    manage_token,
    subscriber_for_confirmation_token,
    subscriber_for_manage_token,
)


@require_http_methods(["GET", "POST"])
def subscribe(request):
    form = SubscribeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        subscriber, send_email, send_code = signup.subscribe(form.cleaned_data)
        if send_email:
            send_email_confirmation.delay(subscriber.pk)
        if send_code:
            send_phone_code.delay(subscriber.pk)
        # The same answer whether or not the address was known.
        return render(
            request,
            "subscriptions/subscribe_sent.html",
            {
                "email": bool(form.cleaned_data.get("email")),
                "phone": bool(form.cleaned_data.get("phone")),
                "token": manage_token(subscriber),
                "code_form": ConfirmCodeForm(),
            },
        )
    return render(
        request,
        "subscriptions/subscribe.html",
        {"form": form, "categories": ProductCategory.objects.all()},
    )


def confirm_email(request, token):
    subscriber = subscriber_for_confirmation_token(token)
    if subscriber is None:
        return render(request, "subscriptions/link_invalid.html", status=400)
    signup.confirm_email(subscriber)
    return render(
        request,
        "subscriptions/confirmed.html",
        {"subscriber": subscriber, "token": manage_token(subscriber)},
    )


@require_http_methods(["GET", "POST"])
def manage(request, token):
    subscriber = subscriber_for_manage_token(token)
    if subscriber is None:
        raise Http404(_("This link is no longer valid."))
    code_form = ConfirmCodeForm(request.POST if "code" in request.POST else None)
    if request.method == "POST" and "code" in request.POST:
        if code_form.is_valid():
            ok, reason = signup.check_phone_code(
                subscriber, code_form.cleaned_data["code"]
            )
            if ok:
                messages.success(request, _("Your mobile number is confirmed."))
                return redirect("subscriptions:manage", token=token)
            code_form.add_error(
                "code",
                {
                    "expired": _("This code has expired: ask for a new one."),
                    "too_many": _("Too many tries: ask for a new code."),
                    "wrong": _(
                        "That code is not right: check the message and try again."
                    ),
                }[reason],
            )
    return render(
        request,
        "subscriptions/manage.html",
        {"subscriber": subscriber, "token": token, "code_form": code_form},
    )


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """GET shows a confirm page and changes nothing (link scanners follow
    links); POST, with or without a session or CSRF token, unsubscribes:
    RFC 8058 one-click."""
    subscriber = subscriber_for_manage_token(token)
    if request.method == "GET":
        if subscriber is None:
            return render(request, "subscriptions/link_invalid.html", status=404)
        return render(request, "subscriptions/unsubscribe.html", {"token": token})
    if subscriber is not None:
        signup.unsubscribe_everything(subscriber)
    return render(request, "subscriptions/unsubscribed.html")
