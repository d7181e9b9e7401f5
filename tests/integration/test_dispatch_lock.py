"""One dispatch of a notice at a time, on PostgreSQL: the sweeper finding a
notice still pending while its fan-out is being written does not start a
second one, and a level change waits for the publication being written."""

import threading

import psycopg
import pytest
from django.db import DataError, connection, transaction

from subscriptions import queries, tasks
from subscriptions.models import Delivery
from tests import factories

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture
def other_session(services):
    """A second session of the test database, as another worker's would be."""
    settings = connection.settings_dict
    session = psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        password=settings["PASSWORD"] or None,
        autocommit=True,
    )
    yield session
    session.close()


def _hold(session, notice):
    session.execute(
        "SELECT pg_advisory_lock(%s, %s)", [queries.DISPATCH_LOCK_CLASS, notice.pk]
    )


def _let_go(session, notice):
    session.execute(
        "SELECT pg_advisory_unlock(%s, %s)", [queries.DISPATCH_LOCK_CLASS, notice.pk]
    )


def test_a_notice_being_dispatched_elsewhere_is_not_dispatched_again(
    warning_index, other_session, queued_chunks
):
    factories.subscriber()
    notice = factories.warning(level=1).notices.get()

    _hold(other_session, notice)
    assert tasks.dispatch_notice(notice.pk) == 0
    assert not Delivery.objects.exists()
    assert queued_chunks == []
    notice.refresh_from_db()
    assert notice.dispatch_status == notice.DispatchStatus.PENDING

    # Once the other dispatch ends (or its worker dies), the next one runs.
    _let_go(other_session, notice)
    assert tasks.dispatch_notice(notice.pk) == 2
    assert sorted(pk for chunk in queued_chunks for pk in chunk) == sorted(
        Delivery.objects.values_list("pk", flat=True)
    )


def test_a_level_change_waits_for_its_publication_being_dispatched_elsewhere(
    warning_index, other_session, queued_chunks
):
    # A reader who wants level I only is reached by the change to level III
    # only through having been told of the publication.
    only_level_one = factories.subscriber(email=False, max_level=1)
    page = factories.warning(level=1)
    publication = page.notices.get()
    factories.change_level(page, 3)
    change = page.notices.order_by("-sequence").first()

    _hold(other_session, publication)
    # The other dispatch ends a little later without having written (it was
    # killed): the change's dispatch must wait for it, then match both.
    releasing = threading.Timer(0.5, _let_go, [other_session, publication])
    releasing.start()
    try:
        tasks.dispatch_notice(change.pk)
    finally:
        releasing.join()

    told = Delivery.objects.filter(subscriber=only_level_one)
    assert sorted(told.values_list("notice__kind", flat=True)) == [
        "adjustment",
        "publication",
    ]


def _dispatch_lock_free(session, notice):
    """Whether another worker's session could take the notice's lock now."""
    (taken,) = session.execute(
        "SELECT pg_try_advisory_lock(%s, %s)", [queries.DISPATCH_LOCK_CLASS, notice.pk]
    ).fetchone()
    if taken:
        _let_go(session, notice)
    return taken


# Outside the test's own transaction: the test opens the one the dispatch
# runs in, and looks for the lock once it has ended.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_dispatch_failing_inside_a_transaction_says_why_and_keeps_no_lock(
    warning_index, other_session, queued_chunks, monkeypatch
):
    factories.subscriber()
    notice = factories.warning(level=1).notices.get()

    def fail(*args, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 / 0")

    monkeypatch.setattr(queries, "subscriber_slices", fail)
    with pytest.raises(DataError, match="division by zero"):
        with transaction.atomic():
            tasks.dispatch_notice(notice.pk)

    # The connection lives on (a worker keeps it between tasks): the notice
    # must not stay locked with it, or no sweep could dispatch it again.
    assert _dispatch_lock_free(other_session, notice)


@pytest.fixture
def notice_ids_past_four_bytes(db):
    """Notices from now on are numbered past 2**31, for this test only: a
    sequence does not roll back with the test's transaction."""
    from alerts.models import Notice

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_serial_sequence(%s, 'id')", [Notice._meta.db_table]
        )
        (sequence,) = cursor.fetchone()
        cursor.execute("SELECT nextval(%s)", [sequence])
        (before,) = cursor.fetchone()
        cursor.execute("SELECT setval(%s, 3000000000)", [sequence])
    yield
    with connection.cursor() as cursor:
        cursor.execute("SELECT setval(%s, %s)", [sequence, before])


def test_a_notice_whose_id_is_past_four_byte_integers_is_dispatched(
    warning_index, notice_ids_past_four_bytes, queued_chunks
):
    factories.subscriber()
    notice = factories.warning(level=1).notices.get()
    assert notice.pk > 2**31

    assert tasks.dispatch_notice(notice.pk) == 2
    assert sorted(pk for chunk in queued_chunks for pk in chunk) == sorted(
        Delivery.objects.values_list("pk", flat=True)
    )
