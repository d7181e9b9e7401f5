from alerts.models import Notice
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


def _matched(page, channel="email", notice=None):
    from subscriptions import queries

    notice = notice or page.notices.order_by("-sequence").first()
    return set(
        queries.matching_subscribers(notice, channel).values_list("pk", flat=True)
    )


def test_the_level_threshold_keeps_a_minor_warning_from_those_wanting_serious_ones(
    warning_index,
):
    everything = factories.subscriber(max_level=4)
    serious_only = factories.subscriber(max_level=2)

    minor = factories.warning(level=3)
    serious = factories.warning(level=2)

    assert _matched(minor) == {everything.pk}
    assert _matched(serious) == {everything.pk, serious_only.pk}


def test_kinds_reach_only_those_who_want_them(warning_index):
    from subscriptions.models import RecipientList

    consumer = factories.subscriber()
    trader = factories.subscriber(
        wants_public_announcements=False, wants_trade_advisories=True
    )
    port_officer = factories.subscriber(audience="port")
    unlisted_officer = factories.subscriber(audience="port")
    RecipientList.objects.create(name="Shanghai port").members.add(port_officer)

    advisory = factories.warning(kind="trade_advisory")
    bulletin = factories.warning(kind="port_bulletin")
    announcement = factories.warning(kind="public_announcement")

    assert _matched(advisory) == {trader.pk}
    assert _matched(bulletin) == {port_officer.pk}
    assert consumer.pk in _matched(announcement)
    assert unlisted_officer.pk in _matched(announcement)
    assert trader.pk not in _matched(announcement)


def test_origins_narrow_a_subscription_and_an_empty_list_means_any(warning_index):
    any_origin = factories.subscriber()
    german_goods = factories.subscriber(origins=["DE"])
    chinese_goods = factories.subscriber(origins=["CN", "VN"])

    page = factories.warning(origins=["CN"])

    assert _matched(page) == {any_origin.pk, chinese_goods.pk}
    assert german_goods.pk not in _matched(page)


def test_opted_out_suppressed_left_and_switched_off_addresses_are_not_matched(
    warning_index,
):
    from django.utils import timezone

    from subscriptions.models import SmsOptOut, Suppression

    reachable = factories.subscriber()
    opted_out = factories.subscriber()
    bounced = factories.subscriber()
    departed = factories.subscriber(left_at=timezone.now())
    sms_off = factories.subscriber(sms_active=False)
    SmsOptOut.objects.create(phone=opted_out.phone, sender="outbox")
    Suppression.objects.create(channel="email", address=bounced.email)

    page = factories.warning()

    assert _matched(page, "sms") == {reachable.pk, bounced.pk}
    assert _matched(page, "email") == {reachable.pk, opted_out.pk, sms_off.pk}
    assert departed.pk not in _matched(page, "email") | _matched(page, "sms")


def test_a_stop_sent_to_another_of_our_senders_does_not_silence_this_one(
    warning_index, settings
):
    from subscriptions.models import SmsOptOut

    stopped_here = factories.subscriber()
    stopped_elsewhere = factories.subscriber()
    settings.HERALD_SMS_PROVIDER = "tests.subscriptions.providers.ScriptedSmsProvider"
    SmsOptOut.objects.create(phone=stopped_here.phone, sender="MGtest")
    SmsOptOut.objects.create(phone=stopped_elsewhere.phone, sender="+15005550006")

    page = factories.warning()

    assert _matched(page, "sms") == {stopped_elsewhere.pk}


def _told(notice, channel):
    """The ids of the subscribers a notice wrote a delivery for on a channel."""
    return set(
        Delivery.objects.filter(notice=notice, channel=channel).values_list(
            "subscriber_id", flat=True
        )
    )


def test_an_adjustment_and_a_lifting_reach_the_told_even_when_they_match_no_more(
    warning_index, django_capture_on_commit_callbacks
):
    told = factories.subscriber(max_level=1)
    with django_capture_on_commit_callbacks(execute=True):
        page = factories.warning(level=1)
    untold = factories.subscriber(max_level=1)

    # Level III is past both thresholds; then the told one drops the
    # category, so only having been told can still reach them.
    with django_capture_on_commit_callbacks(execute=True):
        factories.change_level(page, 3)
    told.categories.clear()
    with django_capture_on_commit_callbacks(execute=True):
        factories.lift(page)

    by_notice = {notice.kind: _told(notice, "sms") for notice in page.notices.all()}
    assert by_notice == {
        "publication": {told.pk},
        "adjustment": {told.pk},
        "lifting": {told.pk},
    }
    assert not Delivery.objects.filter(subscriber=untold).exists()


def test_a_level_raised_to_one_also_reaches_those_who_want_only_level_one(
    warning_index, django_capture_on_commit_callbacks
):
    told = factories.subscriber(max_level=3)
    newly_matching = factories.subscriber(max_level=1)
    never = factories.subscriber(categories=("food",))
    with django_capture_on_commit_callbacks(execute=True):
        page = factories.warning(level=3)

    with django_capture_on_commit_callbacks(execute=True):
        factories.change_level(page, 1)
    with django_capture_on_commit_callbacks(execute=True):
        factories.lift(page)

    by_notice = {notice.kind: _told(notice, "email") for notice in page.notices.all()}
    assert by_notice == {
        "publication": {told.pk},
        "adjustment": {told.pk, newly_matching.pk},
        "lifting": {told.pk, newly_matching.pk},
    }
    assert not Delivery.objects.filter(subscriber=never).exists()


