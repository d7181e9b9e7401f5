# Joins the email-case and delivery-retry migrations.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('subscriptions', '0004_delivery_retry_and_early_callbacks'),
        ('subscriptions', '0004_s_email_any_case'),
    ]

    operations = [
    ]
