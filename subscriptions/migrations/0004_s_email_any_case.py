"""One subscriber per email address, whatever the case it was typed in.

Before this, "Parent@example.com" and "parent@example.com" could be two
subscribers of one mailbox. Such rows are made one before the constraint is
added: the subscriber whose address is confirmed (and who has not left) keeps
it; the others lose the address, and one left with no address at all is
emptied as an erasure would empty it."""

from django.db import migrations, models
from django.db.models import Count
from django.db.models.functions import Lower
from django.utils import timezone

CONSTRAINT = "subscriber_email_unique_any_case"


def _rank(subscriber):
    """Higher keeps the address: confirmed and staying, then confirmed, then
    the one last changed, then the oldest."""
    return (
        subscriber.email_confirmed_at is not None and subscriber.left_at is None,
        subscriber.email_confirmed_at is not None,
        subscriber.left_at is None,
        subscriber.updated_at,
        -subscriber.pk,
    )


def keep_one_subscriber_per_address(apps, schema_editor):
    Subscriber = apps.get_model("subscriptions", "Subscriber")
    PhoneVerification = apps.get_model("subscriptions", "PhoneVerification")
    # Grouped by the database's own lower(), the function the constraint uses.
    folded = (
        Subscriber.objects.filter(email__isnull=False)
        .annotate(folded=Lower("email"))
        .values("folded")
        .annotate(holders=Count("id"))
        .filter(holders__gt=1)
        .values_list("folded", flat=True)
    )
    now = timezone.now()
    for address in list(folded):
        holders = sorted(
            Subscriber.objects.annotate(folded=Lower("email")).filter(
                folded=address
            ),
            key=_rank,
            reverse=True,
        )
        for subscriber in holders[1:]:
            subscriber.email = None
            subscriber.email_confirmed_at = None
            subscriber.email_active = False
            if subscriber.phone is None:
                PhoneVerification.objects.filter(subscriber=subscriber).delete()
                subscriber.lists.clear()
                subscriber.categories.clear()
                subscriber.sms_active = False
                subscriber.origins = []
                subscriber.digest_time = None
                subscriber.left_at = subscriber.left_at or now
                subscriber.erased_at = now
            subscriber.save()


class Migration(migrations.Migration):
    # The rows are changed and committed before the table is altered:
    # PostgreSQL will not alter a table with changes still pending in the
    # same transaction.
    atomic = False

    dependencies = [
        ("subscriptions", "0003_merge_erasure_and_delivery_engine"),
    ]

    operations = [
        migrations.RunPython(
            keep_one_subscriber_per_address, migrations.RunPython.noop, atomic=True
        ),
        migrations.AlterField(
            model_name="subscriber",
            name="email",
            field=models.EmailField(
                blank=True, max_length=254, null=True, verbose_name="email address"
            ),
        ),
        migrations.AddConstraint(
            model_name="subscriber",
            constraint=models.UniqueConstraint(
                Lower("email"),
                name=CONSTRAINT,
                violation_error_message="Another subscriber has this email address.",
            ),
        ),
    ]
