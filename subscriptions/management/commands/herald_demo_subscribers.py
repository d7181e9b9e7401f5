"""`manage.py herald_demo_subscribers`: confirmed demo subscribers by email and
SMS across categories, so a warning published in the demo reaches someone.
Run by `herald_demo`; a second run adds nothing."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from alerts.models import ProductCategory
from subscriptions.models import Subscriber

# Example addresses (example.com, reserved) and numbers of the demo; the
# outbox receives what is "sent" to them.
DEMO_SUBSCRIBERS = (
    {
        "email": "parent.demo@example.com",
        "phone": "+8613800000001",
        "language": "zh-hans",
        "categories": ("toys", "childcare"),
    },
    {
        "email": "kitchen.demo@example.com",
        "phone": None,
        "language": "en",
        "categories": ("electrical", "food-contact"),
    },
    {
        "email": None,
        "phone": "+8613800000002",
        "language": "zh-hans",
        "categories": ("food", "cosmetics"),
    },
    {
        "email": "importer.demo@example.com",
        "phone": "+8613800000003",
        "language": "zh-hans",
        "audience": "business",
        "wants_trade_advisories": True,
        "categories": ("electrical-chargers", "toys-electric", "vehicles"),
    },
    {
        "email": "port.demo@example.com",
        "phone": None,
        "language": "en",
        "audience": "port",
        "wants_trade_advisories": True,
        "categories": ("toys", "electrical", "food", "cosmetics", "textiles"),
    },
)


class Command(BaseCommand):
    help = "Add the demo subscribers, confirmed, if they are not there yet."

    def handle(self, *args, **options):
        now = timezone.now()
        created = 0
        for spec in DEMO_SUBSCRIBERS:
            spec = dict(spec)
            codes = spec.pop("categories")
            key = (
                {"email": spec["email"]} if spec["email"] else {"phone": spec["phone"]}
            )
            if Subscriber.objects.filter(**key).exists():
                continue
            subscriber = Subscriber.objects.create(
                **spec,
                email_confirmed_at=now if spec["email"] else None,
                phone_confirmed_at=now if spec["phone"] else None,
            )
            subscriber.categories.set(ProductCategory.objects.filter(code__in=codes))
            created += 1
        self.stdout.write(f"Demo subscribers: {created} added.")
