"""The home page and the warning index get names the admin can translate."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('alerts', '0006_r_recall_company_roles'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='homepage',
            options={'verbose_name': 'home page', 'verbose_name_plural': 'home pages'},
        ),
        migrations.AlterModelOptions(
            name='warningindexpage',
            options={'verbose_name': 'warning index page', 'verbose_name_plural': 'warning index pages'},
        ),
    ]
