from subscriptions.models import Suppression
from tests import factories


def test_staff_find_a_subscriber_by_part_of_their_number_or_address(admin_client):
    wanted = factories.subscriber(email=True, phone=True)
    other = factories.subscriber()

    by_number = admin_client.get(
        "/admin/snippets/subscriptions/subscriber/", {"q": wanted.phone[-8:]}
    )
    by_email = admin_client.get(
        "/admin/snippets/subscriptions/subscriber/", {"q": wanted.email.upper()}
    )

    for response in (by_number, by_email):
        assert response.status_code == 200
        html = response.content.decode()
        assert f"Subscriber {wanted.pk}<" in html
        assert f"Subscriber {other.pk}<" not in html


def test_staff_see_a_subscribers_categories_and_deliveries(
    admin_client, warning_index, django_capture_on_commit_callbacks
):
    subscriber = factories.subscriber(categories=("toys",))
    with django_capture_on_commit_callbacks(execute=True):
        page = factories.warning(categories=("toys-electric",))

    response = admin_client.get(
        f"/admin/snippets/subscriptions/subscriber/inspect/{subscriber.pk}/",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "玩具" in html or "Toys" in html
    assert "2 deliveries" in html
    assert page.title in html


def test_staff_unsubscribe_a_bouncing_subscriber_and_suppress_the_address(
    admin_client, db
):
    subscriber = factories.subscriber()

    response = admin_client.post(
        f"/admin/subscriber-tools/{subscriber.pk}/unsubscribe/",
        {"suppress": "1", "reason": "hard bounce 550"},
    )

    subscriber.refresh_from_db()
    assert response.status_code == 302
    assert subscriber.left_at is not None
    assert set(Suppression.objects.values_list("channel", "address", "reason")) == {
        ("email", subscriber.email, "hard bounce 550"),
        ("sms", subscriber.phone, "hard bounce 550"),
    }


def test_the_counts_by_category_and_channel_count_a_parent_for_its_children(
    admin_client, db
):
    factories.subscriber(categories=("toys",), phone=False)
    factories.subscriber(categories=("toys-electric",), email=False)
    factories.subscriber(categories=("toys",), confirmed=False)

    response = admin_client.get("/admin/subscriber-tools/counts/")

    from subscriptions.wagtail_hooks import subscriber_counts

    rows = {row["category"].code: row for row in subscriber_counts()}
    assert response.status_code == 200
    assert (rows["toys"]["email"], rows["toys"]["sms"]) == (1, 0)
    electric = rows["toys-electric"]
    assert (electric["email"], electric["sms"]) == (0, 1)
    assert (electric["email_reached"], electric["sms_reached"]) == (1, 1)


def test_the_suppression_list_and_port_lists_are_kept_in_the_admin(admin_client, db):
    for url in (
        "/admin/snippets/subscriptions/suppression/",
        "/admin/snippets/subscriptions/recipientlist/",
        "/admin/snippets/subscriptions/suppression/add/",
        "/admin/snippets/subscriptions/recipientlist/add/",
    ):
        assert admin_client.get(url).status_code == 200


def test_someone_without_admin_access_cannot_unsubscribe_anyone(client, db):
    subscriber = factories.subscriber()

    response = client.post(f"/admin/subscriber-tools/{subscriber.pk}/unsubscribe/")

    subscriber.refresh_from_db()
    assert response.status_code == 302
    assert subscriber.left_at is None


def test_staff_add_a_port_contact_who_is_taken_as_confirmed_with_a_normalised_number(
    admin_client, db
):
    toys = factories.categories()["toys"]

    response = admin_client.post(
        "/admin/snippets/subscriptions/subscriber/add/",
        {
            "email": "",
            "phone": "138 0013 8000",
            "audience": "port",
            "categories": [toys.pk],
            "max_level": "4",
            "wants_public_announcements": "on",
            "frequency": "immediate",
            "language": "zh-hans",
            "email_active": "on",
            "sms_active": "on",
        },
    )

    from subscriptions.models import RecipientList, Subscriber

    assert response.status_code == 302, response.content.decode()[:3000]
    contact = Subscriber.objects.get(phone="+8613800138000")
    assert contact.phone_confirmed_at is not None
    RecipientList.objects.create(name="上海港").members.add(contact)
    assert contact.lists.count() == 1


def test_a_port_contact_can_save_their_choices_on_the_manage_page(client, db):
    from subscriptions.tokens import manage_token

    contact = factories.subscriber(audience="port", categories=("toys",))
    token = manage_token(contact)

    response = client.post(
        f"/subscriptions/{token}/",
        {
            "email_active": "on",
            "sms_active": "on",
            "categories": list(contact.categories.values_list("pk", flat=True)),
            "max_level": "2",
            "audience": "port",
            "wants_public_announcements": "on",
            "language": "zh-hans",
            "frequency": "immediate",
        },
    )

    contact.refresh_from_db()
    assert response.status_code == 302
    assert (contact.audience, contact.max_level) == ("port", 2)
