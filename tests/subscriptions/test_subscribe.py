import re

import pytest
from freezegun import freeze_time

from alerts.models import ProductCategory
from subscriptions.models import SmsOptOut, Subscriber
from tests import factories


def code_in(text):
    return re.search(r"\b(\d{6})\b", text).group(1)


def test_subscribing_by_email_keeps_a_pending_subscriber_and_sends_only_a_link(
    client, subscribe_form, mailoutbox
):
    response = client.post(
        "/subscribe/", subscribe_form(email="Parent@Example.COM", max_level="2")
    )

    assert response.status_code == 200
    subscriber = Subscriber.objects.get()
    assert subscriber.email == "Parent@example.com"
    assert subscriber.email_confirmed_at is None
    assert subscriber.max_level == 2
    assert [c.code for c in subscriber.categories.all()] == ["toys"]
    assert len(mailoutbox) == 1
    assert "/subscribe/confirm/" in mailoutbox[0].body


def test_subscribing_by_phone_stores_e164_and_texts_a_six_digit_code(
    client, subscribe_form, sms_texts
):
    response = client.post("/subscribe/", subscribe_form(phone="138 0013 8000"))

    assert response.status_code == 200
    subscriber = Subscriber.objects.get()
    assert subscriber.phone == "+8613800138000"
    [text] = sms_texts("+8613800138000")
    assert code_in(text)
    assert "/subscribe/verify/" in response.content.decode()


@pytest.mark.parametrize(
    ("phone", "message"),
    [
        ("12345", "not a valid phone number"),
        ("010 6552 9988", "cannot receive text messages"),
        ("call me", "Enter a mobile number"),
    ],
)
def test_a_bad_number_is_refused_with_a_message_saying_what_to_fix(
    client, subscribe_form, phone, message
):
    response = client.post(
        "/subscribe/", subscribe_form(phone=phone), HTTP_ACCEPT_LANGUAGE="en"
    )

    assert message in response.content.decode()
    assert not Subscriber.objects.exists()


def test_a_form_without_any_address_asks_for_one(client, subscribe_form):
    response = client.post("/subscribe/", subscribe_form(), HTTP_ACCEPT_LANGUAGE="en")

    assert "Give an email address, a mobile number, or both." in (
        response.content.decode()
    )


def test_a_parent_chosen_with_its_children_is_stored_alone(client, subscribe_form):
    toys = ProductCategory.objects.get(code="toys")
    children = list(toys.children.values_list("pk", flat=True))
    food_child = ProductCategory.objects.filter(parent__code="electrical").first()

    client.post(
        "/subscribe/",
        subscribe_form(
            email="a@example.com", categories=[toys.pk, *children, food_child.pk]
        ),
    )

    stored = set(Subscriber.objects.get().categories.values_list("code", flat=True))
    assert stored == {"toys", food_child.code}


