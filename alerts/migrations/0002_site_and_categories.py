"""The page tree every Herald site starts from (home, then /warnings/) and
the shipped product-category tree."""

from django.db import migrations


def create_site(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    Page = apps.get_model("wagtailcore.Page")
    Site = apps.get_model("wagtailcore.Site")
    Locale = apps.get_model("wagtailcore.Locale")
    HomePage = apps.get_model("alerts.HomePage")
    WarningIndexPage = apps.get_model("alerts.WarningIndexPage")

    # Wagtail's own first migration leaves a placeholder welcome page.
    Page.objects.filter(depth=2, slug="home").delete()
    locale = Locale.objects.order_by("pk").first()

    home_type, _ = ContentType.objects.get_or_create(model="homepage", app_label="alerts")
    index_type, _ = ContentType.objects.get_or_create(
        model="warningindexpage", app_label="alerts"
    )
    home = HomePage.objects.create(
        title="产品安全风险预警",
        draft_title="产品安全风险预警",
        slug="home",
        content_type=home_type,
        path="00010001",
        depth=2,
        numchild=1,
        url_path="/home/",
        locale=locale,
        live=True,
    )
    WarningIndexPage.objects.create(
        title="风险预警",
        draft_title="风险预警",
        slug="warnings",
        content_type=index_type,
        path="000100010001",
        depth=3,
        numchild=0,
        url_path="/home/warnings/",
        locale=locale,
        live=True,
    )
    Page.objects.filter(depth=1).update(numchild=1)
    Site.objects.all().delete()
    Site.objects.create(
        hostname="localhost", port=80, root_page=home, is_default_site=True
    )


def create_categories(apps, schema_editor):
    from alerts.categories import load_category_tree

    load_category_tree(apps.get_model("alerts.ProductCategory"))


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0001_initial"),
        ("wagtailcore", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_site, migrations.RunPython.noop),
        migrations.RunPython(create_categories, migrations.RunPython.noop),
    ]
