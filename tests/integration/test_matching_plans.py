"""What PostgreSQL reads to match one slice of a big notice: the slice's own
rows, not the whole of an earlier notice once per slice."""

import json

import pytest
from django.db import connection
from django.utils import timezone

from subscriptions import queries
from subscriptions.models import Delivery, Subscriber
from tests import factories

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def _delivery_rows_read(queryset):
    """Rows the plan's scans of the delivery table hand on, over all loops."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
        (plan,) = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)[0]

    def walk(node):
        own = 0
        if node.get("Relation Name") == Delivery._meta.db_table:
            own = node["Actual Rows"] * node["Actual Loops"]
        return own + sum(walk(child) for child in node.get("Plans", ()))

    return walk(plan["Plan"])


def test_a_slice_of_a_lifting_reads_only_its_own_subscribers_earlier_deliveries(
    services, warning_index, settings
):
    # Given 300 readers told of a warning, matched in slices of 100 ids, who
    # have since dropped its category: only having been told still reaches
    # them.
    from alerts.models import ProductCategory

    settings.HERALD_DISPATCH_FIRST_SLICE = settings.HERALD_DISPATCH_SLICE = 100
    now = timezone.now()
    people = Subscriber.objects.bulk_create(
        Subscriber(email=f"told{number}@example.com", email_confirmed_at=now)
        for number in range(300)
    )
    toys = ProductCategory.objects.get(code="toys")
    through = Subscriber.categories.through
    through.objects.bulk_create(
        through(subscriber_id=person.pk, productcategory_id=toys.pk)
        for person in people
    )
    page = factories.warning(level=3)
    for subscriber_range in queries.subscriber_slices():
        queries.write_deliveries(page.notices.get(), subscriber_range)
    Delivery.objects.update(status="sent")
    through.objects.all().delete()

    # When the lifting's middle slice is matched.
    factories.lift(page)
    lifting = page.notices.order_by("-sequence").first()
    _first, middle, _last = queries.subscriber_slices()
    matched = queries.matching_subscribers(lifting, "email", middle, "outbox")

    # Then it meets the earlier deliveries of its own 100 readers only.
    assert matched.count() == 100
    assert _delivery_rows_read(matched) <= 100