def test_a_daily_digest_subscriber_is_held_for_the_digest_but_never_for_level_one(
    warning_index, django_capture_on_commit_callbacks
):
    daily = factories.subscriber(frequency="daily")

    with django_capture_on_commit_callbacks(execute=True):
        minor = factories.warning(level=4)
        urgent = factories.warning(level=1)

    held = dict(
        Delivery.objects.filter(subscriber=daily, channel="email").values_list(
            "notice__warning_id", "digest"
        )
    )
    assert held == {minor.pk: True, urgent.pk: False}
    assert Delivery.objects.get(notice__warning=minor, channel="email").status == (
        "queued"
    )


def test_a_suppressed_mailbox_is_not_matched_whatever_case_either_was_typed_in(
    warning_index,
):
    from subscriptions.models import Subscriber, Suppression

    bounced = factories.subscriber()
    Subscriber.objects.filter(pk=bounced.pk).update(email="Bounced.Parent@Example.com")
    Suppression.objects.create(channel="email", address="bounced.parent@EXAMPLE.com")

    page = factories.warning()

    assert bounced.pk not in _matched(page, "email")
    assert bounced.pk in _matched(page, "sms")


def test_a_subscriber_following_a_category_and_its_parent_is_matched_once(
    warning_index,
):
    from subscriptions import queries

    both = factories.subscriber(categories=("toys", "toys-electric"))
    notice = factories.warning(categories=("toys-electric",)).notices.get()

    # Counted as one reader (the staff report and the urgent check count so),
    # and written once per channel.
    for channel in ("email", "sms"):
        matched = queries.matching_subscribers(notice, channel)
        assert list(matched.values_list("pk", flat=True)) == [both.pk]
        assert matched.count() == 1
    assert len(queries.write_deliveries(notice)) == 2


def _queued_while_writing(monkeypatch):
    """Record, for each chunk queued for sending, its ids and how many
    delivery rows existed when it was queued."""
    from subscriptions import tasks

    queued = []

    def record(args, **kwargs):
        queued.append((list(args[0]), Delivery.objects.count()))

    monkeypatch.setattr(tasks.send_deliveries, "apply_async", record)
    return queued


def test_a_big_notice_queues_its_first_wave_at_once_and_the_rest_once_all_is_written(
    settings, warning_index, monkeypatch
):
    from subscriptions.tasks import dispatch_notice

    settings.HERALD_DISPATCH_FIRST_SLICE = 2
    settings.HERALD_DISPATCH_SLICE = 3
    settings.HERALD_DISPATCH_FIRST_WAVE = 4
    settings.HERALD_SEND_CHUNK_SIZE = 5
    people = [factories.subscriber() for _ in range(8)]
    factories.subscriber(categories=("food",))
    page = factories.warning(level=1)
    notice = page.notices.get()
    queued = _queued_while_writing(monkeypatch)

    assert dispatch_notice(notice.pk) == 16

    # Two subscribers with two channels each in the first slice: their four
    # messages leave before the next slice is written. The next slice (six
    # messages) would take the first wave past four, so it and the last one
    # wait until every row is written.
    first, *rest = queued
    assert first[1] == 4
    assert len(first[0]) == 4
    assert rest and all(rows == 16 for _ids, rows in rest)
    sent_ids = [pk for ids, _rows in queued for pk in ids]
    assert sorted(sent_ids) == sorted(
        Delivery.objects.filter(notice=notice).values_list("pk", flat=True)
    )
    assert {d.subscriber_id for d in Delivery.objects.all()} == {p.pk for p in people}
    notice.refresh_from_db()
    assert notice.dispatch_status == notice.DispatchStatus.MATCHED
    assert notice.matched_at is not None


def test_a_notice_that_fits_in_the_first_wave_is_queued_slice_by_slice(
    settings, warning_index, monkeypatch
):
    from subscriptions.tasks import dispatch_notice

    settings.HERALD_DISPATCH_FIRST_SLICE = 2
    settings.HERALD_DISPATCH_SLICE = 3
    settings.HERALD_DISPATCH_FIRST_WAVE = 100
    for _ in range(5):
        factories.subscriber()
    notice = factories.warning(level=1).notices.get()
    queued = _queued_while_writing(monkeypatch)

    dispatch_notice(notice.pk)

    # Slices of 2 and 3 subscribers: each is queued as soon as it is written.
    assert [(len(ids), rows) for ids, rows in queued] == [(4, 4), (6, 10)]


def test_a_port_bulletin_reaches_list_members_only_whatever_they_were_told_before(
    warning_index, django_capture_on_commit_callbacks
):
    from subscriptions.models import RecipientList

    port_list = RecipientList.objects.create(name="Ningbo port")
    member = factories.subscriber(audience="port")
    removed = factories.subscriber(audience="port")
    consumer = factories.subscriber()
    port_list.members.add(member, removed)
    with django_capture_on_commit_callbacks(execute=True):
        bulletin = factories.warning(kind="port_bulletin", level=3)
        announcement = factories.warning(level=3)

    # Staff take one officer off the list; the announcement is turned into
    # a port bulletin.
    port_list.members.remove(removed)
    announcement.kind = "port_bulletin"
    with django_capture_on_commit_callbacks(execute=True):
        factories.change_level(announcement, 2)
        factories.lift(bulletin)

    told = {
        (notice.warning_id, notice.kind): _told(notice, "email")
        for notice in Notice.objects.all()
    }
    assert told == {
        (bulletin.pk, "publication"): {member.pk, removed.pk},
        (bulletin.pk, "lifting"): {member.pk},
        (announcement.pk, "publication"): {member.pk, removed.pk, consumer.pk},
        (announcement.pk, "adjustment"): {member.pk},
    }
