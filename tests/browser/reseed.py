"""Putting back what the migrations seed, after a transactional test's flush."""

from alerts.models import ProductCategory


def reseed_after_flush():
    """Put back the page tree and category tree the migrations made, when a
    flush took them. serialized_rollback should do this, but once
    Playwright runs, the test sees another connection object than the one
    the serialized copy was kept on, whenever the database was set up
    before the browser started (any earlier test that used it)."""
    if ProductCategory.objects.exists():
        return
    from importlib import import_module

    from django.apps import apps
    from django.conf import settings
    from wagtail.models import Locale, Page

    seed = import_module("alerts.migrations.0002_site_and_categories")
    Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)
    if not Page.objects.filter(depth=1).exists():
        Page.add_root(title="Root", slug="root")
    seed.create_site(apps, None)
    seed.create_categories(apps, None)
