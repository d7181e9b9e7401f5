import pytest
from django.test import Client

from subscriptions.models import Delivery, Subscriber
from subscriptions.tokens import manage_token
from tests import factories


def manage_data(subscriber, **fields):
    data = {
        "email_active": "on" if subscriber.email_active else "",
        "sms_active": "on" if subscriber.sms_active else "",
        "new_email": "",
        "new_phone": "",
        "categories": list(subscriber.categories.values_list("pk", flat=True)),
        "max_level": str(subscriber.max_level),
        "audience": subscriber.audience,
        "wants_public_announcements": "on",
        "language": subscriber.language,
        "frequency": subscriber.frequency,
        "digest_time": "08:00",
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value not in ("", None)}


def test_the_manage_page_changes_categories_threshold_and_frequency(client, db):
    subscriber = factories.subscriber(categories=("toys",))
    token = manage_token(subscriber)
    food = factories.categories()["cosmetics"]

    response = client.post(
        f"/subscriptions/{token}/",
        manage_data(
            subscriber,
            categories=[food.pk],
            max_level="1",
            frequency="daily",
            digest_time="20:00",
        ),
    )

    assert response.status_code == 302
    subscriber.refresh_from_db()
    assert list(subscriber.categories.values_list("code", flat=True)) == ["cosmetics"]
    assert subscriber.max_level == 1
    assert subscriber.frequency == "daily"
    assert subscriber.digest_time.hour == 20


def test_turning_off_one_channel_keeps_the_other_and_both_off_is_leaving(client, db):
    subscriber = factories.subscriber()
    token = manage_token(subscriber)

    client.post(f"/subscriptions/{token}/", manage_data(subscriber, sms_active=""))
    subscriber.refresh_from_db()
    sms_off = (subscriber.email_active, subscriber.sms_active, subscriber.left_at)
    client.post(
        f"/subscriptions/{token}/",
        manage_data(subscriber, sms_active="", email_active=""),
    )
    subscriber.refresh_from_db()

    assert sms_off == (True, False, None)
    assert subscriber.left_at is not None


def test_a_new_email_on_the_manage_page_is_confirmed_before_use(client, db, mailoutbox):
    subscriber = factories.subscriber(email=False, phone=True)
    token = manage_token(subscriber)

    client.post(
        f"/subscriptions/{token}/",
        manage_data(subscriber, new_email="new@example.com"),
    )

    subscriber.refresh_from_db()
    assert subscriber.email == "new@example.com"
    assert subscriber.email_confirmed_at is None
    assert "/subscribe/confirm/" in mailoutbox[0].body


def test_a_forged_or_stale_manage_link_shows_nothing(client, db):
    subscriber = factories.subscriber()
    token = manage_token(subscriber)

    forged = client.get(f"/subscriptions/{token[:-2]}xx/")
    subscriber.manage_key = "rotated"
    subscriber.save()
    stale = client.get(f"/subscriptions/{token}/")

    assert forged.status_code == 404
    assert stale.status_code == 404
    assert subscriber.email not in stale.content.decode()


def test_deleting_everything_erases_the_addresses_but_keeps_delivery_counts(
    client, warning_index, django_capture_on_commit_callbacks
):
    subscriber = factories.subscriber()
    with django_capture_on_commit_callbacks(execute=True):
        factories.warning(categories=("toys-electric",))
    token = manage_token(subscriber)

    shown = client.get(f"/subscriptions/{token}/delete/")
    unchanged = Subscriber.objects.get(pk=subscriber.pk).email
    response = client.post(f"/subscriptions/{token}/delete/")

    erased = Subscriber.objects.get(pk=subscriber.pk)
    assert shown.status_code == 200
    assert unchanged == subscriber.email
    assert response.status_code == 200
    assert (erased.email, erased.phone, erased.erased_at is not None) == (
        None,
        None,
        True,
    )
    assert not erased.categories.exists()
    assert Delivery.objects.filter(subscriber=erased).count() == 2
    assert client.get(f"/subscriptions/{token}/").status_code == 404


def test_an_unsubscribe_get_only_shows_a_confirm_page(client, db):
    subscriber = factories.subscriber()

    response = client.get(f"/unsubscribe/{manage_token(subscriber)}/")

    subscriber.refresh_from_db()
    assert response.status_code == 200
    assert 'method="post"' in response.content.decode()
    assert subscriber.left_at is None
    assert subscriber.email_active and subscriber.sms_active


