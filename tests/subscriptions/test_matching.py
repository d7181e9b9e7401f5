from subscriptions.models import Delivery, OutboxMessage
from tests import factories


def test_a_parent_category_subscriber_is_told_of_a_child_category_warning(
    warning_index, django_capture_on_commit_callbacks, mailoutbox
):
    parent = factories.subscriber(categories=("toys",))
    other = factories.subscriber(categories=("food",))

    with django_capture_on_commit_callbacks(execute=True):
        page = factories.warning(categories=("toys-electric",))

    told = set(
        Delivery.objects.filter(notice__warning=page).values_list(
            "subscriber_id", "channel", "status"
        )
    )
    assert told == {(parent.pk, "email", "sent"), (parent.pk, "sms", "sent")}
    assert not Delivery.objects.filter(subscriber=other).exists()
    assert [m.to for m in mailoutbox] == [[parent.email]]
    assert OutboxMessage.objects.filter(channel="sms", to=parent.phone).count() == 1


def test_a_rerun_of_matching_writes_no_second_delivery(
    warning_index, django_capture_on_commit_callbacks
):
    from subscriptions import queries

    factories.subscriber()
    with django_capture_on_commit_callbacks(execute=True):
        page = factories.warning()
    notice = page.notices.get()

    again = queries.write_deliveries(notice)

    assert again == []
    assert Delivery.objects.filter(notice=notice).count() == 2


def test_an_unconfirmed_subscriber_is_told_nothing(
    warning_index, django_capture_on_commit_callbacks
):
    factories.subscriber(confirmed=False)

    with django_capture_on_commit_callbacks(execute=True):
        factories.warning()

    assert not Delivery.objects.exists()