def test_the_form_shows_categories_as_a_tree_of_parents_and_children(client, db):
    response = client.get("/subscribe/", HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    toys = ProductCategory.objects.get(code="toys")
    electric = ProductCategory.objects.get(code="toys-electric")
    parent_at = html.index(f'value="{toys.pk}"')
    child_at = html.index(f'value="{electric.pk}"')
    nested = html[parent_at:child_at]
    assert "<ul>" in nested
    assert "Electric toys" in html


def ids_in(html):
    return set(re.findall(r'\bid="([^"]+)"', html))


def described_by(html):
    return {
        target
        for value in re.findall(r'aria-describedby="([^"]*)"', html)
        for target in value.split()
    }


def test_every_aria_describedby_of_the_subscribe_and_manage_pages_names_an_element(
    client, db
):
    from subscriptions.tokens import manage_token

    token = manage_token(factories.subscriber())

    for address in ("/subscribe/", f"/subscriptions/{token}/"):
        html = client.get(address).content.decode()

        assert described_by(html), address
        assert described_by(html) - ids_in(html) == set(), address


def test_only_a_category_with_children_says_it_covers_everything_in_it(client, db):
    html = client.get("/subscribe/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    def label(code):
        pk = ProductCategory.objects.get(code=code).pk
        return re.search(rf'<label for="category-{pk}">.*?</label>', html)[0]

    assert ProductCategory.objects.get(code="toys").children.exists()
    assert not ProductCategory.objects.get(code="furniture").children.exists()
    assert "(everything in it)" in label("toys")
    assert "(everything in it)" not in label("furniture")


def test_a_consumer_cannot_choose_trade_advisories_or_port_bulletins(
    client, subscribe_form
):
    client.post(
        "/subscribe/",
        subscribe_form(email="a@example.com", wants_trade_advisories="on"),
    )
    port = client.post(
        "/subscribe/", subscribe_form(email="b@example.com", audience="port")
    )

    consumer = Subscriber.objects.get(email="a@example.com")
    assert consumer.wants_trade_advisories is False
    assert consumer.audience == "public"
    assert port.status_code == 200
    assert not Subscriber.objects.filter(email="b@example.com").exists()


def test_a_business_may_choose_trade_advisories_origins_and_a_daily_digest(
    client, subscribe_form
):
    client.post(
        "/subscribe/",
        subscribe_form(
            email="buyer@example.com",
            audience="business",
            wants_trade_advisories="on",
            origins=["DE", "JP"],
            frequency="daily",
            digest_time="18:00",
            language="en",
        ),
    )

    subscriber = Subscriber.objects.get()
    assert subscriber.audience == "business"
    assert subscriber.wants_trade_advisories is True
    assert sorted(str(code) for code in subscriber.origins) == ["DE", "JP"]
    assert subscriber.frequency == "daily"
    assert subscriber.digest_time.hour == 18
    assert subscriber.language == "en"


def test_a_second_subscribe_updates_the_pending_one_without_a_second_message(
    client, subscribe_form, mailoutbox
):
    client.post("/subscribe/", subscribe_form(email="a@example.com"))

    client.post("/subscribe/", subscribe_form(email="a@example.com", max_level="1"))

    assert Subscriber.objects.get().max_level == 1
    assert len(mailoutbox) == 1


def test_a_confirmation_goes_again_after_a_minute(client, subscribe_form, mailoutbox):
    with freeze_time("2026-06-01 10:00:00") as clock:
        client.post("/subscribe/", subscribe_form(email="a@example.com"))
        clock.tick(61)

        client.post("/subscribe/", subscribe_form(email="a@example.com"))

    assert len(mailoutbox) == 2


def test_the_answer_is_the_same_whether_or_not_the_address_is_subscribed(
    client, subscribe_form, mailoutbox
):
    known = factories.subscriber(email=True, phone=False)
    unknown_page = client.post(
        "/subscribe/", subscribe_form(email="stranger@example.com")
    )

    known_page = client.post("/subscribe/", subscribe_form(email=known.email))

    def visible(response):
        html = response.content.decode()
        html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
        return html

    assert visible(known_page) == visible(unknown_page)


def test_a_known_confirmed_address_gets_its_manage_link_and_keeps_its_choices(
    client, subscribe_form, mailoutbox
):
    known = factories.subscriber(email=True, phone=False, max_level=4)

    client.post("/subscribe/", subscribe_form(email=known.email, max_level="1"))

    known.refresh_from_db()
    assert known.max_level == 4
    [message] = mailoutbox
    assert "/subscriptions/" in message.body
    assert "/subscribe/confirm/" not in message.body


def test_an_opted_out_number_is_told_to_text_start_instead_of_a_silent_failure(
    client, subscribe_form, sms_texts
):
    SmsOptOut.objects.create(phone="+8613800138000", sender="outbox")

    response = client.post(
        "/subscribe/",
        subscribe_form(phone="13800138000"),
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert "Text START to outbox" in response.content.decode()
    assert sms_texts() == []


def test_the_subscribe_page_is_in_chinese_by_default_and_english_on_request(client, db):
    chinese = client.get("/subscribe/").content.decode()
    english = client.get("/subscribe/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "玩具" in chinese
    assert "Toys" in english
    assert "<script" not in chinese


def test_the_answer_for_a_number_tells_no_one_whether_it_is_subscribed(
    client, subscribe_form, sms_texts
):
    known = factories.subscriber(email=False, phone=True)

    known_page = client.post("/subscribe/", subscribe_form(phone=known.phone))
    new_page = client.post("/subscribe/", subscribe_form(phone="+8613900139000"))

    def visible(response):
        html = response.content.decode()
        html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
        return re.sub(r"/subscribe/verify/[^/]+/", "/subscribe/verify/HANDLE/", html)

    handles = [
        re.search(r"/subscribe/verify/([^/]+)/", page.content.decode())[1]
        for page in (known_page, new_page)
    ]
    assert visible(known_page) == visible(new_page)
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{32}", handle) for handle in handles)


def test_every_mistake_is_listed_above_the_form_with_what_to_fix(
    client, subscribe_form
):
    data = subscribe_form(email="parent@example.com")
    data["max_level"] = "9"

    response = client.post("/subscribe/", data, HTTP_ACCEPT_LANGUAGE="en")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Please fix the following" in page
    assert 'href="#id_max_level"' in page


def test_an_address_typed_in_another_case_is_the_same_subscriber_with_one_message(
    client, subscribe_form, mailoutbox
):
    spellings = [
        "Parent@example.com",
        "parent@example.com",
        "PARENT@EXAMPLE.COM",
        "pArEnT@Example.com",
    ]

    for spelling in spellings:
        client.post("/subscribe/", subscribe_form(email=spelling))

    assert Subscriber.objects.count() == 1
    assert Subscriber.objects.get().email == "Parent@example.com"
    assert len(mailoutbox) == 1


def test_no_two_subscribers_may_hold_one_address_in_different_case(db):
    from django.core.exceptions import ValidationError
    from django.db import IntegrityError, transaction
    from django.utils import translation

    known = factories.subscriber(email=True, phone=False)
    twin = Subscriber(email=known.email.upper())

    with pytest.raises(ValidationError) as told, translation.override("en"):
        twin.full_clean(exclude=["categories"])
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()

    assert "Another subscriber has this email address." in str(told.value)
    assert Subscriber.objects.count() == 1


def test_the_migration_keeps_one_subscriber_per_address_whatever_its_case(db):
    from importlib import import_module

    from django.apps import apps
    from django.db import connection

    migration = import_module("subscriptions.migrations.0004_s_email_any_case")
    # The rows a database held before the constraint existed.
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX {migration.CONSTRAINT}")
    pending = Subscriber.objects.create(email="Twice@example.com")
    pending.categories.set(ProductCategory.objects.filter(code="toys"))
    confirmed = factories.subscriber(email=True, phone=False)
    Subscriber.objects.filter(pk=confirmed.pk).update(email="twice@example.com")
    with_phone = factories.subscriber(email=True, phone=True)
    Subscriber.objects.filter(pk=with_phone.pk).update(
        email="TWICE@example.com", email_confirmed_at=None
    )
    alone = factories.subscriber(email=True, phone=False)

    migration.keep_one_subscriber_per_address(apps, None)

    rows = {s.pk: s for s in Subscriber.objects.all()}
    assert rows[confirmed.pk].email == "twice@example.com"
    assert rows[pending.pk].email is None
    assert rows[pending.pk].erased_at is not None
    assert not rows[pending.pk].categories.exists()
    assert rows[with_phone.pk].email is None
    assert rows[with_phone.pk].phone and rows[with_phone.pk].erased_at is None
    assert rows[alone.pk].email == alone.email


def visible_page(response):
    """What a visitor sees, less the parts that differ on every request."""
    html = response.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return re.sub(r"/subscribe/verify/[^/]+/", "/subscribe/verify/HANDLE/", html)


def test_a_number_that_texted_stop_is_told_to_text_start_while_email_stays_on(
    client, subscribe_form, sms_texts, mailoutbox
):
    subscriber = factories.subscriber(email=True, phone=True)
    SmsOptOut.objects.create(phone=subscriber.phone, sender="outbox")
    Subscriber.objects.filter(pk=subscriber.pk).update(sms_active=False)

    by_number = client.post(
        "/subscribe/",
        subscribe_form(phone=subscriber.phone),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    by_both = client.post(
        "/subscribe/",
        subscribe_form(email=subscriber.email, phone=subscriber.phone),
        HTTP_ACCEPT_LANGUAGE="en",
    )

    for page in (by_number, by_both):
        assert "Text START to outbox" in page.content.decode()
        assert "We are sending a 6-digit code" not in page.content.decode()
    assert sms_texts() == []


def test_the_stop_hint_does_not_tell_a_confirmed_number_from_a_new_one(
    client, subscribe_form, sms_texts
):
    confirmed = factories.subscriber(email=True, phone=True)
    for phone in (confirmed.phone, "+8613900139000"):
        SmsOptOut.objects.create(phone=phone, sender="outbox")

    known_page = client.post("/subscribe/", subscribe_form(phone=confirmed.phone))
    new_page = client.post("/subscribe/", subscribe_form(phone="+8613900139000"))

    assert visible_page(known_page) == visible_page(new_page)
    assert sms_texts() == []


def test_an_email_pending_on_one_subscriber_and_a_number_on_another_both_get_theirs(
    client, subscribe_form, sms_texts, mailoutbox, freezer_minutes
):
    client.post("/subscribe/", subscribe_form(email="a@example.com"))
    client.post("/subscribe/", subscribe_form(phone="13800138000"))
    freezer_minutes(2)

    page = client.post(
        "/subscribe/", subscribe_form(email="a@example.com", phone="13800138000")
    )
    verify = re.search(r'action="(/subscribe/verify/[^"]+)"', page.content.decode())
    confirmed = client.post(verify[1], {"code": code_in(sms_texts()[-1])})

    assert len(mailoutbox) == 2
    assert len(sms_texts("+8613800138000")) == 2
    assert confirmed.status_code == 302
    holder = Subscriber.objects.get(phone="+8613800138000")
    assert holder.phone_confirmed_at is not None
    assert holder.email is None


def test_no_one_attaches_their_number_to_someone_elses_pending_address(
    client, subscribe_form, sms_texts, mailoutbox, freezer_minutes
):
    # Given someone subscribed an address and has not confirmed it yet
    client.post("/subscribe/", subscribe_form(email="victim@example.com"))
    [invitation] = mailoutbox
    freezer_minutes(2)

    # When a stranger subscribes that address with their own number, and
    # a new address with another number
    known_page = client.post(
        "/subscribe/",
        subscribe_form(email="victim@example.com", phone="13800138000"),
    )
    new_page = client.post(
        "/subscribe/",
        subscribe_form(email="nobody@example.com", phone="13900139000"),
    )
    verify = re.search(
        r'action="(/subscribe/verify/[^"]+)"', known_page.content.decode()
    )[1]
    client.post(verify, {"code": code_in(sms_texts("+8613800138000")[0])})
    link = re.search(r"http://testserver(/subscribe/confirm/\S+)", invitation.body)[1]
    client.post(link)

    # Then the stranger's number is a subscriber of its own, the address
    # stays its owner's, and the answers could not tell them apart
    victim = Subscriber.objects.get(email="victim@example.com")
    stranger = Subscriber.objects.get(phone="+8613800138000")
    assert victim.pk != stranger.pk
    assert victim.phone is None and victim.email_confirmed_at is not None
    assert stranger.email is None and stranger.phone_confirmed_at is not None
    assert visible_page(known_page) == visible_page(new_page)


def test_a_second_subscribe_with_the_same_number_within_a_minute_sends_no_code(
    client, subscribe_form, sms_texts
):
    with freeze_time("2026-06-01 10:00:00") as clock:
        client.post("/subscribe/", subscribe_form(phone="13800138000"))
        clock.tick(59)
        client.post(
            "/subscribe/", subscribe_form(phone="+86 138 0013 8000", max_level="1")
        )
        within_a_minute = len(sms_texts())
        clock.tick(2)

        client.post("/subscribe/", subscribe_form(phone="13800138000"))

    assert within_a_minute == 1
    assert len(sms_texts("+8613800138000")) == 2
    assert Subscriber.objects.count() == 1


@pytest.mark.parametrize(
    "category", ["abc", "9223372036854775808", "-9223372036854775809"]
)
def test_a_category_that_is_no_id_is_refused_as_an_invalid_choice(
    client, subscribe_form, category
):
    data = subscribe_form(email="a@b.cn", categories=[category])

    response = client.post("/subscribe/", data, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert f"“{category}” is not a valid value." in response.content.decode()
    assert not Subscriber.objects.exists()