def test_a_one_click_post_without_cookies_or_csrf_unsubscribes_and_answers_200(db):
    subscriber = factories.subscriber()
    token = manage_token(subscriber)
    mail_client = Client(enforce_csrf_checks=True)
    assert not mail_client.cookies

    response = mail_client.post(
        f"/unsubscribe/{token}/",
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    subscriber.refresh_from_db()
    assert response.status_code == 200
    assert subscriber.left_at is not None
    assert not subscriber.email_active and not subscriber.sms_active


@pytest.mark.parametrize("token", ["badtoken", "forged:token:value", "stale"])
def test_a_one_click_post_with_a_bad_link_changes_nothing_and_says_so_as_get_does(
    db, token
):
    subscriber = factories.subscriber()
    if token == "stale":
        stale = manage_token(subscriber)
        subscriber.manage_key = "rotated-by-staff"
        subscriber.save(update_fields=["manage_key"])
        token = stale
    mail_client = Client(enforce_csrf_checks=True)

    posted = mail_client.post(f"/unsubscribe/{token}/", HTTP_ACCEPT_LANGUAGE="en")
    got = mail_client.get(f"/unsubscribe/{token}/", HTTP_ACCEPT_LANGUAGE="en")

    subscriber.refresh_from_db()
    assert posted.status_code == got.status_code == 404
    assert "This link is not valid" in posted.content.decode()
    assert subscriber.left_at is None
    assert subscriber.email_active and subscriber.sms_active


def test_the_token_rotates_when_used_to_unsubscribe(db):
    subscriber = factories.subscriber()
    token = manage_token(subscriber)
    mail_client = Client(enforce_csrf_checks=True)

    mail_client.post(f"/unsubscribe/{token}/")
    again = mail_client.post(f"/unsubscribe/{token}/")

    subscriber.refresh_from_db()
    assert manage_token(subscriber) != token
    assert again.status_code == 200
    assert mail_client.get(f"/subscriptions/{token}/").status_code == 404


def test_an_old_unsubscribe_link_is_invalid_once_the_person_subscribed_again(
    client, subscribe_form
):
    subscriber = factories.subscriber(email=True, phone=False)
    token = manage_token(subscriber)
    Client().post(f"/unsubscribe/{token}/")
    client.post("/subscribe/", subscribe_form(email=subscriber.email))

    response = Client().post(f"/unsubscribe/{token}/")

    subscriber.refresh_from_db()
    assert response.status_code == 404
    assert subscriber.left_at is None


def test_a_left_subscriber_who_subscribes_again_confirms_afresh(
    client, subscribe_form, mailoutbox
):
    subscriber = factories.subscriber(email=True, phone=False)
    Client().post(f"/unsubscribe/{manage_token(subscriber)}/")

    client.post("/subscribe/", subscribe_form(email=subscriber.email))

    subscriber.refresh_from_db()
    assert subscriber.left_at is None
    assert subscriber.email_confirmed_at is None
    assert "/subscribe/confirm/" in mailoutbox[0].body


def test_turning_texts_back_on_after_stop_says_to_text_start(client, db):
    from subscriptions.models import SmsOptOut

    subscriber = factories.subscriber(email=False)
    SmsOptOut.objects.create(phone=subscriber.phone, sender="outbox")
    token = manage_token(subscriber)

    response = client.post(
        f"/subscriptions/{token}/",
        manage_data(subscriber, sms_active="on"),
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert "Text START to outbox" in response.content.decode()


def test_a_new_email_another_subscriber_holds_in_other_case_is_not_taken(
    client, db, mailoutbox
):
    holder = factories.subscriber(email=True, phone=False)
    subscriber = factories.subscriber(email=False, phone=True)
    token = manage_token(subscriber)

    response = client.post(
        f"/subscriptions/{token}/",
        manage_data(subscriber, new_email=holder.email.upper()),
    )

    subscriber.refresh_from_db()
    assert response.status_code == 302
    assert subscriber.email is None
    assert mailoutbox == []


def test_an_old_code_confirms_nothing_once_the_subscriber_has_left(
    client, subscribe_form, sms_texts
):
    import re

    page = client.post("/subscribe/", subscribe_form(phone="13800138000"))
    verify = re.search(r'action="(/subscribe/verify/[^"]+)"', page.content.decode())[1]
    code = re.search(r"\b(\d{6})\b", sms_texts()[0])[1]
    subscriber = Subscriber.objects.get()

    Client().post(f"/unsubscribe/{manage_token(subscriber)}/")
    response = client.post(verify, {"code": code})

    subscriber.refresh_from_db()
    assert response.status_code == 200
    assert subscriber.phone_confirmed_at is None
    assert subscriber.left_at is not None


def test_a_category_id_too_large_for_the_database_is_refused_on_the_manage_page(
    client, db
):
    subscriber = factories.subscriber(categories=("toys",))
    token = manage_token(subscriber)

    response = client.post(
        f"/subscriptions/{token}/",
        manage_data(subscriber, categories=["9223372036854775808"]),
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 200
    assert "“9223372036854775808” is not a valid value." in response.content.decode()
    assert list(subscriber.categories.values_list("code", flat=True)) == ["toys"]
